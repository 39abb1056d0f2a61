import GRPCCore
import Logging
import ServiceLifecycle
import Shared

/// Follows VMService's Watch stream: a running VM with an SSH endpoint gets a port, a deleted VM loses it,
/// and after each (re)connection's full listing, ports of VMs that no longer exist are released.
struct VMWatchReconciler: Service {
    let vms: VMServiceClient
    let table: PortForwardingTable
    let logger: Logger

    func run() async throws {
        await VMWatchFollower.follow(vms, logger: logger) { event, seen in try await handle(event, seen: seen) }
    }

    private func handle(_ event: Golem_Provider_Vm_V1_VMEvent, seen: Set<String>) async throws {
        switch event.kind {
        case .existing, .updated:
            let vm = event.vm
            if vm.state == .running, vm.hasSshEndpoint, !vm.sshEndpoint.host.isEmpty {
                do {
                    _ = try await table.expose(vmID: vm.id, targetHost: vm.sshEndpoint.host, targetPort: Int(vm.sshEndpoint.port))
                } catch {
                    logger.error("cannot expose VM", metadata: ["vm": "\(vm.id)", "error": "\(error)"])
                }
            }
        case .deleted:
            _ = try await table.release(vmID: event.vm.id)
        case .synced:
            for vmID in await table.vmIDs where !seen.contains(vmID) {
                logger.info("VM no longer exists; releasing its port", metadata: ["vm": "\(vmID)"])
                _ = try await table.release(vmID: vmID)
            }
        case .unspecified, .UNRECOGNIZED:
            break
        }
    }
}
