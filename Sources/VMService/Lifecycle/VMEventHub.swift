import Foundation

public enum VMChange: Sendable, Equatable {
    case updated(VMRecord)
    case deleted(VMRecord)
}

/// Fans VM changes out to every `Watch` caller. Each subscriber gets its own bounded buffer; a watcher that
/// falls behind loses old events, which is safe because events carry whole states and watchers re-list on reconnect.
public actor VMEventHub {
    private var subscribers: [UUID: AsyncStream<VMChange>.Continuation] = [:]
    private var closed = false

    public init() {}

    public func subscribe() -> (id: UUID, changes: AsyncStream<VMChange>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream<VMChange>.makeStream(bufferingPolicy: .bufferingNewest(4096))
        if closed { continuation.finish() } else { subscribers[id] = continuation }
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

    /// Ends every watch (at shutdown, so the gRPC server's graceful stop does not wait on endless streams).
    public func close() {
        closed = true
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
    }

    public var subscriberCount: Int { subscribers.count }
}
