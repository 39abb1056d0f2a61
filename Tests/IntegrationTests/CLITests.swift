import Foundation
import ProviderTestSupport
import Testing

@Suite("golem-provider CLI", .serialized)
struct CLITests {
    @Test("start --daemon, a second start says so and exits 0, stop stops everything")
    func daemonLifecycle() async throws {
        let node = try TestNode()
        let started = try node.cli(["start", "--daemon"])
        #expect(started.status == 0)
        #expect(started.output.hasPrefix("Started provider in background (pid="))
        try await node.waitUntilServing()
        let pid = try #require(pid_t(String(contentsOfFile: node.dataDirectory + "/run/provider.pid", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))

        let again = try node.cli(["start", "--daemon"])
        #expect(again.status == 0)
        #expect(again.output == "Provider already running (pid=\(pid))\n")

        let services = ["golem-vm", "golem-proxy", "golem-payments", "golem-gateway", "golem-port-check"]
        let children = services.compactMap(node.servicePID)
        #expect(children.count == 5)

        let stopped = try node.cli(["stop", "--timeout", "20"])
        #expect(stopped.status == 0)
        #expect(stopped.output.hasSuffix("Provider stopped\n"))
        for child in children + [pid] { #expect(!ProcessState.isRunning(child), "process \(child) still alive") }
        #expect(try node.cli(["stop"]).output == "No PID file found; nothing to stop\n")
    }

    @Test("a bad setting stops the start with a message naming the variable and the allowed values")
    func badSetting() throws {
        let node = try TestNode(extraEnvironment: ["GOLEM_PROVIDER_PORT": "70000"])
        let result = try node.cli(["start"])
        #expect(result.status != 0)
        #expect(node.log().contains("GOLEM_PROVIDER_PORT='70000'"))
        #expect(node.log().contains("a whole number from 1 to 65535"))
    }
}
