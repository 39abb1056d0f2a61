import AsyncHTTPClient
import Foundation
import NIOCore
import Shared

/// One `/check-ports` request to every configured checker: what verification at start and `status` both ask.
enum PortCheckRound {
    struct Answer: Sendable {
        var url: String
        var reachable: Set<Int>
        var errors: [Int: String]
        /// True when the checker ran the proof challenge (ours does; the original's only connects).
        var proof: Bool
        /// nil when the checker answered.
        var error: String?
    }

    /// A checker that is down must fail at once, not be retried until the request's deadline.
    static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Asks every checker at once (with the proof challenge when `proofKey` is given); answers sorted by URL.
    static func ask(
        _ settings: ProviderSettings, client: HTTPClient, ports: [Int], proofKey: String?
    ) async -> [Answer] {
        guard !ports.isEmpty else { return [] }
        return await withTaskGroup(of: Answer.self) { group in
            for url in settings.portCheckServers {
                group.addTask { await ask(url, ports: ports, key: proofKey, publicIP: settings.publicIP, client: client) }
            }
            var answers: [Answer] = []
            for await answer in group { answers.append(answer) }
            return answers.sorted { $0.url < $1.url }
        }
    }

    struct CheckerError: Error, CustomStringConvertible {
        let description: String
    }

    /// One checker's answer: the ports it reached, its error per port, whether it checked the proof.
    static func ask(_ url: String, ports: [Int], key: String?, publicIP: String?, client: HTTPClient) async -> Answer {
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
            return Answer(url: url, reachable: reachable, errors: errors, proof: object["proof_checked"] as? Bool == true, error: nil)
        } catch {
            return Answer(url: url, reachable: [], errors: [:], proof: false, error: "\(error)")
        }
    }
}
