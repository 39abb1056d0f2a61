import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A whole provider node (`golem-provider start` and its five executables) in a scratch folder, with a
/// stand-in `multipass`, on free loopback ports. Hands back an HTTP client for the gateway and the facts
/// tests need (service PIDs, the multipass call log).
public final class TestNode: @unchecked Sendable {
    public let root: String
    public let apiPort: Int
    public let portRange: Range<Int>
    public let guestSSHPort: Int
    public let environment: [String: String]
    private var process: Process?

    public var dataDirectory: String { root + "/data" }
    public var baseURL: String { "http://127.0.0.1:\(apiPort)" }
    public var multipassState: String { root + "/multipass.json" }

    public init(extraEnvironment: [String: String] = [:]) throws {
        root = try Scratch.makeDirectory(prefix: "gp")
        apiPort = try FreePorts.one()
        portRange = try FreePorts.range(count: 8)
        guestSSHPort = try FreePorts.one()
        var environment = [
            "GOLEM_PROVIDER_DATA_DIR": root + "/data",
            "GOLEM_PROVIDER_HOST": "127.0.0.1",
            "GOLEM_PROVIDER_PORT": String(apiPort),
            "GOLEM_PROVIDER_SSH_PROXY_HOST": "127.0.0.1",
            "GOLEM_PROVIDER_PORT_RANGE_START": String(portRange.lowerBound),
            "GOLEM_PROVIDER_PORT_RANGE_END": String(portRange.upperBound),
            "GOLEM_PROVIDER_PORT_CHECKER_PORT": String(try FreePorts.one()),
            "GOLEM_PROVIDER_MULTIPASS_BINARY_PATH": Fixtures.fakeMultipass,
            "GOLEM_PROVIDER_GUEST_SSH_PORT": String(guestSSHPort),
            "GOLEM_PROVIDER_CREATE_VM_RETRY_DELAY_SECONDS": "0.1",
            "GOLEM_PROVIDER_CREATE_VM_MAX_RETRIES": "100",
            "GOLEM_PROVIDER_VM_STATE_REFRESH_SECONDS": "0",
            "GOLEM_PROVIDER_LOG_LEVEL": "info",
            // The stand-in multipass runs nothing, so its VMs may take the host's every core many times over.
            "GOLEM_PROVIDER_CPU_THRESHOLD": "1000",
            // Never the public checker from a test; the port verification tests turn this off with a local one.
            "GOLEM_PROVIDER_SKIP_PORT_VERIFICATION": "true",
            "GOLEM_PROVIDER_PORT_CHECK_SERVERS": "http://127.0.0.1:9",
            "FAKE_MULTIPASS_STATE": root + "/multipass.json",
            // Payments off unless a test brings its devchain: never the public L2 from a test.
            "GOLEM_PROVIDER_STREAM_PAYMENT_ADDRESS": "0x0000000000000000000000000000000000000000",
        ]
        environment.merge(extraEnvironment) { _, new in new }
        self.environment = environment
    }

    /// Runs `golem-provider start` in the foreground (as a child of the test) and waits until the API answers.
    public func start(arguments: [String] = []) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binaries.directory + "/golem-provider")
        process.arguments = ["start"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let log = FileHandle(forWritingAtPath: try logFile())!
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        try await waitUntilServing()
    }

    public func waitUntilServing(timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let response = try? await get("/health"), response.status == 200,
               (try? response.json() as? [String: Any])?["status"] as? String == "ok" {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("node did not serve within \(timeout); log:\n\(log())")
    }

    /// Runs `golem-provider <arguments>` to completion with this node's settings.
    /// stdout and stderr both land in `output` when `mergeErrors` (the default for commands that fail loudly).
    public func cli(_ arguments: [String], extraEnvironment: [String: String] = [:], mergeErrors: Bool = false) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binaries.directory + "/golem-provider")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment.merging(extraEnvironment) { $1 }) { _, new in new }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = mergeErrors ? pipe : FileHandle(forWritingAtPath: try logFile())!
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// SIGTERM to the node and every service; waits for them to go.
    public func stop() async {
        guard let process else { return }
        if process.isRunning { process.terminate() }
        let deadline = ContinuousClock.now + .seconds(20)
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for service in ["golem-gateway", "golem-vm", "golem-proxy", "golem-payments", "golem-port-check"] {
            if let pid = servicePID(service), kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        }
        // QEMU VMs outlive the node by design; a test must not leave them behind.
        for pid in qemuPIDs() { kill(pid, SIGKILL) }
        self.process = nil
    }

    public var instancesDirectory: String { dataDirectory + "/vm/instances" }

    /// PIDs of this node's QEMU processes that are alive (from each instance folder's PID file).
    public func qemuPIDs() -> [pid_t] {
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: instancesDirectory)) ?? []
        return folders.compactMap { folder in
            (try? String(contentsOfFile: "\(instancesDirectory)/\(folder)/qemu.pid", encoding: .utf8))
                .flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }.filter { ProcessState.isRunning($0) }
    }

    public var supervisorPID: pid_t? { process?.processIdentifier }

    public func servicePID(_ service: String) -> pid_t? {
        (try? String(contentsOfFile: dataDirectory + "/run/\(service).pid", encoding: .utf8))
            .flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Every argv the stand-in multipass received, in order.
    public func multipassCalls() -> [[String]] {
        let text = (try? String(contentsOfFile: multipassState + ".calls", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String]
        }
    }

    public func log() -> String {
        (try? String(contentsOfFile: root + "/node.log", encoding: .utf8)) ?? ""
    }

    private func logFile() throws -> String {
        let path = root + "/node.log"
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        return path
    }

    // MARK: HTTP

    public func get(_ path: String) async throws -> HTTPAnswer { try await send(.GET, path) }
    public func delete(_ path: String) async throws -> HTTPAnswer { try await send(.DELETE, path) }
    public func post(_ path: String, body: String? = nil) async throws -> HTTPAnswer { try await send(.POST, path, body: body) }

    public func send(_ method: HTTPMethod, _ path: String, body: String? = nil, contentType: String = "application/json") async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(string: body))
        }
        // Long enough for a start that waits for a guest to boot under software emulation.
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(600))
        let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return HTTPAnswer(status: Int(response.status.code), body: Data(bytes.readableBytesView))
    }
}

public struct HTTPAnswer: Sendable {
    public let status: Int
    public let body: Data
    public var headers: HTTPHeaders = [:]
    public var text: String { String(decoding: body, as: UTF8.self) }
    public func json() throws -> Any { try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
    public func object() throws -> [String: Any] {
        guard let object = try json() as? [String: Any] else { throw TestFailure("not a JSON object: \(text)") }
        return object
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension TestNode {
    /// Runs `body` with a started node and always stops the node afterwards, whether the body passes or throws,
    /// so no test leaves processes behind.
    public static func withNode<T: Sendable>(
        extraEnvironment: [String: String] = [:],
        _ body: (TestNode) async throws -> T
    ) async throws -> T {
        let node = try TestNode(extraEnvironment: extraEnvironment)
        do {
            try await node.start()
            let result = try await body(node)
            await node.stop()
            return result
        } catch {
            await node.stop()
            throw error
        }
    }
}
