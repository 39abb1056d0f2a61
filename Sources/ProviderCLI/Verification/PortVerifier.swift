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
        let ssh = await responder.listenOnFree(Array(settings.portRangeStart..<settings.portRangeEnd), host: settings.sshProxyHost)
        var listeners = ssh.listeners
        // The gateway is not up yet, so the API port is ours to listen on for the check.
        if let listener = try? await responder.listen(host: settings.host, port: settings.port) { listeners.append(listener) }
        let ports = ssh.free + [settings.port]
        say("Verifying that \(ssh.free.count) SSH ports and API port \(settings.port) are reachable from outside "
            + "(\(settings.portCheckServers.count) checker\(settings.portCheckServers.count == 1 ? "" : "s"))...")

        let client = PortCheckRound.makeClient()
        let answers = await PortCheckRound.ask(settings, client: client, ports: ports, proofKey: key)
        try? await client.shutdown()
        for listener in listeners { try? await listener.close() }
        for answer in answers {
            if let error = answer.error {
                say("  \(answer.url): no answer (\(error))")
            } else {
                say("  \(answer.url): \(answer.reachable.count) of \(ports.count) reachable\(answer.proof ? " (proof checked)" : "")")
            }
        }

        let reachable = answers.reduce(into: Set<Int>()) { $0.formUnion($1.reachable) }
        let answered = answers.contains { $0.error == nil }
        let report = PortVerificationReport(
            checkedAtMs: Int64(Date().timeIntervalSince1970 * 1000),
            apiPort: settings.port,
            apiReachable: answered ? reachable.contains(settings.port) : nil,
            sshReachable: ssh.free.filter(reachable.contains),
            sshUnreachable: ssh.free.filter { !reachable.contains($0) },
            sshInUse: ssh.occupied,
            checkers: answers.map { .init(url: $0.url, error: $0.error, proof: $0.proof) })
        if answered {
            say("SSH ports reachable: \(report.sshReachable.count) of \(ssh.free.count)"
                + (ssh.occupied.isEmpty ? "" : " (\(ssh.occupied.count) in use by another process, not checked)")
                + "; API port \(settings.port): \(report.apiReachable == true ? "reachable" : "NOT reachable")")
        } else {
            say("No checker answered: ports are not verified (GOLEM_PROVIDER_PORT_CHECK_SERVERS, or --no-verify-port to skip)")
        }
        return report
    }
}
