import Foundation
import ProviderTestSupport
import Shared
import Testing
@testable import ProviderCLI

/// The real `golem-port-check` executable against real sockets on loopback.
@Suite("golem-port-check, real process", .serialized)
struct PortCheckServerTests {
    static let loopbackAllowed = PortChecker.loopbackSettings

    func parseResults(_ answer: HTTPAnswer) throws -> [String: [String: Any]] {
        let object = try answer.object()
        return try #require(object["results"] as? [String: [String: Any]], "\(answer.text)")
    }

    @Test("open, closed and filtered ports come back right, in the original's answer shape")
    func openClosedFiltered() async throws {
        let checker = try await PortChecker(settings: Self.loopbackAllowed)
        defer { checker.stop() }
        let open = try PortFixture.open()
        let filtered = try PortFixture.filtered()
        defer { open.close(); filtered.close() }
        let closed = try FreePorts.one()

        // Exactly what the original provider's PortVerifier sends.
        let answer = try await checker.checkPorts(#"{"provider_ip": "127.0.0.1", "ports": [\#(open.port), \#(closed), \#(filtered.port)]}"#)
        #expect(answer.status == 200)
        let object = try answer.object()
        #expect(Set(object.keys) == ["success", "results", "message"])
        #expect(object["success"] as? Bool == true)
        #expect(object["message"] as? String == "Successfully verified 1 out of 3 ports")
        let results = try parseResults(answer)
        #expect(results["\(open.port)"]?["accessible"] as? Bool == true)
        #expect(results["\(open.port)"]?["error"] is NSNull)
        #expect(results["\(closed)"]?["accessible"] as? Bool == false)
        #expect(results["\(closed)"]?["error"] as? String == "Connection refused")
        #expect(results["\(filtered.port)"]?["accessible"] as? Bool == false)
        #expect(results["\(filtered.port)"]?["error"] as? String == "Connection timed out")

        // Omitting provider_ip means "my own address".
        let own = try await checker.checkPorts(#"{"ports": [\#(open.port)]}"#)
        let ownResults = try parseResults(own)
        #expect(ownResults["\(open.port)"]?["accessible"] as? Bool == true)

        // Out-of-range ports: 422, FastAPI-shaped, as the original.
        let bad = try await checker.checkPorts(#"{"provider_ip": "127.0.0.1", "ports": [70000]}"#)
        #expect(bad.status == 422)
        #expect((try bad.object()["detail"] as? [[String: Any]])?.first?["loc"] as? [AnyHashable] == ["body", "ports", 0])
    }

    @Test("the proof passes with the node's listener and fails with a plain one")
    func proofChallenge() async throws {
        let checker = try await PortChecker(settings: Self.loopbackAllowed)
        defer { checker.stop() }
        let key = PortCheckProof.randomHex()
        let nodePort = try FreePorts.one()
        let nodeListener = try await ChallengeResponder(key: key).listen(host: "127.0.0.1", port: nodePort)
        let otherNode = try await ChallengeResponder(key: PortCheckProof.randomHex()).listen(host: "127.0.0.1", port: 0)
        let plain = try PortFixture.open()
        defer { plain.close() }
        let otherPort = otherNode.localAddress!.port!

        let answer = try await checker.checkPorts(
            #"{"ports": [\#(nodePort), \#(plain.port), \#(otherPort)], "proof_key": "\#(key)"}"#)
        let results = try parseResults(answer)
        #expect(results["\(nodePort)"]?["accessible"] as? Bool == true)
        #expect(results["\(plain.port)"]?["accessible"] as? Bool == false)
        #expect(results["\(plain.port)"]?["error"] as? String == "No proof: the listener did not answer the challenge")
        #expect(results["\(otherPort)"]?["accessible"] as? Bool == false, "a listener with another key is not ours")
        #expect(results["\(otherPort)"]?["error"] as? String == "No proof: the listener answered the challenge wrongly")

        // Without proof_key the plain listener counts as open, as with the original checker.
        let plainCheck = try await checker.checkPorts(#"{"ports": [\#(plain.port)]}"#)
        let plainResults = try parseResults(plainCheck)
        #expect(plainResults["\(plain.port)"]?["accessible"] as? Bool == true)
        try await nodeListener.close()
        try await otherNode.close()
    }

    @Test("a third-party target needs the token; private targets need the setting")
    func thirdPartyAndPrivateTargets() async throws {
        let checker = try await PortChecker(settings: Self.loopbackAllowed.merging(["GOLEM_PROVIDER_PORT_CHECKER_TOKEN": "operator-token-1"]) { _, new in new })
        defer { checker.stop() }
        let closed = try FreePorts.one()
        let refused = try await checker.checkPorts(#"{"provider_ip": "127.0.0.2", "ports": [\#(closed)]}"#)
        #expect(refused.status == 403)
        #expect((try refused.object()["detail"] as? String)?.contains("X-Port-Check-Token") == true)
        let withToken = try await checker.checkPorts(
            #"{"provider_ip": "127.0.0.2", "ports": [\#(closed)]}"#, headers: ["X-Port-Check-Token": "operator-token-1"])
        #expect(withToken.status == 200)
        let tokenResults = try parseResults(withToken)
        #expect(tokenResults["\(closed)"]?["error"] as? String == "Connection refused")

        let strict = try await PortChecker()
        defer { strict.stop() }
        let loopback = try await strict.checkPorts(#"{"ports": [\#(closed)]}"#)
        #expect(loopback.status == 400)
        #expect((try loopback.object()["detail"] as? String)?.contains("loopback") == true)
    }

    @Test("the per-source rate limit answers 429 with Retry-After")
    func rateLimit() async throws {
        let checker = try await PortChecker(settings: Self.loopbackAllowed.merging(["GOLEM_PROVIDER_PORT_CHECKER_RATE_LIMIT_PER_MINUTE": "3"]) { _, new in new })
        defer { checker.stop() }
        let closed = try FreePorts.one()
        var statuses: [Int] = []
        var retryAfter: String?
        for _ in 0..<4 {
            let answer = try await checker.checkPorts(#"{"ports": [\#(closed)]}"#)
            statuses.append(answer.status)
            if answer.status == 429 { retryAfter = answer.headers.first(name: "Retry-After") }
        }
        #expect(statuses == [200, 200, 200, 429])
        #expect(retryAfter.flatMap(Int.init).map { (1...60).contains($0) } == true)
        #expect(try await checker.get("/health").status == 200, "health is never rate limited")
    }
}
