import Foundation
import ServiceLifecycle

/// Fans changes out to every `Watch` caller of a service. Each subscriber gets its own bounded buffer; a watcher
/// that falls behind loses old changes, which is safe because changes carry whole states and watchers re-list
/// on reconnect.
public actor EventHub<Change: Sendable> {
    private var subscribers: [UUID: AsyncStream<Change>.Continuation] = [:]
    private var closed = false

    public init() {}

    public func subscribe() -> (id: UUID, changes: AsyncStream<Change>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream<Change>.makeStream(bufferingPolicy: .bufferingNewest(4096))
        if closed {
            continuation.finish()
        } else {
            subscribers[id] = continuation
            continuation.onTermination = { [weak self] _ in
                Task { await self?.unsubscribe(id) }
            }
        }
        return (id, stream)
    }

    public func unsubscribe(_ id: UUID) {
        subscribers.removeValue(forKey: id)?.finish()
    }

    public func publish(_ change: Change) {
        for continuation in subscribers.values { continuation.yield(change) }
    }

    /// Ends every watch (at shutdown, so the gRPC server's graceful stop does not wait on endless streams).
    public func close() {
        closed = true
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
    }

    public var subscriberCount: Int { subscribers.count }

    /// Serves one Watch call: the full state (`snapshot`), a synced marker, then every change until the caller
    /// leaves or the hub closes. It subscribes before reading the snapshot, so no change in between is missed
    /// (a change may arrive twice; harmless, since changes carry whole states).
    public func serveWatch<Item>(
        snapshot: () async throws -> [Item],
        existing: (Item) async throws -> Void,
        synced: () async throws -> Void,
        change: (Change) async throws -> Void
    ) async throws {
        let (id, changes) = subscribe()
        defer { Task { await self.unsubscribe(id) } }
        for item in try await snapshot() { try await existing(item) }
        try await synced()
        for await next in changes { try await change(next) }
    }
}

/// Closes a hub when the process shuts down.
public struct EventHubShutdown<Change: Sendable>: Service {
    let hub: EventHub<Change>
    public init(hub: EventHub<Change>) { self.hub = hub }
    public func run() async throws {
        try? await gracefulShutdown()
        await hub.close()
    }
}
