import Foundation

/// The offline guest image the QEMU tests boot: built once by scripts/build-guest-image.sh (scripts/test.sh does
/// it) into a cache that outlives test runs.
public enum GuestImages {
    public static var directory: String {
        ProcessInfo.processInfo.environment["GOLEM_TEST_IMAGE_DIR"] ?? "/var/cache/golem-provider/images"
    }

    public static func requireDebian() throws {
        guard FileManager.default.fileExists(atPath: directory + "/debian-12.qcow2") else {
            throw TestFailure("no guest image in \(directory); run scripts/build-guest-image.sh \(directory) (scripts/test.sh does)")
        }
    }
}

/// A requestor's key pair made with ssh-keygen, and `ssh` runs with it, as `golem vm ssh` runs them.
public struct RequestorSSH: Sendable {
    public let privateKeyPath: String
    public let publicKey: String

    public init(folder: String) throws {
        privateKeyPath = folder + "/requestor_ed25519"
        let made = try Shell.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "requestor@test", "-f", privateKeyPath])
        guard made.status == 0 else { throw TestFailure("ssh-keygen failed: \(made.output)") }
        publicKey = try String(contentsOfFile: privateKeyPath + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `command` on the VM as `user` through `port` on loopback; answers exit status and stdout.
    public func run(_ command: String, port: Int, user: String = "ubuntu") throws -> (status: Int32, output: String) {
        try Shell.run("/usr/bin/ssh", [
            "-i", privateKeyPath, "-p", String(port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR", "\(user)@127.0.0.1", command,
        ])
    }
}

public enum Shell {
    /// Runs a program to completion; stdout and stderr together.
    public static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
