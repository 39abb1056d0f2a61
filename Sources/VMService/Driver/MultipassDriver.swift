import Foundation
import Shared
import Logging

/// Drives Multipass with exactly the commands the original node uses (reference/multipass-calls.md), plus `start`.
public struct MultipassDriver: HypervisorDriver {
    public struct Options: Sendable {
        public var binary: String
        public var cloudInitDirectory: String
        public var guestSSHPort: Int
        public var launchTimeout: Duration
        public var retryAttempts: Int
        public var retryDelay: Duration
        public var retryBackoff: Double
    }

    public let name = "multipass"
    let options: Options
    let runner: CommandRunner
    let logger: Logger

    public init(options: Options, runner: CommandRunner = CommandRunner(), logger: Logger) {
        self.options = options
        self.runner = runner
        self.logger = logger
    }

    /// The binary from the setting, else the first of the original's Linux locations that exists.
    public static func locateBinary(configured: String?) -> String? { MultipassBinary.locate(configured: configured) }

    public func version() async throws -> String {
        let result = try await run(["version"], timeout: .seconds(10))
        guard result.status == 0 else { throw DriverError("multipass version failed: \(result.stderrText)") }
        return result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func launch(_ spec: LaunchSpec) async throws {
        try FileManager.default.createDirectory(atPath: options.cloudInitDirectory, withIntermediateDirectories: true)
        let stamp = Self.fileStamp.string(from: Date())
        let path = options.cloudInitDirectory + "/\(spec.vmID)-\(stamp).yaml"
        let userData = CloudInitUserData(hostname: spec.vmID, sshPublicKey: spec.sshPublicKey).yaml
        guard FileManager.default.createFile(atPath: path, contents: Data(userData.utf8), attributes: [.posixPermissions: 0o644]) else {
            throw DriverError("cannot write cloud-init file \(path)")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await run(
            [
                "launch", spec.image, "--name", spec.instanceName, "--cloud-init", path,
                "--cpus", String(spec.cpu), "--memory", "\(spec.memoryGB)G", "--disk", "\(spec.storageGB)G",
            ],
            timeout: options.launchTimeout
        )
        guard result.status == 0 else {
            throw DriverError("multipass launch failed (exit \(result.status)): \(result.stderrText)")
        }
    }

    public func inspect(_ instanceName: String) async throws -> InstanceInfo? {
        var delay = options.retryDelay
        var attempt = 1
        while true {
            let result = try await run(["info", instanceName, "--format", "json"], timeout: .seconds(30))
            if result.status == 0 { return try parseInfo(result.stdout, instanceName: instanceName) }
            if result.stderrText.contains("does not exist") { return nil }
            guard attempt < options.retryAttempts else {
                throw DriverError("multipass info \(instanceName) failed (exit \(result.status)): \(result.stderrText)")
            }
            logger.warning("multipass info failed; retrying", metadata: ["instance": "\(instanceName)", "attempt": "\(attempt)"])
            try await Task.sleep(for: delay)
            delay = delay * options.retryBackoff
            attempt += 1
        }
    }

    public func start(_ instanceName: String) async throws {
        try await expectSuccess(["start", instanceName], timeout: options.launchTimeout)
    }

    public func stop(_ instanceName: String) async throws {
        try await expectSuccess(["stop", instanceName], timeout: .seconds(300))
    }

    public func delete(_ instanceName: String) async throws {
        let result = try await run(["delete", instanceName, "--purge"], timeout: .seconds(300))
        if result.status != 0, !result.stderrText.contains("does not exist") {
            throw DriverError("multipass delete \(instanceName) failed (exit \(result.status)): \(result.stderrText)")
        }
    }

    /// Multipass 1.13/1.14 `info --format json`: only `state` and `ipv4` matter; resources stay as requested.
    func parseInfo(_ data: Data, instanceName: String) throws -> InstanceInfo {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let info = (root["info"] as? [String: Any])?[instanceName] as? [String: Any],
              let rawState = info["state"] as? String
        else {
            throw DriverError("multipass info \(instanceName) answered JSON without info.\(instanceName).state")
        }
        let address = (info["ipv4"] as? [String])?.first.flatMap { $0.isEmpty ? nil : $0 }
        let state = Self.state(for: rawState)
        let endpoint = (state == .running ? address : nil).map { SSHEndpoint(host: $0, port: options.guestSSHPort) }
        return InstanceInfo(state: state, rawState: rawState, ipAddress: address, sshEndpoint: endpoint)
    }

    /// Every Multipass state has a place (the original answered 500 for "Starting" or "Suspended").
    static func state(for rawState: String) -> VMState {
        switch rawState.lowercased() {
        case "running": .running
        case "stopped", "suspended": .stopped
        case "starting", "restarting": .creating
        case "stopping", "suspending", "delayed shutdown": .stopping
        case "deleted": .deleted
        default: .error
        }
    }

    private func expectSuccess(_ arguments: [String], timeout: Duration) async throws {
        let result = try await run(arguments, timeout: timeout)
        guard result.status == 0 else {
            throw DriverError("multipass \(arguments[0]) failed (exit \(result.status)): \(result.stderrText)")
        }
    }

    private func run(_ arguments: [String], timeout: Duration) async throws -> CommandResult {
        logger.debug("multipass \(arguments.joined(separator: " "))")
        return try await runner.run(options.binary, arguments, timeout: timeout)
    }

    static let fileStamp: DateFormatter = {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter
    }()
}
