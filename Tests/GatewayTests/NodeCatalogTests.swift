import Hummingbird
import Shared
import Testing
@testable import Gateway

@Suite struct NodeCatalogTests {
    func vm(_ id: String, _ state: Golem_Provider_Vm_V1_VMState, at time: Int64) -> Golem_Provider_Vm_V1_VM {
        .with {
            $0.id = id
            $0.state = state
            $0.createdAtUnixMs = 1
            $0.updatedAtUnixMs = time
        }
    }

    func mapping(_ id: String, port: UInt32) -> Golem_Provider_Proxy_V1_PortMapping {
        .with {
            $0.vmID = id
            $0.publicPort = port
            $0.listening = true
        }
    }

    @Test func answersNothingUntilBothStreamsAreSynced() {
        let catalog = NodeCatalog()
        catalog.replaceVMs([vm("a", .running, at: 1)])
        #expect(catalog.list() == nil)
        guard case .unknown = catalog.lookup("a") else { Issue.record("expected unknown"); return }
        catalog.replaceMappings([mapping("a", port: 50800)])
        #expect(catalog.list()?.map(\.1?.publicPort) == [50800])
        catalog.mappingsDisconnected()
        #expect(catalog.list() == nil)
    }

    @Test func anOlderStateNeverReplacesANewerOne() {
        let catalog = NodeCatalog()
        catalog.replaceVMs([])
        catalog.replaceMappings([])
        catalog.vmUpdated(vm("a", .stopped, at: 10))   // the gateway's own stop answer
        catalog.vmUpdated(vm("a", .stopping, at: 9))   // a late event from the stream
        guard case .found(let current, _) = catalog.lookup("a") else { Issue.record("expected the VM"); return }
        #expect(current.state == .stopped)
    }

    @Test func aDeletedVMDoesNotComeBackFromALateUpdate() {
        let catalog = NodeCatalog()
        catalog.replaceVMs([vm("a", .running, at: 5)])
        catalog.replaceMappings([])
        catalog.vmDeleted(vm("a", .deleted, at: 20))
        catalog.vmUpdated(vm("a", .stopping, at: 19))
        guard case .missing = catalog.lookup("a") else { Issue.record("expected missing"); return }
        catalog.vmUpdated(vm("a", .creating, at: 30))  // created again under the same name
        guard case .found = catalog.lookup("a") else { Issue.record("expected the new VM"); return }
    }

    @Test func everyChangeMovesTheVersionSoCachedAnswersExpire() {
        let catalog = NodeCatalog()
        catalog.replaceVMs([])
        catalog.replaceMappings([])
        let before = catalog.syncedVersion
        catalog.mappingUpdated(mapping("a", port: 50801))
        #expect(catalog.syncedVersion != before)
        let cache = EncodedListCache()
        cache.store(ByteBuffer(string: "[]"), version: 7)
        #expect(cache.body(version: 7) == ByteBuffer(string: "[]"))
        #expect(cache.body(version: 8) == nil)
    }
}
