import Foundation
import ProviderTestSupport
import Testing

/// Resource admission through the REST API: each rule refuses with its own message and status, and a refused
/// create leaves nothing behind (no record, no hypervisor call, no port).
@Suite("Resource admission", .serialized)
struct AdmissionTests {
    func expectRefused(_ node: TestNode, _ body: String, status: Int, mentions: [String]) async throws {
        let answer = try await node.post("/api/v1/vms", body: body)
        #expect(answer.status == status, "\(answer.text)")
        let detail = try answer.object()["detail"] as? String ?? ""
        for text in mentions { #expect(detail.contains(text), "\(detail)") }
    }

    @Test("CPU, memory and storage thresholds answer 409 naming the rule; a full host answers 503; nothing is created")
    func thresholds() async throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        try await TestNode.withNode(extraEnvironment: [
            "GOLEM_PROVIDER_CPU_THRESHOLD": "100",
            "GOLEM_PROVIDER_MEMORY_THRESHOLD": "10",
            "GOLEM_PROVIDER_HOST_RESERVE_MEMORY_GB": "0",
        ]) { node in
            let memoryGB = Int(ProcessInfo.processInfo.physicalMemory >> 30)
            let memoryCapacity = memoryGB * 10 / 100
            try await expectRefused(node, createBody("vm-cpu", cpu: 16), status: 409,
                                    mentions: ["not enough CPU cores", "asked 16 cores, \(cores) free", "GOLEM_PROVIDER_CPU_THRESHOLD"])
            try await expectRefused(node, createBody("vm-mem", cpu: 1, memory: 64), status: 409,
                                    mentions: ["not enough memory", "asked 64 GB, \(memoryCapacity) free", "GOLEM_PROVIDER_MEMORY_THRESHOLD"])
            let listed = try await node.get("/api/v1/vms").json() as? [Any]
            #expect(listed?.isEmpty == true)
            #expect(node.multipassCalls().allSatisfy { $0.first != "launch" })
        }
        try await TestNode.withNode(extraEnvironment: ["GOLEM_PROVIDER_STORAGE_THRESHOLD": "1"]) { node in
            // 1 % of this disk is less than the smallest VM's 10 GB: the host as a whole is full.
            try await expectRefused(node, createBody("vm-disk", cpu: 1), status: 503,
                                    mentions: ["not enough storage", "asked 10 GB", "GOLEM_PROVIDER_STORAGE_THRESHOLD"])
            #expect(node.multipassCalls().allSatisfy { $0.first != "launch" })
        }
    }

    @Test("MAX_VMS: the next create answers 503; deleting one makes room again; allocation survives a restart of golem-vm")
    func maxVMs() async throws {
        try await TestNode.withNode(extraEnvironment: ["GOLEM_PROVIDER_MAX_VMS": "1"]) { node in
            let vmSSH = try BannerServer(port: node.guestSSHPort)
            defer { vmSSH.stop() }
            #expect(try await node.post("/api/v1/vms", body: createBody("vm-a", cpu: 1)).status == 200)
            try await expectRefused(node, createBody("vm-b", cpu: 1), status: 503,
                                    mentions: ["maximum of 1 VMs", "GOLEM_PROVIDER_MAX_VMS"])

            let vmService = try #require(node.servicePID("golem-vm"))
            kill(vmService, SIGKILL)
            try await waitUntil("golem-vm is back") {
                guard let pid = node.servicePID("golem-vm"), pid != vmService else { return false }
                return try await node.get("/api/v1/vms/vm-a").status == 200
            }
            try await expectRefused(node, createBody("vm-b", cpu: 1), status: 503, mentions: ["maximum of 1 VMs"])

            #expect(try await node.delete("/api/v1/vms/vm-a").status == 200)
            #expect(try await node.post("/api/v1/vms", body: createBody("vm-b", cpu: 1)).status == 200)
        }
    }

    @Test("an image the QEMU driver does not have is refused at once with what it has")
    func unknownImage() async throws {
        try GuestImages.requireDebian()
        try await TestNode.withNode(extraEnvironment: QemuVMTests.environment()) { node in
            let body = #"{"name":"vm-x","image":"22.04","resources":{"cpu":1,"memory":1,"storage":10},"ssh_key":"\#(sshKey)"}"#
            try await expectRefused(node, body, status: 400, mentions: ["image '22.04' is not available", "debian-12", "golem-provider image add"])
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: node.instancesDirectory)) ?? []).isEmpty)
        }
    }
}
