import Foundation
import ProviderTestSupport
import Testing

/// `golem-provider image add|list` with real qemu-img: a raw file is converted, a URL is downloaded with progress.
@Suite("golem-provider image", .serialized)
struct ImageCommandTests {
    @Test("add from a raw file (converted to qcow2) and from a URL under an alias; list shows both; bad input changes nothing")
    func addAndList() async throws {
        let node = try TestNode()
        let images = node.root + "/images"
        let environment = ["GOLEM_PROVIDER_IMAGE_DIR": images]
        let raw = node.root + "/disk.raw"
        #expect(try Shell.run("/usr/bin/qemu-img", ["create", "-q", "-f", "raw", raw, "64M"]).status == 0)

        let fromFile = try node.cli(["image", "add", "tiny-1", raw], extraEnvironment: environment, mergeErrors: true)
        #expect(fromFile.status == 0, "\(fromFile.output)")
        #expect(fromFile.output.contains("converting raw to qcow2"))
        let info = try Shell.run("/usr/bin/qemu-img", ["info", "--output=json", images + "/tiny-1.qcow2"])
        #expect(info.output.contains(#""format": "qcow2""#))

        let qcow2 = node.root + "/served/disk.qcow2"
        try FileManager.default.createDirectory(atPath: node.root + "/served", withIntermediateDirectories: true)
        #expect(try Shell.run("/usr/bin/qemu-img", ["create", "-q", "-f", "qcow2", qcow2, "1G"]).status == 0)
        let port = try FreePorts.one()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        server.arguments = ["-m", "http.server", "--bind", "127.0.0.1", "--directory", node.root + "/served", String(port)]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate() }
        try await waitUntil("the HTTP server listens") { !LoopbackSocket.isFree(port) }

        let fromURL = try node.cli(["image", "add", "24.04", "http://127.0.0.1:\(port)/disk.qcow2"], extraEnvironment: environment)
        #expect(fromURL.status == 0, "\(fromURL.output)")
        #expect(fromURL.output.contains("downloading http://127.0.0.1:\(port)/disk.qcow2"))
        #expect(fromURL.output.contains("(100 %)"))
        #expect(FileManager.default.fileExists(atPath: images + "/ubuntu-24.04.qcow2"))

        let listed = try node.cli(["image", "list", "--json"], extraEnvironment: environment)
        let entries = try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: Any]]
        #expect(entries?.compactMap { $0["name"] as? String } == ["tiny-1", "ubuntu-24.04"])

        let again = try node.cli(["image", "add", "tiny-1", raw], extraEnvironment: environment, mergeErrors: true)
        #expect(again.status != 0)
        #expect(again.output.contains("already exists"))
        let badName = try node.cli(["image", "add", "../etc", raw], extraEnvironment: environment, mergeErrors: true)
        #expect(badName.status != 0)
        let missing = try node.cli(["image", "add", "other", node.root + "/nope.img"], extraEnvironment: environment, mergeErrors: true)
        #expect(missing.status != 0)
        #expect(missing.output.contains("no file at"))
        let names = try FileManager.default.contentsOfDirectory(atPath: images).filter { !$0.hasPrefix(".") }.sorted()
        #expect(names == ["tiny-1.qcow2", "ubuntu-24.04.qcow2"])

        // Replacing an image points the name at a new file; the old file (under VMs made from it) stays.
        let before = URL(fileURLWithPath: images + "/tiny-1.qcow2").resolvingSymlinksInPath().path
        let replaced = try node.cli(["image", "add", "tiny-1", raw, "--force"], extraEnvironment: environment, mergeErrors: true)
        #expect(replaced.status == 0, "\(replaced.output)")
        let after = URL(fileURLWithPath: images + "/tiny-1.qcow2").resolvingSymlinksInPath().path
        #expect(before != after)
        #expect(FileManager.default.fileExists(atPath: before))
    }
}
