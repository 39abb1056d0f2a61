import GRPCCore
import Logging
import ServiceLifecycle
import Shared

/// Keeps the NodeCatalog current: follows VMService's and ProxyService's Watch streams, reconnecting with backoff.
struct CatalogFeed: Service {
    let backends: Backends
    let catalog: NodeCatalog
    let logger: Logger

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await follow("VM", followVMs, disconnected: catalog.vmsDisconnected) }
            group.addTask { await follow("port mapping", followMappings, disconnected: catalog.mappingsDisconnected) }
        }
    }

    private func follow(_ what: String, _ stream: @escaping @Sendable () async throws -> Void, disconnected: () -> Void) async {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await stream() }
                delay = .milliseconds(100)
            } catch {
                logger.debug("\(what) watch interrupted; reconnecting", metadata: ["error": "\(error)"])
            }
            disconnected()
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(2))
        }
    }

    private func followVMs() async throws {
        try await backends.vms.watch(Golem_Provider_Vm_V1_WatchRequest()) { response in
            var initial: [NodeCatalog.VM] = []
            for try await event in response.messages {
                switch event.kind {
                case .existing: initial.append(event.vm)
                case .synced: catalog.replaceVMs(initial)
                case .updated: catalog.vmUpdated(event.vm)
                case .deleted: catalog.vmDeleted(event.vm)
                case .unspecified, .UNRECOGNIZED: break
                }
            }
        }
    }

    private func followMappings() async throws {
        try await backends.proxy.watch(Golem_Provider_Proxy_V1_WatchRequest()) { response in
            var initial: [NodeCatalog.Mapping] = []
            for try await event in response.messages {
                switch event.kind {
                case .existing: initial.append(event.mapping)
                case .synced: catalog.replaceMappings(initial)
                case .updated: catalog.mappingUpdated(event.mapping)
                case .released: catalog.mappingReleased(event.mapping)
                case .unspecified, .UNRECOGNIZED: break
                }
            }
        }
    }
}
