import Foundation
import Logging
import Testing
@testable import VMService

@Suite struct MultipassDriverTests {
    let driver = MultipassDriver(
        options: .init(binary: "/bin/false", cloudInitDirectory: "/tmp", guestSSHPort: 22, launchTimeout: .seconds(1),
                       retryAttempts: 1, retryDelay: .zero, retryBackoff: 1),
        logger: Logger(label: "test"))

    @Test func parsesARunningInstance() throws {
        let json = #"{"errors":[],"info":{"golem-1":{"cpu_count":"2","disks":{"sda1":{"total":"10737418240"}},"ipv4":["10.0.0.5"],"memory":{"total":1073741824},"state":"Running"}}}"#
        let info = try driver.parseInfo(Data(json.utf8), instanceName: "golem-1")
        #expect(info == InstanceInfo(state: .running, rawState: "Running", ipAddress: "10.0.0.5",
                                     sshEndpoint: SSHEndpoint(host: "10.0.0.5", port: 22)))
    }

    @Test func stoppedInstanceHasNoEndpoint() throws {
        let json = #"{"errors":[],"info":{"golem-1":{"cpu_count":"","disks":{"sda1":{}},"ipv4":[],"memory":{},"state":"Stopped"}}}"#
        let info = try driver.parseInfo(Data(json.utf8), instanceName: "golem-1")
        #expect(info.state == .stopped)
        #expect(info.sshEndpoint == nil)
    }

    @Test func malformedAnswerIsAnError() {
        #expect(throws: DriverError.self) { try driver.parseInfo(Data("{}".utf8), instanceName: "golem-1") }
    }

    @Test(arguments: [
        ("Running", VMState.running), ("Stopped", .stopped), ("Suspended", .stopped), ("Starting", .creating),
        ("Restarting", .creating), ("Delayed Shutdown", .stopping), ("Suspending", .stopping), ("Deleted", .deleted),
        ("Unknown", .error),
    ])
    func everyMultipassStateMaps(raw: String, state: VMState) {
        #expect(MultipassDriver.state(for: raw) == state)
    }

    @Test func cloudInitQuotesValues() {
        let yaml = CloudInitUserData(hostname: "vm-one", sshPublicKey: "ssh-ed25519 AAAA \"x\" \\ y").yaml
        #expect(yaml.hasPrefix("#cloud-config\n---\n"))
        #expect(yaml.contains(#"- "ssh-ed25519 AAAA \"x\" \\ y""#))
        #expect(yaml.contains("users:\n- default\n- name: root"))
        #expect(CloudInitUserData.quoted("a\nb") == #""a\x0ab""#)
    }
}
