import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Shared

/// What the start-up check found; saved to `<data>/run/port-verification.json` for `status`.
struct PortVerificationReport: Codable, Sendable {
    struct CheckerAnswer: Codable, Sendable {
        var url: String
        /// nil when the checker answered.
        var error: String?
        /// True when the checker ran the proof challenge (ours does; the original's only connects).
        var proof: Bool
    }

    var checkedAtMs: Int64
    var apiPort: Int
    /// nil when no checker answered.
    var apiReachable: Bool?
    var sshReachable: [Int]
    var sshUnreachable: [Int]
    /// Held by another process during the check, so not checked.
    var sshInUse: [Int]
    var checkers: [CheckerAnswer]

    var anyCheckerAnswered: Bool { checkers.contains { $0.error == nil } }

    enum CodingKeys: String, CodingKey {
        case checkedAtMs = "checked_at_ms", apiPort = "api_port", apiReachable = "api_reachable"
        case sshReachable = "ssh_reachable", sshUnreachable = "ssh_unreachable", sshInUse = "ssh_in_use", checkers
    }

    static func path(_ settings: ProviderSettings) -> String { settings.paths.runtimeDirectory + "/port-verification.json" }

    func save(_ settings: ProviderSettings) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: Self.path(settings)), options: .atomic)
    }
}

/// Port verification at start: our own listeners (which answer the proof challenge) on every free SSH port
/// and on the API port, one `/check-ports` request per configured checker, results merged.
struct PortVerifier {
    let settings: ProviderSettings
    let logger: Logger
    /// Progress lines for the operator's terminal.
    let say: @Sendable (String) -> Void

    func run() async -> PortVerificationReport {
        let key = PortCheckProof.randomHex()
        let responder = ChallengeResponder(key: key)
        var listeners: [any Channel] = []
        var sshPorts: [Int] = []
        var inUse: [Int] = []
        for port in settings.portRangeStart..<settings.portRangeEnd {
            if let listener = try? await responder.listen(host: settings.sshProxyHost, port: port) {
                listeners.append(listener)
                sshPorts.append(port)
            } else {
                inUse.append(port)
            }
        }
        // The gateway is not up yet, so the API port is ours to listen on for the check.
        if let listener = try? await responder.listen(host: settings.host, port: settings.port) { listeners.append(listener) }
        let ports = sshPorts + [settings.port]
        say("Verifying that \(sshPorts.count) SSH ports and API port \(settings.port) are reachable from outside "
            + "(\(settings.portCheckServers.count) checker\(settings.portCheckServers.count == 1 ? "" : "s"))...")

        // A checker that is down must fail at once, not be retried until the deadline.
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let answers = await withTaskGroup(of: (String, Result<CheckerResult, any Error>).self) { group in
            for url in settings.portCheckServers {
                group.addTask { (url, await Self.ask(url, ports: ports, key: key, publicIP: settings.publicIP, client: client)) }
            }
            var answers: [(String, Result<CheckerResult, any Error>)] = []
            for await answer in group {
                switch answer.1 {
                case .success(let found):
                    say("  \(answer.0): \(found.reachable.count) of \(ports.count) reachable\(found.proof ? " (proof checked)" : "")")
                case .failure(let error):
                    say("  \(answer.0): no answer (\(error))")
                }
                answers.append(answer)
            }
            return answers
        }
        try? await client.shutdown()
        for listener in listeners { try? await listener.close() }

        let reachable = answers.reduce(into: Set<Int>()) { merged, answer in
            if case .success(let found) = answer.1 { merged.formUnion(found.reachable) }
        }
        let answered = answers.contains { if case .success = $0.1 { true } else { false } }
        let report = PortVerificationReport(
            checkedAtMs: Int64(Date().timeIntervalSince1970 * 1000),
            apiPort: settings.port,
            apiReachable: answered ? reachable.contains(settings.port) : nil,
            sshReachable: sshPorts.filter(reachable.contains),
            sshUnreachable: sshPorts.filter { !reachable.contains($0) },
            sshInUse: inUse,
            checkers: answers.map { url, result in
                switch result {
                case .success(let found): .init(url: url, error: nil, proof: found.proof)
                case .failure(let error): .init(url: url, error: "\(error)", proof: false)
                }
            }.sorted { $0.url < $1.url })
        if answered {
            say("SSH ports reachable: \(report.sshReachable.count) of \(sshPorts.count)"
                + (inUse.isEmpty ? "" : " (\(inUse.count) in use by another process, not checked)")
                + "; API port \(settings.port): \(report.apiReachable == true ? "reachable" : "NOT reachable")")
        } else {
            say("No checker answered: ports are not verified (GOLEM_PROVIDER_PORT_CHECK_SERVERS, or --no-verify-port to skip)")
        }
        return report
    }

    struct CheckerError: Error, CustomStringConvertible {
        let description: String
    }

    typealias CheckerResult = (reachable: Set<Int>, errors: [Int: String], proof: Bool)

    /// One `/check-ports` request (with the proof challenge when `key` is given); answers the ports the checker
    /// reached, its error per port, and whether it checked the proof.
    static func ask(
        _ url: String, ports: [Int], key: String?, publicIP: String?, client: HTTPClient
    ) async -> Result<CheckerResult, any Error> {
        do {
            var body: [String: Any] = ["ports": ports]
            if let key { body["proof_key"] = key }
            if let publicIP, publicIP != "auto" { body["provider_ip"] = publicIP }
            var request = HTTPClientRequest(url: url + "/check-ports")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            // The checker may take attempts × timeout for a silent port; the original waited 30 s.
            let response = try await client.execute(request, timeout: .seconds(30))
            let bytes = try await response.body.collect(upTo: 4 << 20)
            guard response.status == .ok else {
                throw CheckerError(description: "HTTP \(response.status.code): \(String(buffer: bytes).prefix(200))")
            }
            guard let object = try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? [String: Any],
                  let results = object["results"] as? [String: Any] else {
                throw CheckerError(description: "the answer has no results")
            }
            var reachable = Set<Int>()
            var errors: [Int: String] = [:]
            for (text, result) in results {
                guard let port = Int(text), let result = result as? [String: Any] else { continue }
                if result["accessible"] as? Bool == true { reachable.insert(port) } else { errors[port] = result["error"] as? String }
            }
            return .success((reachable, errors, object["proof_checked"] as? Bool == true))
        } catch {
            return .failure(error)
        }
    }
}
