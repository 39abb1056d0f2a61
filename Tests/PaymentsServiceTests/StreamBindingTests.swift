import Foundation
import Testing
@testable import PaymentsService

@Suite struct StreamBindingTests {
    func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "bindings-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("the original's streams.json is imported once, VMs already bound are kept, the file is untouched")
    func importsTheOriginalMap() throws {
        let folder = try scratch()
        let store = try StreamBindingStore(database: PaymentsDatabase.open(path: folder + "/payments.sqlite"))
        try store.save(StreamBinding(vmID: "vm-b", streamID: "99", boundAtMs: 1, finishedAtMs: nil))
        let map = folder + "/streams.json"
        let text = "{\n  \"vm-a\": 12,\n  \"vm-b\": 13,\n  \"vm-c\": \"007\"\n}"
        FileManager.default.createFile(atPath: map, contents: Data(text.utf8))
        #expect(try store.insertMissing(try OriginalStreamMap.bindings(at: map, now: 5)) == 2)
        #expect(try store.binding(vmID: "vm-a")?.streamID == "12")
        #expect(try store.binding(vmID: "vm-b")?.streamID == "99")
        #expect(try store.binding(vmID: "vm-c")?.streamID == "7")
        #expect(try store.insertMissing(try OriginalStreamMap.bindings(at: map, now: 6)) == 0)
        #expect(try String(contentsOfFile: map, encoding: .utf8) == text)
        #expect(try OriginalStreamMap.bindings(at: folder + "/absent.json", now: 0).isEmpty)
        FileManager.default.createFile(atPath: map, contents: Data(#"{"vm-x": true}"#.utf8))
        #expect(throws: StreamMapError.self) { try OriginalStreamMap.bindings(at: map, now: 0) }
    }

    @Test func aStreamIsLiveForOneVMUntilItsBindingFinishes() throws {
        let store = try StreamBindingStore(database: PaymentsDatabase.open(path: try scratch() + "/payments.sqlite"))
        try store.save(StreamBinding(vmID: "vm-a", streamID: "5", boundAtMs: 1, finishedAtMs: nil))
        #expect(try store.activeBinding(streamID: "5")?.vmID == "vm-a")
        #expect(try store.finish(vmID: "vm-a", at: 2))
        #expect(try store.activeBinding(streamID: "5") == nil)
    }
}

@Suite struct StreamBindingRulesTests {
    func store() throws -> StreamBindingStore {
        let path = NSTemporaryDirectory() + "bind-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return StreamBindingStore(database: try PaymentsDatabase.open(path: path + "/payments.sqlite"))
    }

    @Test("one live VM per stream; binding again is idempotent; a finished binding frees the stream and stays for earnings")
    func oneLiveVMPerStream() throws {
        let bindings = try store()
        guard case .bound = try bindings.bind(vmID: "a", streamID: "7", at: 1) else { Issue.record("first bind refused"); return }
        #expect(try bindings.bind(vmID: "b", streamID: "7", at: 2) == .streamTaken(byVM: "a"))
        guard case .bound(let again) = try bindings.bind(vmID: "a", streamID: "7", at: 3) else { Issue.record("rebind refused"); return }
        #expect(again.boundAtMs == 1)
        #expect(try bindings.finish(vmID: "a", at: 4))
        #expect(try bindings.finish(vmID: "a", at: 5) == false)
        guard case .bound = try bindings.bind(vmID: "b", streamID: "7", at: 6) else { Issue.record("freed stream refused"); return }
        #expect(try bindings.all().map(\.vmID) == ["a", "b"])
        #expect(try bindings.binding(vmID: "a")?.finishReason == "VM deleted")
    }

    @Test("the monitor watches live bindings and stopped VMs until they are deleted")
    func watched() throws {
        let bindings = try store()
        for (vm, stream) in [("live", "1"), ("stopped", "2"), ("deleted", "3")] { _ = try bindings.bind(vmID: vm, streamID: stream, at: 1) }
        try bindings.markStopped(vmID: "stopped", reason: "stream depleted", at: 2, chainTime: 100)
        _ = try bindings.finish(vmID: "deleted", at: 3)
        #expect(try bindings.watched().map(\.vmID) == ["live", "stopped"])
        let stopped = try #require(try bindings.binding(vmID: "stopped"))
        #expect(stopped.awaitsDeletion && !stopped.isLive && stopped.vmStoppedChainTime == 100)
        try bindings.markDeleted(vmID: "stopped", at: 4)
        #expect(try bindings.watched().map(\.vmID) == ["live"])
    }
}
