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
        /// Bumped on every change, so answers derived from the catalog can be cached per version.
        var version: UInt64 = 0
        var synced: Bool { vmsSynced && mappingsSynced }
    }

    private let state = Mutex(State())

    /// Every change goes through here, so the version always moves with the content.
    private func change(_ body: (inout State) -> Void) {
        state.withLock { state in
            body(&state)
            state.version &+= 1
        }
    }

    var isSynced: Bool { state.withLock { $0.synced } }

    /// Every VM with its mapping, oldest first; nil while not synced.
    func list() -> [(VM, Mapping?)]? {
        versionedList()?.entries
    }

    /// The list and the catalog version it was read at.
    func versionedList() -> (version: UInt64, entries: [(VM, Mapping?)])? {
        state.withLock { state in
            guard state.synced else { return nil }
            let entries = state.vms.values
                .sorted { ($0.createdAtUnixMs, $0.id) < ($1.createdAtUnixMs, $1.id) }
                .map { ($0, state.mappings[$0.id]) }
            return (state.version, entries)
        }
    }

    /// The current version while synced, without copying anything.
    var syncedVersion: UInt64? {
        state.withLock { $0.synced ? $0.version : nil }
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
        change { state in
            state.vms = Dictionary(vms.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
            state.vmsSynced = true
        }
    }

    /// Applies a VM's state unless the catalog already holds a newer one (or deleted it later).
    func vmUpdated(_ vm: VM) {
        change { state in
            if let deleted = state.deletedAt[vm.id], vm.updatedAtUnixMs <= deleted { return }
            if let current = state.vms[vm.id], current.updatedAtUnixMs > vm.updatedAtUnixMs { return }
            state.vms[vm.id] = vm
        }
    }

    func vmDeleted(_ vm: VM) {
        change { state in
            if let current = state.vms[vm.id], current.updatedAtUnixMs > vm.updatedAtUnixMs { return }
            state.vms[vm.id] = nil
            state.deletedAt[vm.id] = max(vm.updatedAtUnixMs, state.deletedAt[vm.id] ?? 0)
            if state.deletedAt.count > 10_000 {
                let cutoff = vm.updatedAtUnixMs - 600_000
                state.deletedAt = state.deletedAt.filter { $0.value > cutoff }
            }
        }
    }

    func vmsDisconnected() { change { $0.vmsSynced = false } }

    // MARK: Mapping changes (from the proxy's Watch stream only: it is ordered)

    func replaceMappings(_ mappings: [Mapping]) {
        change { state in
            state.mappings = Dictionary(mappings.map { ($0.vmID, $0) }, uniquingKeysWith: { _, last in last })
            state.mappingsSynced = true
        }
    }

    func mappingUpdated(_ mapping: Mapping) { change { $0.mappings[mapping.vmID] = mapping } }
    func mappingReleased(_ mapping: Mapping) { change { $0.mappings[mapping.vmID] = nil } }
    func mappingsDisconnected() { change { $0.mappingsSynced = false } }
}
