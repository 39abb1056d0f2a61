import Foundation
import ProviderTestSupport
import Testing

/// Real VMs: the node runs QEMU (KVM where it works, TCG here) on the offline Debian image; SSH goes
/// through golem-proxy into the guest.
@Suite("QEMU driver, real guests", .serialized)
struct QemuVMTests {
    static func environment() -> [String: String] {
        [
            "GOLEM_PROVIDER_VM_DRIVER": "qemu",
            // The guest's own sshd (TestNode points this at a stand-in for the multipass tests).
            "GOLEM_PROVIDER_GUEST_SSH_PORT": "22",
            "GOLEM_PROVIDER_IMAGE_DIR": GuestImages.directory,
            "GOLEM_PROVIDER_DEFAULT_VM_IMAGE": "debian-12",
            // A 2-core VM on a 2-core host: the test's own threshold, as an operator who overcommits would set.
            "GOLEM_PROVIDER_CPU_THRESHOLD": "100",
            "GOLEM_PROVIDER_BLOCK_VM_OUTBOUND": "true",
            "GOLEM_PROVIDER_CREATE_VM_RETRY_DELAY_SECONDS": "1",
            "GOLEM_PROVIDER_CREATE_VM_MAX_RETRIES": "300",
            "GOLEM_PROVIDER_VM_STOP_TIMEOUT_SECONDS": "60",
        ]
    }

    func createVM(_ node: TestNode, _ name: String, key: String) async throws -> Int {
        let body = #"{"name":"\#(name)","resources":{"cpu":2,"memory":1,"storage":10},"ssh_key":"\#(key)"}"#
        let created = try await node.post("/api/v1/vms?async=true", body: body)
        #expect(created.status == 202, "\(created.text)")
        _ = try await waitForStatus(node, name, "running", timeout: .seconds(400))
        let access = try await node.get("/api/v1/vms/\(name)/access").object()
        return try #require(access["ssh_port"] as? Int)
    }

    @Test("create 2 cores / 1 GB / 10 GB, ssh as ubuntu and root through the proxy, stop, start, delete leaves nothing")
    func endToEnd() async throws {
        try GuestImages.requireDebian()
        try await TestNode.withNode(extraEnvironment: Self.environment()) { node in
            let ssh = try RequestorSSH(folder: node.root)
            let port = try await createVM(node, "vm-qemu", key: ssh.publicKey)
            #expect(node.portRange.contains(port))

            let facts = try ssh.run("nproc; free -g | awk '/^Mem:/{print $2}'; free -m | awk '/^Mem:/{print $2}'; df -BG --output=size / | tail -1", port: port)
            #expect(facts.status == 0, "\(facts.output)")
            let lines = facts.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(lines.count == 4, "\(facts.output)")
            #expect(lines.first == "2")
            // `free -g` rounds down, so 1 GB shows as 0; the MiB figure is the real check (the kernel keeps ~5 %).
            #expect(["0", "1"].contains(lines[safe: 1] ?? ""))
            let memoryMiB = Int(lines[safe: 2] ?? "") ?? 0
            #expect((900...1024).contains(memoryMiB), "free -m total \(memoryMiB)")
            #expect(lines[safe: 3] == "10G", "df -BG /: \(lines[safe: 3] ?? "-")")
            #expect(try ssh.run("id -u", port: port, user: "root").output.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
            #expect(try ssh.run("sudo -n true && hostname", port: port).output.contains("vm-qemu"))

            // status names the driver and the accelerator the probe chose, with its reason.
            let status = try node.cli(["status", "--json"])
            let report = try JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any]
            let driver = report?["vm_driver"] as? [String: Any]
            #expect(driver?["name"] as? String == "qemu")
            #expect(["kvm", "tcg"].contains(driver?["accelerator"] as? String ?? ""))
            #expect((driver?["accelerator_reason"] as? String)?.isEmpty == false)

            let instances = try FileManager.default.contentsOfDirectory(atPath: node.instancesDirectory)
            #expect(instances.count == 1)
            let qemu = try #require(node.qemuPIDs().first)
            // The detached QEMU carries none of golem-vm's settings.
            let environ = FileManager.default.contents(atPath: "/proc/\(qemu)/environ") ?? Data()
            #expect(!String(decoding: environ, as: UTF8.self).contains("GOLEM_PROVIDER"))

            let stopped = try await node.post("/api/v1/vms/vm-qemu/stop")
            #expect(stopped.status == 200, "\(stopped.text)")
            _ = try await waitForStatus(node, "vm-qemu", "stopped", timeout: .seconds(90))
            #expect(!ProcessState.isRunning(qemu))
            #expect(FileManager.default.fileExists(atPath: node.instancesDirectory + "/" + instances[0] + "/disk.qcow2"))

            let started = try await node.post("/api/v1/vms/vm-qemu/start")
            #expect(started.status == 200, "\(started.text)")
            _ = try await waitForStatus(node, "vm-qemu", "running", timeout: .seconds(400))
            let portAfterStart = try #require(try await node.get("/api/v1/vms/vm-qemu/access").object()["ssh_port"] as? Int)
            #expect(try ssh.run("cat /etc/hostname", port: portAfterStart).output.contains("vm-qemu"))

            let deleted = try await node.delete("/api/v1/vms/vm-qemu")
            #expect(deleted.status == 200, "\(deleted.text)")
            #expect(node.qemuPIDs().isEmpty)
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: node.instancesDirectory)) ?? []).isEmpty)
            #expect(try await node.get("/api/v1/vms/vm-qemu").status == 404)
            let remaining = try await node.get("/api/v1/vms").json() as? [Any]
            #expect(remaining?.isEmpty == true)
            try await waitUntil("the SSH port is released") { LoopbackSocket.isFree(portAfterStart) }
        }
    }

    @Test("SIGKILL of golem-vm: the VM keeps running, SSH keeps working, the restarted service lists it running")
    func vmOutlivesService() async throws {
        try GuestImages.requireDebian()
        try await TestNode.withNode(extraEnvironment: Self.environment()) { node in
            let ssh = try RequestorSSH(folder: node.root)
            let port = try await createVM(node, "vm-kept", key: ssh.publicKey)
            let qemu = try #require(node.qemuPIDs().first)
            let before = try #require(node.servicePID("golem-vm"))

            kill(before, SIGKILL)
            #expect(try ssh.run("echo alive", port: port).output.contains("alive"))
            try await waitUntil("golem-vm is restarted") {
                if let pid = node.servicePID("golem-vm"), pid != before, ProcessState.isRunning(pid) { return true }
                return false
            }
            let vm = try await waitForStatus(node, "vm-kept", "running", timeout: .seconds(60))
            #expect(vm["ssh_port"] as? Int == port)
            #expect(ProcessState.isRunning(qemu))
            #expect(node.qemuPIDs() == [qemu])
            #expect(try ssh.run("uptime", port: port).status == 0)
            #expect(try await node.delete("/api/v1/vms/vm-kept").status == 200)
            #expect(!ProcessState.isRunning(qemu))
        }
    }
}

func waitUntil(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw TestFailure("timed out waiting until \(what)")
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
