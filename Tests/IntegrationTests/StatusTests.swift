import Foundation
import ProviderTestSupport
import Testing

/// `golem-provider status --json` against the contract (../shared/reference/status-contract.md), key by key.
@Suite("golem-provider status, real executables", .serialized)
struct StatusTests {
    static let checkerSettings = PortChecker.loopbackSettings.merging([
        "GOLEM_PROVIDER_PORT_CHECKER_ATTEMPTS": "1", "GOLEM_PROVIDER_PORT_CHECKER_RATE_LIMIT_PER_MINUTE": "0",
    ]) { _, new in new }

    /// Every key of the contract with a value from its value set; answers the parsed report.
    func checkContract(_ output: String, range: Range<Int>, apiPort: Int) throws -> [String: Any] {
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
        #expect(Set(report.keys).isSuperset(of: ["version", "environment", "multipass", "ports", "overall"]))
        let version = try #require(report["version"] as? [String: Any])
        #expect(version["installed"] is String)
        #expect(version.keys.contains("latest"))
        #expect(version["update_available"] is Bool)
        let environment = try #require(report["environment"] as? [String: Any])
        #expect(environment["environment"] as? String == "production")
        #expect(environment["network"] as? String == "mainnet")
        #expect(environment["dev_mode"] as? Bool == false)
        let multipass = try #require(report["multipass"] as? [String: Any])
        #expect(Set(multipass.keys) == ["ok", "path", "version", "error"])
        let ports = try #require(report["ports"] as? [String: Any])
        let provider = try #require(ports["provider"] as? [String: Any])
        #expect(provider["port"] as? Int == apiPort)
        #expect(provider["host"] as? String == "127.0.0.1")
        #expect(provider["local_ok"] is Bool)
        #expect(provider["local_detail"] is String)
        let external = try #require(provider["external"] as? [String: Any])
        #expect(["reachable", "unreachable", "not_verified", "check_failed"].contains(external["status"] as? String ?? ""))
        #expect(Set(external.keys) == ["status", "verified_by", "error"])
        #expect(["reachable", "unreachable"].contains(provider["status"] as? String ?? ""))
        let ssh = try #require(ports["ssh"] as? [String: Any])
        #expect(ssh["range"] as? [Int] == [range.lowerBound, range.upperBound])
        #expect(["ok", "limited", "blocked"].contains(ssh["status"] as? String ?? ""))
        #expect(ssh["usable_free"] is Int)
        #expect(ssh["in_use"] is Int)
        let issues = try #require(ssh["issues"] as? [String: Any])
        #expect(Set(issues.keys) == ["unreachable", "not_listening"])
        let perPort = try #require(ssh["ports"] as? [[String: Any]])
        #expect(perPort.map { $0["port"] as? Int } == range.map { $0 })
        for port in perPort {
            #expect(["reachable", "unreachable", "unknown"].contains(port["status"] as? String ?? ""))
            #expect(port["listening"] is Bool)
        }
        let overall = try #require(report["overall"] as? [String: Any])
        #expect(["healthy", "issues", "error"].contains(overall["status"] as? String ?? ""))
        #expect(overall["issues"] is [String])
        return report
    }

    func ssh(_ report: [String: Any]) -> [String: Any] { (report["ports"] as? [String: Any])?["ssh"] as? [String: Any] ?? [:] }
    func overall(_ report: [String: Any]) -> [String: Any] { report["overall"] as? [String: Any] ?? [:] }

    @Test("healthy: every port reachable, the VM's port counted in use and listening; exit 0")
    func healthy() async throws {
        let checker = try await PortChecker(settings: Self.checkerSettings)
        defer { checker.stop() }
        try await TestNode.withNode(extraEnvironment: ["GOLEM_PROVIDER_PORT_CHECK_SERVERS": checker.baseURL]) { node in
            let vmSSH = try BannerServer(port: node.guestSSHPort)
            defer { vmSSH.stop() }
            #expect(try await node.post("/api/v1/vms?async=true", body: createBody("vm-status", cpu: 1)).status == 202)
            let vmPort = try #require(try await waitForStatus(node, "vm-status", "running")["ssh_port"] as? Int)

            let (status, output) = try node.cli(["status", "--json"])
            let report = try checkContract(output, range: node.portRange, apiPort: node.apiPort)
            #expect(status == 0)
            #expect(overall(report)["status"] as? String == "healthy")
            #expect(overall(report)["issues"] as? [String] == [])
            let ssh = ssh(report)
            #expect(ssh["status"] as? String == "ok")
            #expect(ssh["in_use"] as? Int == 1)
            #expect(ssh["usable_free"] as? Int == node.portRange.count - 1)
            let vmEntry = (ssh["ports"] as? [[String: Any]])?.first { $0["port"] as? Int == vmPort }
            #expect(vmEntry?["listening"] as? Bool == true)
            #expect(vmEntry?["status"] as? String == "reachable")
            let provider = (report["ports"] as? [String: Any])?["provider"] as? [String: Any]
            #expect(provider?["local_detail"] as? String == "service is listening")
            #expect(provider?["status"] as? String == "reachable")
            #expect((provider?["external"] as? [String: Any])?["verified_by"] as? String == checker.baseURL)
            #expect((report["services"] as? [String: Any])?["node_running"] as? Bool == true)

            let (_, text) = try node.cli(["status"])
            #expect(text.contains("Overall         Healthy"), "\(text)")
            #expect(!text.contains("\u{1B}["), "no colour codes when stdout is not a terminal")
        }
    }

    @Test("issues: a port of the range that drops connections is unreachable; exit 1")
    func issues() async throws {
        let checker = try await PortChecker(settings: Self.checkerSettings)
        defer { checker.stop() }
        try await TestNode.withNode(extraEnvironment: ["GOLEM_PROVIDER_PORT_CHECK_SERVERS": checker.baseURL]) { node in
            let dropped = node.portRange.upperBound - 1
            let firewall = try PortFixture.filtered(port: dropped)
            defer { firewall.close() }
            let (status, output) = try node.cli(["status", "--json"])
            let report = try checkContract(output, range: node.portRange, apiPort: node.apiPort)
            #expect(status == 1)
            #expect(overall(report)["status"] as? String == "issues")
            #expect(overall(report)["issues"] as? [String] == ["1 SSH port(s) unreachable externally"])
            #expect(ssh(report)["status"] as? String == "limited")
            #expect((ssh(report)["issues"] as? [String: Int]) == ["unreachable": 1, "not_listening": 0])
            #expect(ssh(report)["usable_free"] as? Int == node.portRange.count - 1)
        }
    }

    @Test("error: no checker answers, so nothing is known to be reachable; exit 2")
    func error() async throws {
        let down = "http://127.0.0.1:\(try FreePorts.one())"
        try await TestNode.withNode(extraEnvironment: ["GOLEM_PROVIDER_PORT_CHECK_SERVERS": down]) { node in
            let (status, output) = try node.cli(["status", "--json"])
            let report = try checkContract(output, range: node.portRange, apiPort: node.apiPort)
            #expect(status == 2)
            #expect(overall(report)["status"] as? String == "error")
            #expect(overall(report)["issues"] as? [String] == ["No externally reachable SSH ports", "Provider API port not reachable externally"])
            #expect(ssh(report)["status"] as? String == "blocked")
            #expect((ssh(report)["ports"] as? [[String: Any]])?.allSatisfy { $0["status"] as? String == "unknown" } == true)
            let provider = (report["ports"] as? [String: Any])?["provider"] as? [String: Any]
            #expect((provider?["external"] as? [String: Any])?["status"] as? String == "check_failed")
        }
    }
}
