import Synchronization

/// A point-in-time copy of `TrafficCounters`.
public struct TrafficStats: Sendable, Equatable {
    public var connectionsOpen = 0
    public var connectionsTotal = 0
    public var connectionsRefused = 0
    /// Requestor to VM.
    public var bytesIn = 0
    /// VM to requestor.
    public var bytesOut = 0
}

/// Connection and byte counters, updated from every event loop without locks.
final class TrafficCounters: Sendable {
    private let open = Atomic<Int>(0)
    private let total = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)
    private let bytesIn = Atomic<Int>(0)
    private let bytesOut = Atomic<Int>(0)

    func opened() {
        open.wrappingAdd(1, ordering: .relaxed)
        total.wrappingAdd(1, ordering: .relaxed)
    }

    func closed() { open.wrappingSubtract(1, ordering: .relaxed) }
    func refusedOne() { refused.wrappingAdd(1, ordering: .relaxed) }
    func received(_ count: Int) { bytesIn.wrappingAdd(count, ordering: .relaxed) }
    func sent(_ count: Int) { bytesOut.wrappingAdd(count, ordering: .relaxed) }

    var snapshot: TrafficStats {
        TrafficStats(
            connectionsOpen: open.load(ordering: .relaxed),
            connectionsTotal: total.load(ordering: .relaxed),
            connectionsRefused: refused.load(ordering: .relaxed),
            bytesIn: bytesIn.load(ordering: .relaxed),
            bytesOut: bytesOut.load(ordering: .relaxed))
    }
}

/// What one VM's listener accounts to: its own counters and cap, and the host's.
final class VMTrafficAccount: Sendable {
    let vm = TrafficCounters()
    let vmLimit: ConnectionLimit
    let host: HostTrafficAccount

    init(maxConnections: Int, host: HostTrafficAccount) {
        vmLimit = ConnectionLimit(maximum: maxConnections)
        self.host = host
    }

    /// Admits a new connection under both caps, or counts it as refused. Pair an admission with `finish()`.
    func admit() -> Bool {
        guard host.limit.acquire() else {
            vm.refusedOne()
            host.counters.refusedOne()
            return false
        }
        guard vmLimit.acquire() else {
            host.limit.release()
            vm.refusedOne()
            host.counters.refusedOne()
            return false
        }
        vm.opened()
        host.counters.opened()
        return true
    }

    func finish() {
        vm.closed()
        host.counters.closed()
        vmLimit.release()
        host.limit.release()
    }

    func received(_ count: Int) {
        vm.received(count)
        host.counters.received(count)
    }

    func sent(_ count: Int) {
        vm.sent(count)
        host.counters.sent(count)
    }
}

/// Host-wide cap and counters, shared by every VM's listener.
final class HostTrafficAccount: Sendable {
    let limit: ConnectionLimit
    let counters = TrafficCounters()

    init(maxConnections: Int) { limit = ConnectionLimit(maximum: maxConnections) }
}
