import Shared
import Synchronization

/// The gateway's read model: every VM and every port mapping, kept current by the services' Watch streams,
/// so reads cost no call to another process. It is derived state (rebuilt from the streams after any
/// reconnect), so the gateway stays stateless and replicable. Until both streams are synced, routes ask the
/// services directly.
final class NodeCatalog: Sendable {
    typealias VM = Golem_Provider_Vm_V1_VM
    typealias Mapping = Golem_Provider_Proxy_V1_PortMapping

    enum Lookup {
        case found(VM, Mapping?)
        case missing
        /// The catalog cannot answer; ask the services.
        case unknown
    }

    private struct State {
        var vms: [String: VM] = [:]
        /// When each recently deleted VM was deleted, so a late update cannot bring it back.
        var deletedAt: [String: Int64] = [:]
        var mappings: [String: Mapping] = [:]
        var vmsSynced = false
        var mappingsSynced = false
        var synced: Bool { vmsSynced && mappingsSynced }
    }

    private let state = Mutex(State())

    var isSynced: Bool { state.withLock { $0.synced } }

    /// Every VM with its mapping, oldest first; nil while not synced.
    func list() -> [(VM, Mapping?)]? {
        state.withLock { state in
            guard state.synced else { return nil }
            return state.vms.values
                .sorted { ($0.createdAtUnixMs, $0.id) < ($1.createdAtUnixMs, $1.id) }
                .map { ($0, state.mappings[$0.id]) }
        }
    }

    func lookup(_ id: String) -> Lookup {
        state.withLock { state in
            guard state.synced else { return .unknown }
            guard let vm = state.vms[id] else { return .missing }
            return .found(vm, state.mappings[id])
        }
    }

    // MARK: VM changes (from the Watch stream, and from this gateway's own calls for read-your-writes)

    func replaceVMs(_ vms: [VM]) {
        state.withLock { state in
            state.vms = Dictionary(vms.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
            state.vmsSynced = true
        }
    }

    /// Applies a VM's state unless the catalog already holds a newer one (or deleted it later).
    func vmUpdated(_ vm: VM) {
        state.withLock { state in
            if let deleted = state.deletedAt[vm.id], vm.updatedAtUnixMs <= deleted { return }
            if let current = state.vms[vm.id], current.updatedAtUnixMs > vm.updatedAtUnixMs { return }
            state.vms[vm.id] = vm
        }
    }

    func vmDeleted(_ vm: VM) {
        state.withLock { state in
            if let current = state.vms[vm.id], current.updatedAtUnixMs > vm.updatedAtUnixMs { return }
            state.vms[vm.id] = nil
            state.deletedAt[vm.id] = max(vm.updatedAtUnixMs, state.deletedAt[vm.id] ?? 0)
            if state.deletedAt.count > 10_000 {
                let cutoff = vm.updatedAtUnixMs - 600_000
                state.deletedAt = state.deletedAt.filter { $0.value > cutoff }
            }
        }
    }

    func vmsDisconnected() { state.withLock { $0.vmsSynced = false } }

    // MARK: Mapping changes (from the proxy's Watch stream only: it is ordered)

    func replaceMappings(_ mappings: [Mapping]) {
        state.withLock { state in
            state.mappings = Dictionary(mappings.map { ($0.vmID, $0) }, uniquingKeysWith: { _, last in last })
            state.mappingsSynced = true
        }
    }

    func mappingUpdated(_ mapping: Mapping) { state.withLock { $0.mappings[mapping.vmID] = mapping } }
    func mappingReleased(_ mapping: Mapping) { state.withLock { $0.mappings[mapping.vmID] = nil } }
    func mappingsDisconnected() { state.withLock { $0.mappingsSynced = false } }
}
