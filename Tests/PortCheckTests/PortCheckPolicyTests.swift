import Foundation
import Testing
@testable import PortCheckService

@Suite struct PortCheckPolicyTests {
    @Test(arguments: [
        ("127.0.0.1", true), ("10.1.2.3", true), ("172.16.0.1", true), ("172.32.0.1", false), ("192.168.1.1", true),
        ("169.254.10.1", true), ("100.64.0.1", true), ("0.0.0.0", true), ("224.0.0.1", true), ("8.8.8.8", false),
        ("::1", true), ("fe80::1", true), ("fd00::1", true), ("2001:db8::1", false), ("::ffff:10.0.0.1", true),
    ])
    func classifiesAddresses(address: String, nonPublic: Bool) {
        #expect(IPAddressClass.isNonPublic(IPAddressClass.normalized(address)!) == nonPublic)
    }

    @Test func onlyTheCallersOwnAddressWithoutAToken() {
        let policy = TargetPolicy(token: "s3cret-token", allowPrivateTargets: false)
        #expect(policy.target(requested: nil, peer: "8.8.4.4", presentedToken: nil) == .probe(host: "8.8.4.4"))
        #expect(policy.target(requested: "8.8.4.4", peer: "::ffff:8.8.4.4", presentedToken: nil) == .probe(host: "8.8.4.4"))
        guard case .refuse(403, _) = policy.target(requested: "1.1.1.1", peer: "8.8.4.4", presentedToken: nil) else {
            Issue.record("a third-party target needs the token")
            return
        }
        guard case .refuse(403, _) = policy.target(requested: "1.1.1.1", peer: "8.8.4.4", presentedToken: "wrong") else {
            Issue.record("a wrong token is refused")
            return
        }
        #expect(policy.target(requested: "1.1.1.1", peer: "8.8.4.4", presentedToken: "s3cret-token") == .probe(host: "1.1.1.1"))
        guard case .refuse(400, _) = policy.target(requested: nil, peer: "192.168.0.10", presentedToken: nil) else {
            Issue.record("private targets are refused by default")
            return
        }
        guard case .refuse(422, _) = policy.target(requested: "not-an-ip", peer: "8.8.4.4", presentedToken: nil) else {
            Issue.record("provider_ip must be an address")
            return
        }
        let noToken = TargetPolicy(token: nil, allowPrivateTargets: true)
        guard case .refuse(403, _) = noToken.target(requested: "127.0.0.2", peer: "127.0.0.1", presentedToken: "anything") else {
            Issue.record("without a configured token nobody may probe a third party")
            return
        }
    }

    @Test func rateLimitRefillsOverTheMinute() {
        let limiter = SourceRateLimiter(perMinute: 2)
        let start = ContinuousClock.now
        #expect(limiter.admit("a", now: start) == nil)
        #expect(limiter.admit("a", now: start) == nil)
        #expect(limiter.admit("a", now: start) == 30)
        #expect(limiter.admit("b", now: start) == nil, "each source has its own budget")
        #expect(limiter.admit("a", now: start + .seconds(31)) == nil)
    }

    @Test func parsesTheOriginalBodyAndReportsEveryProblem() throws {
        let original = try CheckPortsRequest.parse(Data(#"{"provider_ip": "1.2.3.4", "ports": [50800, 50801, 50800]}"#.utf8), maxPorts: 10)
        #expect(original == CheckPortsRequest(providerIP: "1.2.3.4", ports: [50800, 50801], proofKey: nil))
        do {
            _ = try CheckPortsRequest.parse(Data(#"{"ports": [0, 70000, "x", true, 22], "proof_key": "short"}"#.utf8), maxPorts: 3)
            Issue.record("must not parse")
        } catch {
            let locations = error.problems.map { ($0["loc"] as? [Any] ?? []).map { "\($0)" }.joined(separator: ".") }
            #expect(locations == ["body.ports.0", "body.ports.1", "body.ports.2", "body.ports.3", "body.ports", "body.proof_key"])
        }
    }
}
