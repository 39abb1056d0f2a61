import Foundation

public enum Binaries {
    /// Where `swift build` put the executables: beside the test bundle, unless GOLEM_PROVIDER_BIN_DIR says otherwise.
    public static var directory: String {
        if let override = ProcessInfo.processInfo.environment["GOLEM_PROVIDER_BIN_DIR"], !override.isEmpty { return override }
        let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
        var folder = (executable as NSString).deletingLastPathComponent
        while !folder.isEmpty, folder != "/" {
            if FileManager.default.isExecutableFile(atPath: folder + "/golem-provider") { return folder }
            folder = (folder as NSString).deletingLastPathComponent
        }
        return (executable as NSString).deletingLastPathComponent
    }
}

public enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path
    public static var fakeMultipass: String { folder + "/fake-multipass" }
    public static var devchainScript: String { folder + "/devchain/devchain.py" }
    public static var faucetStandIn: String { folder + "/faucet-standin.py" }
}

public enum Scratch {
    /// A short path under /tmp (Unix socket paths must stay under 108 bytes).
    public static func makeDirectory(prefix: String) throws -> String {
        let path = "/tmp/\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

public enum FreePorts {
    /// A port the kernel just handed out on loopback (free at this moment).
    public static func one() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw TestFailure("cannot get a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// `count` consecutive free ports in 30000-45000.
    public static func range(count: Int) throws -> Range<Int> {
        for _ in 0..<200 {
            let start = Int.random(in: 30000...45000)
            if (start..<start + count).allSatisfy(LoopbackSocket.isFree) { return start..<start + count }
        }
        throw TestFailure("no free port range")
    }
}

public enum ProcessState {
    /// Resident memory (VmRSS) of a process, in bytes.
    public static func residentBytes(_ pid: pid_t) -> Int? {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) else { return nil }
        return kilobytes * 1024
    }

    /// Alive and not a zombie (an exited daemon's zombie may linger when PID 1 does not reap).
    public static func isRunning(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }
}
