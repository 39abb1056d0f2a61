import Foundation
import ProviderTestSupport
import Testing

/// golem-proxy as a requestor meets it: the real node, real sockets on loopback.
@Suite("SSH proxy, real executables", .serialized)
struct ProxyTests {
    /// Creates a VM and answers its public SSH port once it is running.
    func runningVM(_ node: TestNode, _ name: String) async throws -> Int {
        #expect(try await node.post("/api/v1/vms?async=true", body: createBody(name, cpu: 1)).status == 202)
        return try #require(try await waitForStatus(node, name, "running")["ssh_port"] as? Int)
    }

    @Test("a reader that stalls during a 1 GB download does not grow golem-proxy's memory; every byte arrives",
          arguments: ["splice", "glue"])
    func slowReaderKeepsMemoryBounded(engine: String) async throws {
        let size = 1 << 30
        try await TestNode.withNode(extraEnvironment: ["GOLEM_PROVIDER_PROXY_ENGINE": engine]) { node in
            let vm = try BannerServer.byteSource(port: node.guestSSHPort, bytes: size)
            defer { vm.stop() }
            let port = try await runningVM(node, "vm-big")
            let proxyPID = try #require(node.servicePID("golem-proxy"))
            let baseline = try #require(ProcessState.residentBytes(proxyPID))

            let (received, stalledPeak, readingPeak) = try await Task.detached { () throws -> (Int, Int, Int) in
                let connection = try #require(TestConnection(port: port, receiveTimeoutSeconds: 30))
                // Stall for 3 s while the VM pushes as fast as it can.
                var stalledPeak = 0
                for _ in 0..<12 {
                    usleep(250_000)
                    stalledPeak = max(stalledPeak, ProcessState.residentBytes(proxyPID) ?? 0)
                }
                // Then read everything, slowly at first (small reads), sampling as we go.
                var buffer = [UInt8](repeating: 0, count: 256 << 10)
                var received = 0
                var readingPeak = 0
                var nextSample = 0
                while let count = buffer.withUnsafeMutableBytes({ connection.receive(into: $0) }), count > 0 {
                    received += count
                    if received >= nextSample {
                        readingPeak = max(readingPeak, ProcessState.residentBytes(proxyPID) ?? 0)
                        nextSample += 32 << 20
                    }
                }
                return (received, stalledPeak, readingPeak)
            }.value

            let mib = { (bytes: Int) in String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
            #expect(node.log().contains("engine=\(engine)") || node.log().contains("\"engine\":\"\(engine)\""), "the engine asked for is the one serving")
            print("golem-proxy (\(engine)) RSS: baseline \(mib(baseline)), stalled peak \(mib(stalledPeak)), reading peak \(mib(readingPeak))")
            #expect(received == size)
            // Without backpressure the proxy would buffer what the VM sends: hundreds of MiB in 3 s.
            #expect(stalledPeak - baseline < 16 << 20)
            #expect(readingPeak - baseline < 24 << 20)
        }
    }

    @Test("connection caps and the idle timeout apply to the real service; `proxy stats --json` counts it all")
    func capsIdleTimeoutAndStats() async throws {
        try await TestNode.withNode(extraEnvironment: [
            "GOLEM_PROVIDER_PROXY_MAX_CONNECTIONS_PER_VM": "2",
            "GOLEM_PROVIDER_PROXY_IDLE_TIMEOUT_SECONDS": "2",
        ]) { node in
            let vmSSH = try BannerServer(port: node.guestSSHPort)
            defer { vmSSH.stop() }
            let port = try await runningVM(node, "vm-cap")

            let outcome = try await Task.detached { () throws -> (Bool, Bool, Bool, Bool) in
                let banner = Array("SSH-2.0-fakevm\r\n".utf8)
                let first = try #require(TestConnection(port: port, receiveTimeoutSeconds: 5))
                let second = try #require(TestConnection(port: port, receiveTimeoutSeconds: 5))
                let served = first.receive(count: banner.count) == banner && second.receive(count: banner.count) == banner
                let third = try #require(TestConnection(port: port, receiveTimeoutSeconds: 5))
                let refused = third.isClosedByPeer()
                // Both held connections go quiet; the idle timeout closes them, which frees the cap.
                let idleClosed = first.isClosedByPeer() && second.isClosedByPeer()
                let fourth = try #require(TestConnection(port: port, receiveTimeoutSeconds: 5))
                return (served, refused, idleClosed, fourth.receive(count: banner.count) == banner)
            }.value
            #expect(outcome.0, "two connections are served")
            #expect(outcome.1, "the third is refused by the per-VM cap")
            #expect(outcome.2, "idle connections are closed")
            #expect(outcome.3, "a new connection is served once the idle ones are gone")

            let (status, output) = try node.cli(["proxy", "stats", "--json"])
            #expect(status == 0, "\(output)")
            let stats = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            let vms = try #require(stats["vms"] as? [[String: Any]])
            #expect(vms.count == 1)
            #expect(vms.first?["vm_id"] as? String == "vm-cap")
            #expect(vms.first?["ssh_port"] as? Int == port)
            #expect(vms.first?["connections_refused"] as? Int == 1)
            #expect(vms.first?["connections_total"] as? Int == 3)
            #expect((vms.first?["bytes_out"] as? Int ?? 0) >= 3 * 16)
            let limits = try #require(stats["limits"] as? [String: Any])
            #expect(limits["max_connections_per_vm"] as? Int == 2)
            #expect(limits["idle_timeout_seconds"] as? Double == 2)

            let unknown = try node.cli(["proxy", "stats", "--vm-id", "nope"])
            #expect(unknown.status == 1)
        }
    }

    @Test("SIGKILL of golem-proxy: after its restart every VM's port is the same and accepts within 1 s")
    func everyPortBackWithinASecond() async throws {
        try await TestNode.withNode { node in
            let vmSSH = try BannerServer(port: node.guestSSHPort)
            defer { vmSSH.stop() }
            var ports: [String: Int] = [:]
            for name in ["vm-a", "vm-b", "vm-c"] { ports[name] = try await runningVM(node, name) }
            let oldPID = try #require(node.servicePID("golem-proxy"))
            #expect(kill(oldPID, SIGKILL) == 0)

            // From the moment the new process exists, every port must accept within 1 s.
            let deadline = ContinuousClock.now + .seconds(15)
            var newPID: pid_t?
            while ContinuousClock.now < deadline {
                if let pid = node.servicePID("golem-proxy"), pid != oldPID, ProcessState.isRunning(pid) {
                    newPID = pid
                    break
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            let restarted = try #require(newPID, "golem-proxy was not restarted")
            let started = ContinuousClock.now
            var pending = Set(ports.values)
            while !pending.isEmpty, ContinuousClock.now - started < .seconds(5) {
                pending = pending.filter { LoopbackSocket.connectAndRead(port: $0, timeoutSeconds: 1) != "SSH-2.0-fakevm\r\n" }
                if !pending.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            }
            let elapsed = ContinuousClock.now - started
            print("every port accepted \(elapsed) after golem-proxy (pid \(restarted)) appeared")
            #expect(pending.isEmpty)
            #expect(elapsed < .seconds(1))
            for (name, port) in ports {
                #expect(try await node.get("/api/v1/vms/\(name)/access").object()["ssh_port"] as? Int == port)
            }
        }
    }
}
