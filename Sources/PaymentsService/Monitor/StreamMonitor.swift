import Ethereum
import Foundation
import GRPCCore
import Logging
import ServiceLifecycle
import Shared

/// Every interval: brings its copy of the watched streams up to date, decides per stream (MonitorDecision), and
/// acts: withdraws what is due, stops the VM of an ended stream (final withdrawal, binding finished), deletes it
/// after the grace period. A failed read (RPC down, timeout, malformed answer) acts on nothing: it is logged,
/// counted and read again next tick.
///
/// Keeping up costs two calls per tick however many streams are bound: the latest block (its time is what
/// depletes streams) and the contract's Halted/Terminated/ToppedUp/Withdraw logs since the last tick; only the
/// streams those logs name (and newly bound ones) are read again. Every `fullReadInterval`, after a gap longer
/// than `maxLogRange` blocks, or when the chain went backwards, every stream is read again (one batch).
actor StreamMonitor {
    struct Options: Sendable {
        var policy: MonitorPolicy
        var withdrawEnabled: Bool
        var fullReadInterval: Duration = .seconds(600)
        var maxLogRange: UInt64 = 2000
    }

    /// The events that change a stream's fields; time alone changes nothing stored.
    static let changeTopics = ["Halted(uint256)", "Terminated(uint256,uint256,uint256)", "ToppedUp(uint256,uint256,uint128)",
                               "Withdraw(uint256,address,uint256)"].map { Keccak256.hash(Array($0.utf8)) }

    struct Counters: Sendable {
        var ticks = 0
        var failedTicks = 0
        var failedReads = 0
        var stopped = 0
        var deleted = 0
        var fullReads = 0
        var streamsRead = 0
        var lastTickMs: Int64?
        var lastTickDuration: Duration?
        var lastError: String?
    }

    private var known: [UInt256: ChainStream] = [:]
    private var scannedThrough: UInt64?
    private var lastFullRead: ContinuousClock.Instant?

    private let bindings: StreamBindingStore
    private let reader: StreamReader
    private let sender: WithdrawalSender
    private let vms: VMServiceClient
    private let provider: Address
    private let options: Options
    private let logger: Logger
    private(set) var counters = Counters()

    init(bindings: StreamBindingStore, reader: StreamReader, sender: WithdrawalSender, vms: VMServiceClient, provider: Address,
         options: Options, logger: Logger) {
        self.bindings = bindings
        self.reader = reader
        self.sender = sender
        self.vms = vms
        self.provider = provider
        self.options = options
        self.logger = logger
    }

    /// One pass over every watched binding; answers how many streams it read from the chain.
    @discardableResult
    func tick() async -> Int {
        let started = ContinuousClock.now
        defer { counters.lastTickDuration = ContinuousClock.now - started }
        counters.ticks += 1
        counters.lastTickMs = Self.nowMs
        await sender.settlePending()
        let watched: [StreamBinding]
        do { watched = try bindings.watched() } catch {
            return failTick("bindings unreadable: \(error)")
        }
        let ids = Set(watched.compactMap { try? UInt256(decimal: $0.streamID) })
        guard !ids.isEmpty else { return 0 }
        let update: (now: UInt64, streams: [UInt256: Result<ChainStream, StreamReadError>], read: Int)
        do { update = try await currentStreams(ids) } catch {
            return failTick("\(error)")
        }
        counters.lastError = nil
        for binding in watched {
            guard let id = try? UInt256(decimal: binding.streamID), let result = update.streams[id] else { continue }
            let action = MonitorDecision.decide(
                reading: result, provider: provider, now: update.now,
                lastWithdrawAt: binding.lastWithdrawAt.map { UInt64(max($0, 0)) },
                stoppedAt: binding.awaitsDeletion ? binding.vmStoppedChainTime.map { UInt64(max($0, 0)) } ?? 0 : nil,
                policy: options.policy)
            await act(action, on: binding, streamID: id, chainTime: update.now)
        }
        return update.read
    }

    /// Every watched stream as of the latest block, read again only where needed (see the type's comment).
    private func currentStreams(_ ids: Set<UInt256>) async throws -> (now: UInt64, streams: [UInt256: Result<ChainStream, StreamReadError>], read: Int) {
        let head = try await reader.node.latestBlock()
        let fullDue = scannedThrough.map { head.number < $0 || head.number - $0 > options.maxLogRange } ?? true
            || lastFullRead.map { ContinuousClock.now - $0 >= options.fullReadInterval } ?? true
        var stale = ids.filter { known[$0] == nil }
        if fullDue {
            stale = ids
        } else if let scanned = scannedThrough, head.number > scanned {
            do {
                let logs = try await reader.node.logs(of: reader.contract, firstTopics: Self.changeTopics, from: scanned + 1, to: head.number)
                for log in logs {
                    if let topic = log.topics.dropFirst().first, let id = UInt256(bigEndian: topic), ids.contains(id) { stale.insert(id) }
                }
            } catch {
                // A node that refuses eth_getLogs (some public endpoints do) costs a full read, never a blind tick.
                if error.isTransient { throw error }
                stale = ids
            }
        }
        var results: [UInt256: Result<ChainStream, StreamReadError>] = [:]
        if !stale.isEmpty {
            let reading = try await reader.read(Array(stale))
            for (id, result) in reading.streams {
                results[id] = result
                known[id] = try? result.get()   // a failed read is read again next tick
            }
        }
        for id in ids where results[id] == nil {
            results[id] = known[id].map { .success($0) } ?? .failure(.malformed("stream \(id) was not read"))
        }
        known = known.filter { ids.contains($0.key) }
        scannedThrough = head.number
        if fullDue {
            lastFullRead = ContinuousClock.now
            counters.fullReads += 1
        }
        counters.streamsRead += stale.count
        return (head.timestamp, results, stale.count)
    }

    private func failTick(_ error: String) -> Int {
        counters.failedTicks += 1
        counters.lastError = error
        logger.warning("monitor tick could not read the streams; nothing is stopped or deleted, retrying next tick", metadata: ["error": "\(error)"])
        return 0
    }

    private func act(_ action: MonitorAction, on binding: StreamBinding, streamID: UInt256, chainTime: UInt64) async {
        switch action {
        case .keep(let due):
            guard binding.isLive, options.withdrawEnabled, let due else { return }
            _ = await sender.withdraw(streamID: streamID, vmID: binding.vmID, expected: due, initiator: "monitor")
            // Marked after any attempt: a failing withdrawal is retried after the interval, not every tick.
            try? bindings.markWithdrawn(vmID: binding.vmID, chainTime: chainTime)
        case .stop(let reason, let finalWithdraw):
            guard binding.isLive else { return }
            guard await stopVM(binding.vmID, reason: reason) else { return }
            do { try bindings.markStopped(vmID: binding.vmID, reason: reason, at: Self.nowMs, chainTime: chainTime) } catch {
                logger.error("could not record the stop", metadata: ["vm_id": "\(binding.vmID)", "error": "\(error)"])
            }
            counters.stopped += 1
            if let finalWithdraw {
                _ = await sender.withdraw(streamID: streamID, vmID: binding.vmID, expected: finalWithdraw, initiator: "monitor")
                try? bindings.markWithdrawn(vmID: binding.vmID, chainTime: chainTime)
            }
        case .retryFinalWithdraw(let owed):
            _ = await sender.withdraw(streamID: streamID, vmID: binding.vmID, expected: owed, initiator: "monitor")
            try? bindings.markWithdrawn(vmID: binding.vmID, chainTime: chainTime)
        case .delete:
            guard await deleteVM(binding.vmID) else { return }
            try? bindings.markDeleted(vmID: binding.vmID, at: Self.nowMs)
            counters.deleted += 1
        case .unknown(let why):
            counters.failedReads += 1
            logger.warning("stream unreadable this tick; its VM is left as it is", metadata: [
                "vm_id": "\(binding.vmID)", "stream_id": "\(streamID)", "error": "\(why)",
            ])
        }
    }

    /// True once the VM is stopped or gone.
    private func stopVM(_ vmID: String, reason: String) async -> Bool {
        do {
            _ = try await vms.stop(.with { $0.vmID = vmID }, options: RPCEndpoints.callOptions(timeout: .seconds(300)))
            logger.notice("stopped VM: its stream ended", metadata: ["vm_id": "\(vmID)", "reason": "\(reason)"])
            return true
        } catch let error as RPCError where error.code == .notFound {
            return true   // already gone: the stream is still finished and paid out
        } catch {
            logger.warning("could not stop VM; retrying next tick", metadata: ["vm_id": "\(vmID)", "error": "\(error)"])
            return false
        }
    }

    private func deleteVM(_ vmID: String) async -> Bool {
        do {
            _ = try await vms.delete(.with { $0.vmID = vmID }, options: RPCEndpoints.callOptions(timeout: .seconds(300)))
            logger.notice("deleted VM after the grace period of its ended stream", metadata: ["vm_id": "\(vmID)"])
            return true
        } catch let error as RPCError where error.code == .notFound {
            return true
        } catch {
            logger.warning("could not delete VM; retrying next tick", metadata: ["vm_id": "\(vmID)", "error": "\(error)"])
            return false
        }
    }

    static var nowMs: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

/// Runs the monitor's ticks until shutdown; the first tick comes one interval after start (services settle first).
struct StreamMonitorService: Service {
    let monitor: StreamMonitor
    let interval: Duration

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await monitor.tick()
            }
        }
    }
}

extension StreamMonitor {
    /// For `status`: the monitor's counters.
    func healthDetails() -> [String: String] {
        var details = [
            "monitor_ticks": String(counters.ticks), "monitor_failed_ticks": String(counters.failedTicks),
            "monitor_failed_reads": String(counters.failedReads), "monitor_stopped_vms": String(counters.stopped),
            "monitor_deleted_vms": String(counters.deleted),
        ]
        details["monitor_full_reads"] = String(counters.fullReads)
        details["monitor_streams_read"] = String(counters.streamsRead)
        if let last = counters.lastTickMs { details["monitor_last_tick_unix_ms"] = String(last) }
        if let duration = counters.lastTickDuration {
            details["monitor_last_tick_ms"] = String(format: "%.1f", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000)
        }
        if let error = counters.lastError { details["monitor_last_error"] = error }
        return details
    }
}
