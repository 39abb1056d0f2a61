import Foundation
import ProviderTestSupport
import Testing

let sshKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOZhrWgasBnnn/6GtvIsKf6DexGF+R26S6vUy/V5Zw3h test@golem"

func createBody(_ name: String, cpu: Int = 2, memory: Int = 1, storage: Int = 10) -> String {
    #"{"name":"\#(name)","resources":{"cpu":\#(cpu),"memory":\#(memory),"storage":\#(storage)},"ssh_key":"\#(sshKey)"}"#
}

/// Polls GET /vms/{id} like the requestor CLI does, until `status` is `want`.
func waitForStatus(_ node: TestNode, _ id: String, _ want: String, timeout: Duration = .seconds(30)) async throws -> [String: Any] {
    let deadline = ContinuousClock.now + timeout
    var last = ""
    while ContinuousClock.now < deadline {
        let answer = try await node.get("/api/v1/vms/\(id)")
        if answer.status == 200, let object = try? answer.object() {
            if object["status"] as? String == want {
                // The promise to requestors: "running" always comes with a usable port.
                if want == "running" { #expect(object["ssh_port"] as? Int != nil) }
                return object
            }
        }
        last = answer.text
        try await Task.sleep(for: .milliseconds(100))
    }
    throw TestFailure("VM \(id) never reached \(want); last answer: \(last)\n\(node.log())")
}

@Suite("Whole node, real executables", .serialized)
struct VMLifecycleTests {
    @Test("async create, running, access, SSH through the proxy, stop, start, delete; exact multipass argv")
    func endToEnd() async throws {
        try await TestNode.withNode { node in
            let vmSSH = try BannerServer(port: node.guestSSHPort)
            defer { vmSSH.stop() }

            let created = try await node.post("/api/v1/vms?async=true", body: createBody("vm-one"))
            #expect(created.status == 202)
            let job = try created.object()
            #expect(job["vm_id"] as? String == "vm-one")
            #expect(job["status"] as? String == "creating")
            let jobID = try #require(job["job_id"] as? String)

            let vm = try await waitForStatus(node, "vm-one", "running")
            #expect((vm["resources"] as? [String: Int]) == ["cpu": 2, "memory": 1, "storage": 10])
            let jobAnswer = try await node.get("/api/v1/vms/jobs/\(jobID)").object()
            #expect(jobAnswer["status"] as? String == "ready")

            let access = try await node.get("/api/v1/vms/vm-one/access")
            #expect(access.status == 200)
            let accessBody = try access.object()
            let port = try #require(accessBody["ssh_port"] as? Int)
            #expect(node.portRange.contains(port))
            #expect(accessBody["ssh_host"] as? String == "localhost")
            let multipassName = try #require(accessBody["multipass_name"] as? String)
            #expect(multipassName.hasPrefix("golem-"))

            // Through ProxyService to the "VM"'s port: the banner, then our bytes echoed back.
            let greeting = LoopbackSocket.connectAndRead(port: port, send: "ping\n", expected: 21)
            #expect(greeting == "SSH-2.0-fakevm\r\nping\n")

            let listed = try await node.get("/api/v1/vms").json() as? [[String: Any]]
            #expect(listed?.map { $0["id"] as? String } == ["vm-one"])

            let stopped = try await node.post("/api/v1/vms/vm-one/stop")
            #expect(stopped.status == 200)
            #expect(try stopped.object()["status"] as? String == "stopped")

            let started = try await node.post("/api/v1/vms/vm-one/start")
            #expect(started.status == 200)
            #expect(try started.object()["status"] as? String == "running")
            #expect(LoopbackSocket.connectAndRead(port: port) == "SSH-2.0-fakevm\r\n")

            let deleted = try await node.delete("/api/v1/vms/vm-one")
            #expect(deleted.status == 200)
            #expect(deleted.text == "null")
            #expect(try await node.get("/api/v1/vms/vm-one").status == 404)
            #expect(try await node.delete("/api/v1/vms/vm-one").status == 404)
            #expect(try await node.get("/api/v1/vms").text == "[]")
            // The port is released: nothing listens there any more.
            #expect(LoopbackSocket.connectAndRead(port: port) == nil)
            #expect(LoopbackSocket.isFree(port))

            let mp = multipassName
            let cloudInit = try #require(node.multipassCalls().first { $0.first == "launch" }?[5])
            #expect(node.multipassCalls() == [
                ["version"],
                ["launch", "24.04", "--name", mp, "--cloud-init", cloudInit, "--cpus", "2", "--memory", "1G", "--disk", "10G"],
                ["info", mp, "--format", "json"],
                ["stop", mp],
                ["info", mp, "--format", "json"],
                ["start", mp],
                ["info", mp, "--format", "json"],
                ["delete", mp, "--purge"],
            ])
            #expect(cloudInit.hasPrefix(node.dataDirectory + "/vm/cloud-init/vm-one-"))
            #expect(!FileManager.default.fileExists(atPath: cloudInit), "the cloud-init file is removed after launch")
        }
    }

    @Test("SIGKILL of golem-vm mid-creation: after restart the VM, its job and its port are all there")
    func vmServiceKilledMidCreation() async throws {
        try await TestNode.withNode(extraEnvironment: ["FAKE_MULTIPASS_LAUNCH_DELAY": "3"]) { node in
            let vmSSH = try BannerServer(port: node.guestSSHPort)
            defer { vmSSH.stop() }

            // One VM that is fully up before the crash.
            #expect(try await node.post("/api/v1/vms?async=true", body: createBody("vm-before")).status == 202)
            let before = try await waitForStatus(node, "vm-before", "running", timeout: .seconds(30))
            let portBefore = try #require(before["ssh_port"] as? Int)

            // One VM whose launch is in flight when golem-vm dies.
            let created = try await node.post("/api/v1/vms?async=true", body: createBody("vm-during"))
            let jobID = try #require(try created.object()["job_id"] as? String)
            try await Task.sleep(for: .milliseconds(700))
            let oldPID = try #require(node.servicePID("golem-vm"))
            #expect(kill(oldPID, SIGKILL) == 0)

            // The supervisor restarts it; the interrupted creation is resumed, not forgotten.
            try await Task.sleep(for: .seconds(1))
            let during = try await waitForStatus(node, "vm-during", "running", timeout: .seconds(40))
            #expect(node.servicePID("golem-vm") != oldPID)
            #expect(during["ssh_port"] as? Int != nil)
            #expect(try await node.get("/api/v1/vms/jobs/\(jobID)").object()["status"] as? String == "ready")

            let listed = try await node.get("/api/v1/vms").json() as? [[String: Any]] ?? []
            #expect(Set(listed.compactMap { $0["id"] as? String }) == ["vm-before", "vm-during"])
            let after = try await node.get("/api/v1/vms/vm-before/access").object()
            #expect(after["ssh_port"] as? Int == portBefore)
            #expect(LoopbackSocket.connectAndRead(port: portBefore) == "SSH-2.0-fakevm\r\n")
            #expect(node.log().contains("golem-vm exited"))
            // Exactly one instance per VM: the restart did not launch a duplicate.
            #expect(node.multipassCalls().filter { $0.first == "launch" }.count == 2)
        }
    }

    @Test("sync create answers 200 with a running VM and its port; a failed launch leaves nothing behind")
    func syncCreateAndFailedLaunch() async throws {
        try await TestNode.withNode { node in
            let vmSSH = try BannerServer(port: node.guestSSHPort)
            defer { vmSSH.stop() }
            let created = try await node.post("/api/v1/vms", body: createBody("vm-sync", cpu: 1))
            #expect(created.status == 200)
            let body = try created.object()
            #expect(body["status"] as? String == "running")
            #expect(body["ssh_port"] as? Int != nil)
            // Same name again: refused, and the first VM is untouched (the original silently overwrote it).
            let duplicate = try await node.post("/api/v1/vms?async=true", body: createBody("vm-sync"))
            #expect(duplicate.status == 409)
            #expect(try duplicate.object()["detail"] as? String == "VM vm-sync already exists; choose another name or delete it first")
            #expect(node.multipassCalls().filter { $0.first == "launch" }.count == 1)
        }
    }
}
