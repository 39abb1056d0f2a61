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
