import Foundation
import Logging
import NIOCore
import Shared

public enum MappingChange: Sendable, Equatable {
    case updated(PortMappingRecord, listening: Bool)
    case released(PortMappingRecord)
}

public enum ProxyError: Error, CustomStringConvertible {
    case noFreePort(range: Range<Int>)
    case noVerifiedPort(range: Range<Int>)
    case invalidTarget(String)
    case unknownVM(String)

    public var description: String {
        switch self {
        case .noFreePort(let range):
            "no free port left in \(range.lowerBound)-\(range.upperBound - 1) (GOLEM_PROVIDER_PORT_RANGE_START/END)"
        case .noVerifiedPort(let range):
            "no port of \(range.lowerBound)-\(range.upperBound - 1) that passed the external reachability check is free; "
                + "open more ports of the range in the firewall and restart, or start with --no-verify-port"
        case .invalidTarget(let message): message
        case .unknownVM(let vmID): "no port mapped for VM \(vmID)"
        }
    }
}

/// The VM ↔ public port table and its listeners. Every change is persisted before it is answered, and
/// exposing or releasing twice gives the same result as once.
public actor PortForwardingTable {
    struct Entry {
        var record: PortMappingRecord
        var target: ForwardTarget
        var listener: (any ForwardingListener)?
        var account: VMTrafficAccount
    }

    let store: PortMappingStore
    let forwarder: any Forwarder
    let range: Range<Int>
    let logger: Logger
    let events: EventHub<MappingChange>
    let hostTraffic: HostTrafficAccount
    private var entries: [String: Entry] = [:]
    private var verifiedPorts: VerifiedPortPolicy?

    init(
        store: PortMappingStore, forwarder: any Forwarder, range: Range<Int>, maxConnections: Int,
        events: EventHub<MappingChange>, logger: Logger
    ) {
        self.store = store
        self.events = events
        self.forwarder = forwarder
        self.range = range
        self.hostTraffic = HostTrafficAccount(maxConnections: maxConnections)
        self.logger = logger
    }

    private func makeAccount() -> VMTrafficAccount {
        VMTrafficAccount(maxConnections: forwarder.policy.maxConnectionsPerVM, host: hostTraffic)
    }

    /// Re-opens a listener for every stored mapping (the original lost them all on restart).
    public func restore() async throws {
        verifiedPorts = try store.verifiedPortPolicy()
        for record in try store.all() {
            let target = ForwardTarget(host: record.targetHost, port: record.targetPort)
            entries[record.vmID] = Entry(record: record, target: target, listener: nil, account: makeAccount())
            await ensureListening(record.vmID)
        }
        logger.info("restored port mappings", metadata: ["count": "\(entries.count)"])
    }

    public func expose(vmID: String, targetHost: String, targetPort: Int) async throws -> (PortMappingRecord, listening: Bool) {
        guard !vmID.isEmpty, !targetHost.isEmpty, (1...65535).contains(targetPort) else {
            throw ProxyError.invalidTarget("vm_id, target_host and a target_port of 1-65535 are required")
        }
        if var entry = entries[vmID] {
            if entry.record.targetHost != targetHost || entry.record.targetPort != targetPort {
                entry.record.targetHost = targetHost
                entry.record.targetPort = targetPort
                try store.save(entry.record)
                entry.target.update(host: targetHost, port: targetPort)
                entries[vmID] = entry
                logger.info("retargeted", metadata: ["vm": "\(vmID)", "target": "\(targetHost):\(targetPort)"])
                await events.publish(.updated(entry.record, listening: entry.listener != nil))
            }
            await ensureListening(vmID)
            return (entries[vmID]!.record, entries[vmID]?.listener != nil)
        }
        let taken = Set(entries.values.map(\.record.publicPort))
        let target = ForwardTarget(host: targetHost, port: targetPort)
        let account = makeAccount()
        for port in range where !taken.contains(port) && (verifiedPorts?.allows(port) ?? true) {
            // A port something else on the host holds fails to bind and is skipped.
            guard let listener = try? await forwarder.listen(port: port, target: target, account: account) else { continue }
            let record = PortMappingRecord(vmID: vmID, publicPort: port, targetHost: targetHost, targetPort: targetPort,
                                           createdAtMs: Int64(Date().timeIntervalSince1970 * 1000))
            do {
                try store.save(record)
            } catch {
                await listener.close()
                throw error
            }
            entries[vmID] = Entry(record: record, target: target, listener: listener, account: account)
            await events.publish(.updated(record, listening: true))
            logger.info("exposed VM", metadata: ["vm": "\(vmID)", "port": "\(port)", "target": "\(targetHost):\(targetPort)"])
            return (record, true)
        }
        throw verifiedPorts?.enforce == true ? ProxyError.noVerifiedPort(range: range) : ProxyError.noFreePort(range: range)
    }

    /// Closes the listener and frees the port; an unknown VM answers false.
    public func release(vmID: String) async throws -> Bool {
        guard let entry = entries.removeValue(forKey: vmID) else { return false }
        await entry.listener?.close()
        try store.delete(vmID: vmID)
        await events.publish(.released(entry.record))
        logger.info("released port", metadata: ["vm": "\(vmID)", "port": "\(entry.record.publicPort)"])
        return true
    }

    public func mapping(vmID: String) -> (PortMappingRecord, listening: Bool)? {
        entries[vmID].map { ($0.record, $0.listener != nil) }
    }

    public func all() -> [(PortMappingRecord, listening: Bool)] {
        entries.values.map { ($0.record, $0.listener != nil) }.sorted { $0.0.publicPort < $1.0.publicPort }
    }

    public var vmIDs: Set<String> { Set(entries.keys) }

    private func ensureListening(_ vmID: String) async {
        guard let entry = entries[vmID], entry.listener == nil else { return }
        do {
            let listener = try await forwarder.listen(port: entry.record.publicPort, target: entry.target, account: entry.account)
            entries[vmID]?.listener = listener
            await events.publish(.updated(entry.record, listening: true))
        } catch {
            logger.error("cannot listen on the VM's port", metadata: [
                "vm": "\(vmID)", "port": "\(entry.record.publicPort)", "error": "\(error)",
            ])
        }
    }

    /// Counters of one VM (or every VM when `vmID` is nil) and of the host.
    public func traffic(vmID: String?) throws -> (vms: [(PortMappingRecord, TrafficStats)], host: TrafficStats) {
        let selected: [Entry]
        if let vmID {
            guard let entry = entries[vmID] else { throw ProxyError.unknownVM(vmID) }
            selected = [entry]
        } else {
            selected = entries.values.sorted { $0.record.publicPort < $1.record.publicPort }
        }
        return (selected.map { ($0.record, $0.account.vm.snapshot) }, hostTraffic.counters.snapshot)
    }

    /// Stores which ports new mappings may use; answers how many of those are free now.
    public func setVerifiedPorts(_ policy: VerifiedPortPolicy) throws -> Int {
        try store.saveVerifiedPortPolicy(policy)
        verifiedPorts = policy
        logger.info("verified port policy set", metadata: ["enforce": "\(policy.enforce)", "ports": "\(policy.ports.count)"])
        return usableFreePorts
    }

    /// Ports of the range that no VM holds and that the policy allows.
    public var usableFreePorts: Int {
        let taken = Set(entries.values.map(\.record.publicPort))
        return range.filter { !taken.contains($0) && (verifiedPorts?.allows($0) ?? true) }.count
    }

    public func closeAll() async {
        for (vmID, entry) in entries {
            await entry.listener?.close()
            entries[vmID]?.listener = nil
        }
    }
}
