import Foundation
import ProviderTestSupport
import Testing

@Suite("Bad input against the running gateway", .serialized)
struct BadInputTests {
    static let cases: [(name: String, body: String, field: [String], type: String)] = [
        ("name too short", #"{"name":"ab","ssh_key":"\#(sshKey)"}"#, ["body", "name"], "string_too_short"),
        ("name too long", #"{"name":"\#(String(repeating: "a", count: 65))","ssh_key":"\#(sshKey)"}"#, ["body", "name"], "string_too_long"),
        ("name pattern", #"{"name":"Bad_Name","ssh_key":"\#(sshKey)"}"#, ["body", "name"], "string_pattern_mismatch"),
        ("name with --", #"{"name":"a--b","ssh_key":"\#(sshKey)"}"#, ["body", "name"], "value_error"),
        ("name missing", #"{"ssh_key":"\#(sshKey)"}"#, ["body", "name"], "missing"),
        ("name not a string", #"{"name":42,"ssh_key":"\#(sshKey)"}"#, ["body", "name"], "string_type"),
        ("cpu not in set", #"{"name":"vm-x","resources":{"cpu":3,"memory":1,"storage":10},"ssh_key":"\#(sshKey)"}"#, ["body", "resources", "cpu"], "value_error"),
        ("cpu negative", #"{"name":"vm-x","resources":{"cpu":-1,"memory":1,"storage":10},"ssh_key":"\#(sshKey)"}"#, ["body", "resources", "cpu"], "value_error"),
        ("cpu wrong type", #"{"name":"vm-x","resources":{"cpu":true,"memory":1,"storage":10},"ssh_key":"\#(sshKey)"}"#, ["body", "resources", "cpu"], "int_type"),
        ("memory not in set", #"{"name":"vm-x","resources":{"cpu":1,"memory":3,"storage":10},"ssh_key":"\#(sshKey)"}"#, ["body", "resources", "memory"], "value_error"),
        ("storage below 10", #"{"name":"vm-x","resources":{"cpu":1,"memory":1,"storage":9},"ssh_key":"\#(sshKey)"}"#, ["body", "resources", "storage"], "greater_than_equal"),
        ("storage missing", #"{"name":"vm-x","resources":{"cpu":1,"memory":1},"ssh_key":"\#(sshKey)"}"#, ["body", "resources", "storage"], "missing"),
        ("resources not an object", #"{"name":"vm-x","resources":[1],"ssh_key":"\#(sshKey)"}"#, ["body", "resources"], "model_type"),
        ("unknown size", #"{"name":"vm-x","size":"huge","ssh_key":"\#(sshKey)"}"#, ["body", "size"], "enum"),
        ("ssh key missing", #"{"name":"vm-x"}"#, ["body", "ssh_key"], "missing"),
        ("ssh key prefix", #"{"name":"vm-x","ssh_key":"nope AAAA"}"#, ["body", "ssh_key"], "string_pattern_mismatch"),
        ("ssh key with a newline", #"{"name":"vm-x","ssh_key":"ssh-ed25519 AAAA\nruncmd: [evil]"}"#, ["body", "ssh_key"], "value_error"),
        ("ssh key too short to be a key", #"{"name":"vm-x","ssh_key":"ssh-ed25519 AAAA"}"#, ["body", "ssh_key"], "value_error"),
        ("ssh key type and data disagree", #"{"name":"vm-x","ssh_key":"ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIOZhrWgasBnnn/6GtvIsKf6DexGF+R26S6vUy/V5Zw3h"}"#, ["body", "ssh_key"], "value_error"),
        ("image option-like", #"{"name":"vm-x","image":"--help","ssh_key":"\#(sshKey)"}"#, ["body", "image"], "string_pattern_mismatch"),
        ("stream id negative", #"{"name":"vm-x","stream_id":-1,"ssh_key":"\#(sshKey)"}"#, ["body", "stream_id"], "greater_than_equal"),
        ("stream id wrong type", #"{"name":"vm-x","stream_id":[1],"ssh_key":"\#(sshKey)"}"#, ["body", "stream_id"], "int_type"),
        ("not JSON", "name=vm-x", ["body"], "json_invalid"),
        ("JSON but not an object", "[1,2,3]", ["body"], "model_attributes_type"),
    ]

    @Test("every validation rule and malformed body answers 422 naming the field, and creates nothing")
    func validationRules() async throws {
        try await TestNode.withNode { node in
            for item in Self.cases {
                let answer = try await node.post("/api/v1/vms?async=true", body: item.body)
                #expect(answer.status == 422, "\(item.name): \(answer.text)")
                let issues = (try? answer.object())?["detail"] as? [[String: Any]] ?? []
                let match = issues.first { ($0["loc"] as? [String]) == item.field }
                #expect(match?["type"] as? String == item.type, "\(item.name): \(answer.text)")
                #expect((match?["msg"] as? String)?.isEmpty == false, "\(item.name)")
            }
            #expect(try await node.get("/api/v1/vms").text == "[]")
            #expect(node.multipassCalls().filter { $0.first == "launch" }.isEmpty)
        }
    }

    @Test("oversized body 413, unknown VM 404 on every route, unknown job 404, unknown route 404")
    func otherErrors() async throws {
        try await TestNode.withNode { node in
            let huge = #"{"name":"vm-x","ssh_key":"ssh-ed25519 \#(String(repeating: "A", count: 200_000))"}"#
            let tooLarge = try await node.post("/api/v1/vms", body: huge)
            #expect(tooLarge.status == 413)
            #expect((try tooLarge.object()["detail"] as? String)?.contains("larger than") == true)

            #expect(try await node.get("/api/v1/vms/ghost").object()["detail"] as? String == "VM ghost not found")
            #expect(try await node.get("/api/v1/vms/ghost/access").status == 404)
            #expect(try await node.post("/api/v1/vms/ghost/stop").status == 404)
            #expect(try await node.post("/api/v1/vms/ghost/start").status == 404)
            #expect(try await node.delete("/api/v1/vms/ghost").status == 404)
            let job = try await node.get("/api/v1/vms/jobs/ghost")
            #expect(job.status == 404)
            #expect(try job.object()["detail"] as? String == "job not found")
            #expect(try await node.get("/api/v1/nothing-here").status == 404)

            let stream = try await node.get("/api/v1/vms/ghost/stream")
            #expect(stream.status == 400)
            #expect(try stream.object()["detail"] as? String == "streaming payments not enabled on this provider")
            #expect(try await node.get("/api/v1/payments/streams").status == 400)
            #expect(try await node.get("/api/v1/vms").text == "[]")
        }
    }
}
