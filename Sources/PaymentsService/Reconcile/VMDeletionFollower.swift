import Foundation
import GRPCCore
import Logging
import ServiceLifecycle
import Shared

/// Follows golem-vm's Watch stream so a binding never outlives its VM, whoever deleted it (the gateway unbinds
/// too, but it may have missed golem-payments): a deleted VM finishes its binding (kept for earnings); after each
/// full listing, bindings of VMs that no longer exist are finished as well, unless they are younger than
/// `settleTime` (the gateway binds a moment before it creates the VM).
struct VMDeletionFollower: Service {
    let vms: VMServiceClient
    let bindings: StreamBindingStore
    let logger: Logger
    var settleTime: Duration = .seconds(120)

    func run() async throws {
        await VMWatchFollower.follow(vms, logger: logger) { event, seen in handle(event, seen: seen) }
    }

    private func handle(_ event: Golem_Provider_Vm_V1_VMEvent, seen: Set<String>) {
        switch event.kind {
        case .existing, .updated:
            break
        case .deleted:
            finish(event.vm.id)
        case .synced:
            let cutoff = Int64(Date().timeIntervalSince1970 * 1000) - Int64(settleTime.components.seconds * 1000)
            let gone = ((try? bindings.all()) ?? []).filter {
                ($0.isLive || $0.awaitsDeletion) && !seen.contains($0.vmID) && $0.boundAtMs < cutoff
            }
            for binding in gone { finish(binding.vmID) }
        case .unspecified, .UNRECOGNIZED:
            break
        }
    }

    private func finish(_ vmID: String) {
        do {
            if try bindings.finish(vmID: vmID, at: Int64(Date().timeIntervalSince1970 * 1000)) {
                logger.info("VM deleted; its stream binding is finished (kept for earnings)", metadata: ["vm_id": "\(vmID)"])
            }
        } catch {
            logger.error("could not finish the binding of a deleted VM", metadata: ["vm_id": "\(vmID)", "error": "\(error)"])
        }
    }
}
