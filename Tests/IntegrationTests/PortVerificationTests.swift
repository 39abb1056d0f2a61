import Foundation
import ProviderTestSupport
import Testing

/// `golem-provider start` verifies its ports with real checkers on loopback before it serves.
@Suite("Port verification at start, real executables", .serialized)
struct PortVerificationTests {
    @Test("start checks every free SSH port and the API port with proof; only verified ports are handed out")
    func verifiedPortsOnly() async throws {
        let checker = try await PortChecker(settings: [
            "GOLEM_PROVIDER_PORT_CHECKER_ALLOW_PRIVATE_TARGETS": "true",
            "GOLEM_PROVIDER_PORT_CHECKER_CONNECT_TIMEOUT_SECONDS": "1",
        ])
        defer { checker.stop() }
        let downChecker = "http://127.0.0.1:\(try FreePorts.one())"
        let node = try TestNode(extraEnvironment: [
            "GOLEM_PROVIDER_SKIP_PORT_VERIFICATION": "false",
            "GOLEM_PROVIDER_PORT_CHECK_SERVERS": "\(checker.baseURL),\(downChecker)",
        ])
        // Another process holds the first port of the range while the node checks.
        let first = node.portRange.lowerBound
        let squatter = try PortFixture.open(port: first)
        try await node.start()
        do {
            let report = try #require(try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: node.dataDirectory + "/run/port-verification.json"))) as? [String: Any])
            #expect(report["api_reachable"] as? Bool == true)
            #expect(report["ssh_in_use"] as? [Int] == [first])
            #expect(report["ssh_reachable"] as? [Int] == Array(node.portRange.dropFirst()))
            let checkers = try #require(report["checkers"] as? [[String: Any]])
            #expect(checkers.first { $0["url"] as? String == checker.baseURL }?["proof"] as? Bool == true)
            #expect(checkers.first { $0["url"] as? String == downChecker }?["error"] is String, "a checker that is down is reported")
            #expect(node.log().contains("SSH ports reachable: \(node.portRange.count - 1) of \(node.portRange.count - 1)"))

            // The squatter leaves; its port is free now but was never verified, so no VM gets it.
            squatter.close()
            let vmSSH = try BannerServer(port: node.guestSSHPort)
            defer { vmSSH.stop() }
            #expect(try await node.post("/api/v1/vms?async=true", body: createBody("vm-verified", cpu: 1)).status == 202)
            let vm = try await waitForStatus(node, "vm-verified", "running")
            #expect(vm["ssh_port"] as? Int == first + 1)
            await node.stop()
        } catch {
            await node.stop()
            throw error
        }
    }
}
