import GRPCCore
import Logging
import ServiceLifecycle

/// Follows golem-vm's Watch stream until shutdown, reconnecting with backoff (100 ms doubling to 2 s). Each
/// connection starts with the full listing (EXISTING events, then SYNCED); `handle` gets every event with the
/// set of VM ids seen on the current connection, so it can reconcile what is missing once SYNCED arrives.
public enum VMWatchFollower {
    public typealias Handler = @Sendable (Golem_Provider_Vm_V1_VMEvent, _ seen: Set<String>) async throws -> Void

    public static func follow(_ vms: VMServiceClient, logger: Logger, handle: @escaping Handler) async {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown {
                    try await vms.watch(Golem_Provider_Vm_V1_WatchRequest()) { response in
                        var seen: Set<String> = []
                        for try await event in response.messages {
                            if event.kind == .existing || event.kind == .updated { seen.insert(event.vm.id) }
                            try await handle(event, seen)
                        }
                    }
                }
                delay = .milliseconds(100)
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { return }
                logger.debug("VM watch interrupted; reconnecting", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(2))
        }
    }
}
