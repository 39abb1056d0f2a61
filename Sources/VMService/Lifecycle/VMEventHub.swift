import Foundation

public enum VMChange: Sendable, Equatable {
    case updated(VMRecord)
    case deleted(VMRecord)
}

/// Fans VM changes out to every `Watch` caller. Each subscriber gets its own bounded buffer; a watcher that
/// falls behind loses old events, which is safe because events carry whole states and watchers re-list on reconnect.
public actor VMEventHub {
    private var subscribers: [UUID: AsyncStream<VMChange>.Continuation] = [:]

    public init() {}

    public func subscribe() -> (id: UUID, changes: AsyncStream<VMChange>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream<VMChange>.makeStream(bufferingPolicy: .bufferingNewest(4096))
        subscribers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return (id, stream)
    }

    public func unsubscribe(_ id: UUID) {
        subscribers.removeValue(forKey: id)?.finish()
    }

    public func publish(_ change: VMChange) {
        for continuation in subscribers.values { continuation.yield(change) }
    }

    public var subscriberCount: Int { subscribers.count }
}
