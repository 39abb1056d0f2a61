import Foundation

/// The test chain (Tests/Fixtures/devchain/devchain.py: eth-tester over py-evm, StreamPayment and MockGLM
/// deployed) as a child process on a free loopback port. The virtualenv comes from scripts/devchain-setup.sh
/// (scripts/test.sh runs it).
public final class Devchain: @unchecked Sendable {
    public struct Facts: Decodable, Sendable {
        public let rpc: String
        public let chainID: UInt64
        public let streamPayment: String
        public let glm: String
        public let oracle: String
        public let accounts: [String]
        public let keys: [String]

        enum CodingKeys: String, CodingKey {
            case rpc, glm, oracle, accounts, keys
            case chainID = "chain_id"
            case streamPayment = "stream_payment"
        }
    }

    public let facts: Facts
    public let port: Int
    private let process: Process

    public static var python: String {
        (ProcessInfo.processInfo.environment["GOLEM_TEST_DEVCHAIN_VENV"] ?? "/var/cache/golem-provider/devchain-venv") + "/bin/python"
    }

    public init(chainID: UInt64 = 17000, deployments: String? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            throw TestFailure("no devchain virtualenv at \(Self.python); run scripts/devchain-setup.sh (scripts/test.sh does)")
        }
        port = try FreePorts.one()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [Fixtures.devchainScript, "--port", String(port), "--chain-id", String(chainID)]
            + (deployments.map { ["--deployments", $0] } ?? [])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        // The first line is the chain's facts, printed once it serves.
        var line = Data()
        let handle = output.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = handle.availableData
            if chunk.isEmpty { throw TestFailure("devchain exited before it served") }
            line += chunk
        }
        facts = try JSONDecoder().decode(Facts.self, from: line.prefix { $0 != UInt8(ascii: "\n") })
    }

    /// Stops the chain (SIGKILL: a chain that vanishes mid-call is one of the cases the monitor must survive).
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}
