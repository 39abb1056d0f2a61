import Synchronization

/// A cap on concurrent connections, taken and given back from any event loop.
///
///     guard limit.acquire() else { refuse() }
///     channel.closeFuture.whenComplete { _ in limit.release() }
final class ConnectionLimit: Sendable {
    let maximum: Int
    private let held = Atomic<Int>(0)

    init(maximum: Int) { self.maximum = maximum }

    /// Takes one slot, or answers false (and takes nothing) when all are held.
    func acquire() -> Bool {
        if held.wrappingAdd(1, ordering: .relaxed).newValue <= maximum { return true }
        held.wrappingSubtract(1, ordering: .relaxed)
        return false
    }

    func release() { held.wrappingSubtract(1, ordering: .relaxed) }

    var current: Int { held.load(ordering: .relaxed) }
}
