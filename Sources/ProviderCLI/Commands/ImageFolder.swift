import AsyncHTTPClient
import Foundation
import NIOCore

/// The image folder as files: `<name>.qcow2`, and `<name>.vmlinuz` + `<name>.initrd` for direct boot.
struct ImageFolder {
    struct Entry: Encodable {
        let name: String
        let bytes: Int
        let directKernelBoot: Bool

        enum CodingKeys: String, CodingKey { case name, bytes, directKernelBoot = "direct_kernel_boot" }
    }

    let directory: String

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: "\(directory)/\(name).qcow2") }

    func list() -> [Entry] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".qcow2") && !$0.hasPrefix(".") }.sorted().map { file in
            let name = String(file.dropLast(".qcow2".count))
            let target = URL(fileURLWithPath: "\(directory)/\(file)").resolvingSymlinksInPath().path
            let size = (try? FileManager.default.attributesOfItem(atPath: target)[.size] as? Int) ?? 0
            let direct = FileManager.default.fileExists(atPath: "\(directory)/\(name).vmlinuz")
                && FileManager.default.fileExists(atPath: "\(directory)/\(name).initrd")
            return Entry(name: name, bytes: size, directKernelBoot: direct)
        }
    }

    /// Checks the file with qemu-img, converts it to qcow2 when it is not (with qemu-img's progress), then files it
    /// under `.store/` and points `<name>.qcow2` at it last, so a half-added image is never visible to golem-vm
    /// and replacing an image (--force) never changes the base under VMs made from the old one.
    func install(_ staged: String, as name: String, kernel: String?, initrd: String?) async throws {
        let qemuImg = "/usr/bin/qemu-img"
        guard FileManager.default.isExecutableFile(atPath: qemuImg) else {
            throw ImageError("qemu-img is missing; install it with apt-get install qemu-utils")
        }
        let info = try Self.run(qemuImg, ["info", "--output=json", staged])
        guard info.status == 0, let object = try? JSONSerialization.jsonObject(with: Data(info.output.utf8)) as? [String: Any],
              let format = object["format"] as? String
        else { throw ImageError("not a disk image qemu-img can read: \(info.output.trimmingCharacters(in: .whitespacesAndNewlines))") }
        guard object["backing-filename"] == nil else { throw ImageError("the image has a backing file; add a self-contained image") }
        let store = directory + "/.store"
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        let version = "\(name)-\(Int(Date().timeIntervalSince1970))-\(UUID().uuidString.prefix(8).lowercased())"
        let converted = staged + ".qcow2"
        defer { try? FileManager.default.removeItem(atPath: converted) }
        let ready: String
        if format == "qcow2" {
            ready = staged
        } else {
            print("converting \(format) to qcow2")
            let result = try Self.run(qemuImg, ["convert", "-p", "-O", "qcow2", staged, converted], passOutput: true)
            guard result.status == 0 else { throw ImageError("qemu-img convert failed: \(result.output)") }
            ready = converted
        }
        for suffix in ["vmlinuz", "initrd"] { try? FileManager.default.removeItem(atPath: "\(directory)/\(name).\(suffix)") }
        if let kernel, let initrd {
            for (file, suffix) in [(kernel, "vmlinuz"), (initrd, "initrd")] {
                try FileManager.default.copyItem(atPath: file, toPath: "\(store)/\(version).\(suffix)")
                try Self.link("\(directory)/\(name).\(suffix)", to: ".store/\(version).\(suffix)")
            }
        }
        chmod(ready, 0o644)
        let stored = "\(store)/\(version).qcow2"
        guard rename(ready, stored) == 0 else { throw ImageError("cannot move the image to \(stored): \(String(cString: strerror(errno)))") }
        try Self.link("\(directory)/\(name).qcow2", to: ".store/\(version).qcow2")
    }

    /// Replaces `path` with a symlink to `target` in one rename.
    static func link(_ path: String, to target: String) throws {
        let temporary = path + ".link"
        unlink(temporary)
        guard symlink(target, temporary) == 0, rename(temporary, path) == 0 else {
            throw ImageError("cannot link \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func run(_ executable: String, _ arguments: [String], passOutput: Bool = false) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        if !passOutput { process.standardOutput = pipe }
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}

/// Streams an http(s) download to a file, printing progress (percent when the size is known) at most every second.
struct ImageDownload {
    let url: String
    let destination: String

    func run() async throws {
        guard FileManager.default.createFile(atPath: destination, contents: nil, attributes: [.posixPermissions: 0o600]),
              let file = FileHandle(forWritingAtPath: destination)
        else { throw ImageError("cannot write \(destination)") }
        defer { try? file.close() }
        let request = HTTPClientRequest(url: url)
        let response = try await HTTPClient.shared.execute(request, timeout: .hours(6))
        guard response.status == .ok else { throw ImageError("\(url) answered \(response.status.code) \(response.status.reasonPhrase)") }
        let total = response.headers.first(name: "Content-Length").flatMap(Int.init)
        var received = 0
        var lastReport = ContinuousClock.now
        Self.say("downloading \(url)" + (total.map { String(format: " (%.1f MB)", Double($0) / 1e6) } ?? ""))
        for try await chunk in response.body {
            try file.write(contentsOf: Data(chunk.readableBytesView))
            received += chunk.readableBytes
            if ContinuousClock.now - lastReport >= .seconds(1) {
                lastReport = ContinuousClock.now
                Self.say(Self.progress(received, total))
            }
        }
        if let total, received != total { throw ImageError("download ended after \(received) of \(total) bytes") }
        Self.say(Self.progress(received, total))
    }

    /// Unbuffered, so progress shows at once even when stdout is a pipe.
    static func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    static func progress(_ received: Int, _ total: Int?) -> String {
        let megabytes = String(format: "%.1f MB", Double(received) / 1e6)
        guard let total, total > 0 else { return "  \(megabytes)" }
        return "  \(megabytes) of \(String(format: "%.1f MB", Double(total) / 1e6)) (\(received * 100 / total) %)"
    }
}

struct ImageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
