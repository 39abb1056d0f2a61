import Testing
@testable import Gateway

@Suite struct CreateVMRequestValidatorTests {
    let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOZhrWgasBnnn/6GtvIsKf6DexGF+R26S6vUy/V5Zw3h a@b"

    func validate(_ json: String) -> Result<CreateVMRequest, ValidationFailure> {
        CreateVMRequestValidator.validate(Array(json.utf8), defaultImage: "24.04")
    }

    @Test func acceptsTheRequestorCLIBody() throws {
        let result = validate(#"{"name":"vm-req","resources":{"cpu":1,"memory":1,"storage":10},"ssh_key":"\#(key)","stream_id":0}"#)
        #expect(try result.get() == CreateVMRequest(name: "vm-req", cpu: 1, memoryGB: 1, storageGB: 10, image: "24.04", sshKey: key, streamID: "0"))
    }

    @Test func sizesAndDefaults() throws {
        #expect(try validate(#"{"name":"vm-a","size":"medium","ssh_key":"\#(key)"}"#).get().cpu == 2)
        #expect(try validate(#"{"name":"vm-a","size":"medium","ssh_key":"\#(key)"}"#).get().memoryGB == 4)
        let plain = try validate(#"{"name":"vm-a","ssh_key":"\#(key)","extra":true}"#).get()
        #expect((plain.cpu, plain.memoryGB, plain.storageGB) == (1, 1, 10))
        #expect(try validate(#"{"name":"vm-a","resources":{"cpu":"2","memory":2.0,"storage":20},"ssh_key":"\#(key)"}"#).get().cpu == 2)
        #expect(try validate(#"{"name":"vm-a","ssh_key":"\#(key)","stream_id":"000123"}"#).get().streamID == "123")
    }

    @Test func reportsEveryProblemAtOnce() {
        guard case .failure(let failure) = validate(#"{"name":"Bad_Name","resources":{"cpu":3},"ssh_key":"nope"}"#) else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.detail.map(\.loc) == [
            ["body", "name"], ["body", "resources", "memory"], ["body", "resources", "storage"],
            ["body", "resources", "cpu"], ["body", "ssh_key"],
        ])
    }
}
