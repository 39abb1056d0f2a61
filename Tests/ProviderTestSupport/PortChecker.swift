import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One `golem-port-check` process on a free loopback port, with the settings a test gives it.
public final class PortChecker: @unchecked Sendable {
    public let port: Int
    private let process: Process

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Settings for a checker that tests on loopback: private targets allowed, short timeouts, one fast retry.
    public static let loopbackSettings = [
        "GOLEM_PROVIDER_PORT_CHECKER_ALLOW_PRIVATE_TARGETS": "true",
        "GOLEM_PROVIDER_PORT_CHECKER_CONNECT_TIMEOUT_SECONDS": "0.5",
        "GOLEM_PROVIDER_PORT_CHECKER_ATTEMPTS": "2",
        "GOLEM_PROVIDER_PORT_CHECKER_RETRY_DELAY_SECONDS": "0.1",
    ]

    public init(settings: [String: String] = [:]) async throws {
        port = try FreePorts.one()
        let root = try Scratch.makeDirectory(prefix: "pc")
        process = Process()
        process.executableURL = URL(fileURLWithPath: Binaries.directory + "/golem-port-check")
        process.environment = ProcessInfo.processInfo.environment.merging([
            "GOLEM_PROVIDER_DATA_DIR": root,
            "GOLEM_PROVIDER_PORT_CHECKER_HOST": "127.0.0.1",
            "GOLEM_PROVIDER_PORT_CHECKER_PORT": String(port),
        ].merging(settings) { _, new in new }) { _, new in new }
        FileManager.default.createFile(atPath: root + "/checker.log", contents: nil)
        process.standardError = FileHandle(forWritingAtPath: root + "/checker.log")
        try process.run()
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if (try? await get("/health"))?.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        stop()
        throw TestFailure("golem-port-check did not start")
    }

    public func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    public func get(_ path: String) async throws -> HTTPAnswer {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: baseURL + path), timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return HTTPAnswer(status: Int(response.status.code), body: Data(bytes.readableBytesView), headers: response.headers)
    }

    public func checkPorts(_ body: String, headers: [String: String] = [:]) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: baseURL + "/check-ports")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        return HTTPAnswer(status: Int(response.status.code), body: Data(bytes.readableBytesView), headers: response.headers)
    }
}

/// Listening sockets in the states a port check must tell apart.
public final class PortFixture: @unchecked Sendable {
    public let port: Int
    private let descriptor: Int32
    private var queued: [Int32] = []
    private var acceptor: Thread?

    /// Accepts every connection and closes it (a plain TCP service: it never answers a challenge).
    public static func open(port: Int = 0) throws -> PortFixture {
        let fixture = try PortFixture(backlog: 64, port: port)
        let descriptor = fixture.descriptor
        fixture.acceptor = Thread {
            while true {
                let client = accept(descriptor, nil, nil)
                if client < 0 { return }
                Foundation.close(client)
            }
        }
        fixture.acceptor?.start()
        return fixture
    }

    /// Listens but never accepts, with its accept queue full: further SYNs are dropped, as by a firewall.
    public static func filtered(port: Int = 0) throws -> PortFixture {
        let fixture = try PortFixture(backlog: 0, port: port)
        for _ in 0..<3 {
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var flags = fcntl(client, F_GETFL)
            flags |= O_NONBLOCK
            _ = fcntl(client, F_SETFL, flags)
            var address = LoopbackSocket.socketAddress(fixture.port)
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            fixture.queued.append(client)
        }
        usleep(200_000)
        return fixture
    }

    private init(backlog: Int32, port: Int) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = LoopbackSocket.socketAddress(port)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, backlog) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard ok else { throw TestFailure("cannot listen") }
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    public func close() {
        shutdown(descriptor, Int32(SHUT_RDWR))
        Foundation.close(descriptor)
        queued.forEach { Foundation.close($0) }
    }
}
