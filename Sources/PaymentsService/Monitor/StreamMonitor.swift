import Ethereum
import Foundation
import GRPCCore
import Logging
import ServiceLifecycle
import Shared

/// Every interval: reads all watched streams in one JSON-RPC batch, decides per stream (MonitorDecision), and
/// acts: withdraws what is due, stops the VM of an ended stream (final withdrawal, binding finished), deletes it
/// after the grace period. A failed read (RPC down, timeout, malformed answer) acts on nothing: it is logged,
/// counted and read again next tick.
actor StreamMonitor {
    struct Options: Sendable {
        var policy: MonitorPolicy
        var withdrawEnabled: Bool
    }

    struct Counters: Sendable {
        var ticks = 0
        var failedTicks = 0
        var failedReads = 0
        var stopped = 0
        var deleted = 0
        var lastTickMs: Int64?
        var lastError: String?
    }

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

    /// One pass over every watched binding; answers how many streams were read.
    @discardableResult
    func tick() async -> Int {
        counters.ticks += 1
        counters.lastTickMs = Self.nowMs
        let watched: [StreamBinding]
        do { watched = try bindings.watched() } catch {
            return failTick("bindings unreadable: \(error)")
        }
        let ids = watched.compactMap { try? UInt256(decimal: $0.streamID) }
        guard !ids.isEmpty else { return 0 }
        let reading: StreamReader.Reading
        do { reading = try await reader.read(Array(Set(ids))) } catch {
            return failTick("\(error)")
        }
        counters.lastError = nil
        for binding in watched {
            guard let id = try? UInt256(decimal: binding.streamID), let result = reading.streams[id] else { continue }
            let action = MonitorDecision.decide(
                reading: result, provider: provider, now: reading.blockTime,
                lastWithdrawAt: binding.lastWithdrawAt.map { UInt64(max($0, 0)) },
                stoppedAt: binding.awaitsDeletion ? binding.vmStoppedChainTime.map { UInt64(max($0, 0)) } ?? 0 : nil,
                policy: options.policy)
            await act(action, on: binding, streamID: id, chainTime: reading.blockTime)
        }
        return ids.count
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
            }
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
        if let last = counters.lastTickMs { details["monitor_last_tick_unix_ms"] = String(last) }
        if let error = counters.lastError { details["monitor_last_error"] = error }
        return details
    }
}
