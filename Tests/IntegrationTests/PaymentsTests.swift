import Ethereum
import Foundation
import ProviderTestSupport
import Shared
import Testing

/// A requestor on the devchain: opens, halts and terminates StreamPayment streams with eth_sendTransaction
/// (eth-tester's accounts are unlocked), and reads what the chain says.
struct ChainRequestor {
    let chain: Devchain
    let rpc: JSONRPCClient
    let node: EthereumNode
    let contract: Address
    var requestor: String { chain.facts.accounts[2] }

    init(_ chain: Devchain) throws {
        self.chain = chain
        rpc = JSONRPCClient(url: chain.facts.rpc)
        node = EthereumNode(rpc: rpc)
        contract = try Address(chain.facts.streamPayment)
    }

    /// Opens a native-ETH stream and answers its id.
    func openStream(to recipient: String, rate: UInt256, seconds: UInt64, token: Address = .zero) async throws -> UInt256 {
        let deposit = rate * UInt256(seconds)
        let data = ABI.call("createStream(address,address,uint256,uint128)", [.address(token), .address(try Address(recipient)), .uint(deposit), .uint(rate)])
        if !token.isZero {
            try await send(to: token, ABI.call("mint(address,uint256)", [.address(try Address(requestor)), .uint(deposit)]))
            try await send(to: token, ABI.call("approve(address,uint256)", [.address(contract), .uint(deposit)]))
        }
        try await send(to: contract, data, value: token.isZero ? deposit : .zero)
        let next = try ABI.decode([.uint(256)], from: try await node.call(to: contract, data: ABI.call("nextStreamId()", [])))
        return next[0].uint!
    }

    func halt(_ id: UInt256) async throws {
        try await send(to: contract, ABI.call("haltStream(uint256)", [.uint(id)]), from: chain.facts.oracle)
    }

    func terminate(_ id: UInt256) async throws {
        try await send(to: contract, ABI.call("terminate(uint256)", [.uint(id)]))
    }

    func stream(_ id: UInt256) async throws -> [ABI.Value] {
        try ABI.decode([.address, .address, .address, .uint(128), .uint(128), .uint(128), .uint(256), .uint(256), .bool],
                       from: try await node.call(to: contract, data: ABI.call("streams(uint256)", [.uint(id)])))
    }

    /// Moves chain time on and mines a block with it.
    func advance(seconds: UInt64) async throws {
        _ = try await rpc.call("evm_increaseTime", [.string(UInt256(seconds).hexQuantity)])
        _ = try await rpc.call("evm_mine")
    }

    func send(to: Address, _ data: [UInt8], value: UInt256 = .zero, from: String? = nil) async throws {
        let hash = try await rpc.call("eth_sendTransaction", [.object([
            "from": .string(from ?? requestor), "to": .string(to.checksummed),
            "data": .string("0x" + Hex.encode(data)), "value": .string(value.hexQuantity)])])
        let receipt = try #require(try await node.receipt(hash.string ?? ""))
        #expect(receipt.succeeded, "transaction to \(to) reverted")
    }
}

/// The provider's key on the devchain (account 5: funded for gas) and the settings that point the node at it.
func paymentsEnvironment(_ chain: Devchain, extra: [String: String] = [:]) -> [String: String] {
    [
        "GOLEM_PROVIDER_L2_RPC_URL": chain.facts.rpc,
        "GOLEM_PROVIDER_STREAM_PAYMENT_ADDRESS": chain.facts.streamPayment,
        "GOLEM_PROVIDER_GLM_TOKEN_ADDRESS": "0x0000000000000000000000000000000000000000",
        "GOLEM_PROVIDER_ETHEREUM_PRIVATE_KEY": chain.facts.keys[5],
        "GOLEM_PROVIDER_STREAM_MONITOR_INTERVAL_SECONDS": "0.5",
        "GOLEM_PROVIDER_STREAM_DELETE_GRACE_SECONDS": "600",
        // 2.628 ETH per core-month is 10^12 wei per core-second; RAM and disk are free.
        "GOLEM_PROVIDER_PRICE_GLM_PER_CORE_MONTH": "2.628",
    ].merging(extra) { $1 }
}

let corePerSecond: UInt256 = 1_000_000_000_000

/// A devchain, a requestor on it, and a started node paid through it whose VMs' sshd is a stand-in.
func withPaidNode(extra: [String: String] = [:], _ body: (Devchain, ChainRequestor, TestNode) async throws -> Void) async throws {
    let chain = try Devchain()
    defer { chain.stop() }
    let requestor = try ChainRequestor(chain)
    try await TestNode.withNode(extraEnvironment: paymentsEnvironment(chain, extra: extra)) { node in
        let vmSSH = try BannerServer(port: node.guestSSHPort)
        defer { vmSSH.stop() }
        try await body(chain, requestor, node)
    }
}

/// Runs a `--json` command and parses its object.
func cliJSON(_ node: TestNode, _ arguments: [String]) throws -> (status: Int32, object: [String: Any]) {
    let result = try node.cli(arguments)
    guard let object = try? JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any] else {
        throw TestFailure("\(arguments.joined(separator: " ")) printed no JSON object: \(result.output)")
    }
    return (result.status, object)
}

func paidCreateBody(_ name: String, stream: UInt256?, cpu: Int = 1) -> String {
    let streamField = stream.map { #","stream_id":\#($0)"# } ?? ""
    return #"{"name":"\#(name)","resources":{"cpu":\#(cpu),"memory":1,"storage":10},"ssh_key":"\#(sshKey)"\#(streamField)}"#
}

func detail(_ answer: HTTPAnswer) -> String { ((try? answer.object())?["detail"] as? String) ?? answer.text }

/// Polls until `condition` holds (the monitor ticks every 0.5 s).
func eventually(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(200))
    }
    throw TestFailure("timed out waiting for: \(what)")
}

@Suite("Payments on the devchain, real executables", .serialized)
struct PaymentsTests {
    @Test("create is refused for each gate rule with the original's `invalid stream: <reason>`, nothing is created; a good stream is accepted once")
    func gate() async throws {
        try await withPaidNode(extra: ["GOLEM_PROVIDER_STREAM_MIN_REMAINING_SECONDS": "600"]) { chain, requestor, node in
            let provider = chain.facts.accounts[5]
            let info = try await node.get("/api/v1/provider/info").object()
            #expect(info["provider_id"] as? String == (try Address(provider)).checksummed)
            #expect(info["stream_payment_address"] as? String == (try Address(chain.facts.streamPayment)).checksummed)
            #expect(info["glm_token_address"] as? String == Address.zero.checksummed)

            func refused(_ stream: UInt256?, _ expected: String, cpu: Int = 1) async throws {
                let answer = try await node.post("/api/v1/vms", body: paidCreateBody("refused-vm", stream: stream, cpu: cpu))
                #expect(answer.status == 400, "\(expected): \(answer.status) \(answer.text)")
                #expect(detail(answer).contains(expected), "expected '\(expected)' in \(answer.text)")
            }
            try await refused(nil, "stream_id required when payments are enabled")
            try await refused(999, "invalid stream: stream 999 does not exist")
            let toSomeoneElse = try await requestor.openStream(to: chain.facts.accounts[3], rate: corePerSecond, seconds: 3600)
            try await refused(toSomeoneElse, "invalid stream: recipient mismatch")
            let halted = try await requestor.openStream(to: provider, rate: corePerSecond, seconds: 3600)
            try await requestor.halt(halted)
            try await refused(halted, "invalid stream: stream halted")
            let inGLM = try await requestor.openStream(to: provider, rate: corePerSecond, seconds: 3600, token: try Address(chain.facts.glm))
            try await refused(inGLM, "invalid stream: token mismatch")
            let short = try await requestor.openStream(to: provider, rate: corePerSecond, seconds: 300)
            try await refused(short, "invalid stream: remaining runway")
            let cheap = try await requestor.openStream(to: provider, rate: corePerSecond / 2, seconds: 7200)
            try await refused(cheap, "invalid stream: rate 500000000000 per second is below the price")
            let good = try await requestor.openStream(to: provider, rate: corePerSecond, seconds: 3600)
            try await refused(good, "below the price", cpu: 2)            // two cores cost twice the rate
            let ended = try await requestor.openStream(to: provider, rate: corePerSecond, seconds: 700)
            try await requestor.advance(seconds: 800)
            try await refused(ended, "invalid stream: stream ended")
            #expect(try await node.get("/api/v1/vms").json() as? [Any] != nil)
            #expect((try await node.get("/api/v1/vms").json() as? [Any])?.isEmpty == true, "a refused create left a VM")

            let accepted = try await node.post("/api/v1/vms", body: paidCreateBody("paid-vm", stream: good))
            #expect(accepted.status == 200, "\(accepted.text)")
            try await refused(good, "invalid stream: stream already pays for VM paid-vm")

            // The stream routes, in the original's shapes.
            let status = try await node.get("/api/v1/vms/paid-vm/stream")
            #expect(status.status == 200, "\(status.text)")
            let body = try status.object()
            #expect(body["vm_id"] as? String == "paid-vm")
            #expect((body["stream_id"] as? NSNumber)?.stringValue == good.description)
            #expect(body["verified"] as? Bool == true)
            #expect(body["reason"] as? String == "ok")
            let chainPart = try #require(body["chain"] as? [String: Any])
            #expect((chainPart["ratePerSecond"] as? NSNumber)?.stringValue == corePerSecond.description)
            #expect(Set(chainPart.keys) == ["token", "sender", "recipient", "startTime", "stopTime", "ratePerSecond", "deposit", "withdrawn", "halted"])
            let computed = try #require(body["computed"] as? [String: Any])
            #expect(Set(computed.keys) == ["now", "remaining_seconds", "vested_wei", "withdrawable_wei"])
            let all = try #require(try await node.get("/api/v1/payments/streams").json() as? [[String: Any]])
            #expect(all.map { $0["vm_id"] as? String } == ["paid-vm"])
            #expect(try await node.get("/api/v1/vms/nobody/stream").status == 404)

            // A second create under the same name is 409 and leaves the first VM's binding alone.
            let other = try await requestor.openStream(to: provider, rate: corePerSecond, seconds: 3600)
            let duplicate = try await node.post("/api/v1/vms", body: paidCreateBody("paid-vm", stream: other))
            #expect(duplicate.status == 409, "\(duplicate.text)")
            #expect(try await node.get("/api/v1/vms/paid-vm/stream").object()["stream_id"] as? Int == Int(good.description))
            let duplicateSameStream = try await node.post("/api/v1/vms", body: paidCreateBody("paid-vm", stream: good))
            #expect(duplicateSameStream.status == 409, "\(duplicateSameStream.text)")
            #expect(try await node.get("/api/v1/payments/streams").json() as? [Any] != nil)
            #expect((try await node.get("/api/v1/payments/streams").json() as? [[String: Any]])?.count == 1)

            // Deleting the VM frees the stream for another VM.
            #expect(try await node.delete("/api/v1/vms/paid-vm").status == 200)
            let again = try await node.post("/api/v1/vms?async=true", body: paidCreateBody("paid-vm-2", stream: good))
            #expect(again.status == 202, "\(again.text)")
        }
    }

    @Test("the monitor stops the VMs of an ended, a halted and a terminated stream, withdraws what is left, deletes after the grace period")
    func monitorStopsAndWithdraws() async throws {
        try await withPaidNode { chain, requestor, node in
            let provider = try Address(chain.facts.accounts[5])
            let ending = try await requestor.openStream(to: provider.checksummed, rate: corePerSecond, seconds: 100)
            let halting = try await requestor.openStream(to: provider.checksummed, rate: corePerSecond, seconds: 3600)
            let terminating = try await requestor.openStream(to: provider.checksummed, rate: corePerSecond, seconds: 3600)
            let lasting = try await requestor.openStream(to: provider.checksummed, rate: corePerSecond, seconds: 7200)
            let toppedUp = try await requestor.openStream(to: provider.checksummed, rate: corePerSecond, seconds: 100)
            for (name, stream) in [("ending", ending), ("halting", halting), ("terminating", terminating), ("lasting", lasting), ("topped-up", toppedUp)] {
                let answer = try await node.post("/api/v1/vms", body: paidCreateBody(name, stream: stream))
                #expect(answer.status == 200, "\(name): \(answer.text)")
            }
            try await requestor.advance(seconds: 50)
            // A top-up moves the stop time: the monitor learns it from the contract's log and keeps that VM running.
            try await requestor.send(to: requestor.contract, ABI.call("topUp(uint256,uint256)", [.uint(toppedUp), .uint(corePerSecond * 3600)]),
                                     value: corePerSecond * 3600)
            // Terminating pays the provider its share directly; the balance is counted from after that.
            try await requestor.terminate(terminating)
            let before = try await requestor.node.balance(of: provider)
            try await requestor.halt(halting)
            try await requestor.advance(seconds: 100)   // "ending" is now past its stop time

            for name in ["ending", "halting", "terminating"] { _ = try await waitForStatus(node, name, "stopped") }
            for name in ["lasting", "topped-up"] {
                #expect(try await node.get("/api/v1/vms/\(name)").object()["status"] as? String == "running", "\(name)")
            }
            // The final withdrawals: everything the ended and the halted stream vested is now the provider's.
            try await eventually("final withdrawals mined") {
                let e = try await requestor.stream(ending), h = try await requestor.stream(halting)
                return e[7] == e[6] && !(h[7].uint ?? .zero).isZero
            }
            let endedStream = try await requestor.stream(ending)
            #expect(endedStream[7].uint == corePerSecond * 100)
            let haltedStream = try await requestor.stream(halting)
            #expect(haltedStream[7].uint == (haltedStream[4].uint! - haltedStream[3].uint!) * corePerSecond)
            let earnings = try cliJSON(node, ["streams", "earnings", "--json"])
            #expect(earnings.status == 0)
            let ledger = try #require(earnings.object["ledger"] as? [String: Any])
            #expect((ledger["confirmed"] as? Int) == 2)
            let paid = try UInt256(decimal: (ledger["paid_wei"] as? NSNumber)?.stringValue ?? "0")
            let fees = try UInt256(decimal: (ledger["fees_wei"] as? NSNumber)?.stringValue ?? "0")
            #expect(paid == endedStream[7].uint! + haltedStream[7].uint!)
            #expect(try await requestor.node.balance(of: provider) == before + paid - fees)
            // The terminated stream paid the provider itself; nothing was withdrawn for it.
            #expect((try await requestor.stream(terminating))[2].address == .zero)

            // After the grace period (600 s of chain time) the stopped VMs are deleted; the paying one stays.
            try await requestor.advance(seconds: 700)
            try await eventually("stopped VMs deleted") {
                for name in ["ending", "halting", "terminating"] where try await node.get("/api/v1/vms/\(name)").status != 404 { return false }
                return true
            }
            #expect(try await node.get("/api/v1/vms/lasting").object()["status"] as? String == "running")
            let payments = try #require(try cliJSON(node, ["status", "--json"]).object["payments"] as? [String: String])
            #expect(payments["payments"] == "enabled")
            #expect(payments["monitor_stopped_vms"] == "3")
            #expect(payments["monitor_deleted_vms"] == "3")
        }
    }

    @Test("a SIGKILLed golem-payments comes back with every binding; the original's streams.json is imported at start")
    func restartKeepsBindings() async throws {
        let chain = try Devchain()
        defer { chain.stop() }
        let requestor = try ChainRequestor(chain)
        let provider = chain.facts.accounts[5]
        let legacy = try await requestor.openStream(to: provider, rate: corePerSecond, seconds: 3600)
        let node = try TestNode(extraEnvironment: paymentsEnvironment(chain))
        try FileManager.default.createDirectory(atPath: node.dataDirectory + "/vms", withIntermediateDirectories: true)
        try Data(#"{"legacy-vm": \#(legacy)}"#.utf8).write(to: URL(fileURLWithPath: node.dataDirectory + "/vms/streams.json"))
        try await node.start()
        do {
            let vmSSH = try BannerServer(port: node.guestSSHPort)
            defer { vmSSH.stop() }
            let stream = try await requestor.openStream(to: provider, rate: corePerSecond, seconds: 3600)
            #expect(try await node.post("/api/v1/vms", body: paidCreateBody("survivor", stream: stream)).status == 200)

            let before = try #require(node.servicePID("golem-payments"))
            kill(before, SIGKILL)
            try await eventually("golem-payments restarted") {
                if let pid = node.servicePID("golem-payments"), pid != before, kill(pid, 0) == 0 { return true }
                return false
            }
            try await node.waitUntilServing()
            try await eventually("streams listed again") { try node.cli(["streams", "list", "--json"]).status == 0 }
            let rows = try #require(try cliJSON(node, ["streams", "list", "--json"]).object["streams"] as? [[String: Any]])
            #expect(Set(rows.compactMap { $0["vm_id"] as? String }) == ["legacy-vm", "survivor"])
            // The one-VM-per-stream rule survived too.
            let thief = try await node.post("/api/v1/vms", body: paidCreateBody("thief", stream: stream))
            #expect(thief.status == 400 && detail(thief).contains("already pays for VM survivor"), "\(thief.text)")
        } catch {
            await node.stop()
            throw error
        }
        await node.stop()
    }

    @Test("a VM deleted directly through golem-vm (not the gateway) has its binding finished from golem-vm's Watch stream")
    func deletionFollowed() async throws {
        try await withPaidNode { chain, requestor, node in
            let stream = try await requestor.openStream(to: chain.facts.accounts[5], rate: corePerSecond, seconds: 3600)
            #expect(try await node.post("/api/v1/vms", body: paidCreateBody("gone", stream: stream)).status == 200)
            let client = try RPCEndpoints.makeClient(address: .unix(node.dataDirectory + "/run/vm.sock"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await client.runConnections() }
                defer { client.beginGracefulShutdown() }
                _ = try await VMServiceClient(wrapping: client).delete(.with { $0.vmID = "gone" })
            }
            try await eventually("the binding finished") {
                (try cliJSON(node, ["streams", "list", "--json"]).object["streams"] as? [Any])?.isEmpty == true
            }
            #expect(node.log().contains("VM deleted; its stream binding is finished"))
            let reused = try await node.post("/api/v1/vms", body: paidCreateBody("next", stream: stream))
            #expect(reused.status == 200, "\(reused.text)")
        }
    }

    @Test("with the chain down for many monitor ticks nothing is stopped or deleted; the failures are counted")
    func chainOutageActsOnNothing() async throws {
        try await withPaidNode(extra: ["GOLEM_PROVIDER_STREAM_DELETE_GRACE_SECONDS": "0"]) { chain, requestor, node in
            let stream = try await requestor.openStream(to: chain.facts.accounts[5], rate: corePerSecond, seconds: 3600)
            #expect(try await node.post("/api/v1/vms", body: paidCreateBody("kept", stream: stream)).status == 200)
            chain.stop()
            try await Task.sleep(for: .seconds(6))   // many ticks, each failing after its retries
            #expect(try await node.get("/api/v1/vms/kept").object()["status"] as? String == "running")
            let payments = try #require(try cliJSON(node, ["status", "--json"]).object["payments"] as? [String: String])
            #expect(Int(payments["monitor_failed_ticks"] ?? "0") ?? 0 >= 3, "\(payments)")
            #expect(payments["monitor_stopped_vms"] == "0")
            #expect(!node.multipassCalls().contains { $0.first == "stop" || $0.first == "delete" })
            let show = try node.cli(["streams", "show", "kept", "--json"])
            #expect(show.status == 1)
            // A create now cannot be checked: 503, try again; nothing created.
            let refused = try await node.post("/api/v1/vms", body: paidCreateBody("unpaid", stream: stream))
            #expect(refused.status == 503, "\(refused.text)")
            #expect(try await node.get("/api/v1/vms/unpaid").status == 404)
        }
    }

    @Test("`streams withdraw --all` moves exactly what the stream pays: the provider's balance grows by the amount minus gas")
    func manualWithdrawal() async throws {
        try await withPaidNode { chain, requestor, node in
            let provider = try Address(chain.facts.accounts[5])
            let stream = try await requestor.openStream(to: provider.checksummed, rate: corePerSecond, seconds: 3600)
            #expect(try await node.post("/api/v1/vms", body: paidCreateBody("earner", stream: stream)).status == 200)
            try await requestor.advance(seconds: 120)

            let list = try cliJSON(node, ["streams", "list", "--json"])
            #expect(list.status == 0)
            let rows = try #require(list.object["streams"] as? [[String: Any]])
            #expect(rows.count == 1)
            #expect(Set(rows[0].keys) == ["vm_id", "stream_id", "token", "recipient", "start", "stop", "rate", "deposit", "withdrawn", "remaining", "verified", "reason", "withdrawable"])
            let listed = try UInt256(decimal: (rows[0]["withdrawable"] as? NSNumber)?.stringValue ?? "0")
            #expect(listed >= corePerSecond * 120)

            let balanceBefore = try await requestor.node.balance(of: provider)
            let withdrawnBefore = try await requestor.stream(stream)[7].uint!
            let result = try cliJSON(node, ["streams", "withdraw", "--all", "--json"])
            #expect(result.status == 0, "\(result.object)")
            let withdrawals = try #require(result.object["withdrawals"] as? [[String: Any]])
            #expect(withdrawals.count == 1)
            #expect(withdrawals.first?["status"] as? String == "confirmed")
            let amount = try UInt256(decimal: (withdrawals[0]["amount_wei"] as? NSNumber)?.stringValue ?? "0")
            let fee = try UInt256(decimal: (withdrawals[0]["fee_wei"] as? NSNumber)?.stringValue ?? "0")
            let withdrawnAfter = try await requestor.stream(stream)[7].uint!
            #expect(amount == withdrawnAfter - withdrawnBefore)
            #expect(amount >= listed)
            #expect(!fee.isZero)
            #expect(try await requestor.node.balance(of: provider) == balanceBefore + amount - fee)

            // Nothing left (within the block's second): a second --vm-id withdrawal explains instead of paying gas for nothing.
            let none = try node.cli(["streams", "withdraw"])
            #expect(none.status == 1)
            #expect(none.output.contains("Specify --vm-id or --all"))
            // The same facts for a person.
            let table = try node.cli(["streams", "list"])
            #expect(table.status == 0 && table.output.contains("earner") && table.output.contains(" ETH"), "\(table.output)")
            let show = try node.cli(["streams", "show", "earner"])
            #expect(show.output.contains("Verified:      yes") && show.output.contains("Withdrawable:"), "\(show.output)")
            let earnings = try node.cli(["streams", "earnings"])
            #expect(earnings.output.contains("Withdrawals:   1 confirmed of 1"), "\(earnings.output)")
            let wallet = try node.cli(["wallet", "show", "--json"])
            #expect(wallet.output.contains(provider.checksummed), "\(wallet.output)")
        }
    }

    @Test("payments off: the stream commands say so (the original's streaming_disabled)")
    func paymentsOff() async throws {
        try await TestNode.withNode { node in
            let list = try node.cli(["streams", "list", "--json"])
            #expect(list.status == 1)
            #expect(list.output.contains(#""error": "streaming_disabled""#), "\(list.output)")
            let stream = try await node.get("/api/v1/payments/streams")
            #expect(stream.status == 400)
            #expect(detail(stream) == "streaming payments not enabled on this provider")
        }
    }
}

/// The whole path with a real guest: a stream pays for a QEMU VM reached over SSH; when the stream runs out the
/// monitor stops the guest (its QEMU process ends, the disk stays) and deletes it after the grace period.
@Suite("Payments with a real QEMU guest", .serialized)
struct PaidQemuVMTests {
    @Test("a paid QEMU VM answers SSH; its stream ends: the guest is stopped, then deleted after the grace period")
    func paidGuestLifecycle() async throws {
        try GuestImages.requireDebian()
        let chain = try Devchain()
        defer { chain.stop() }
        let requestor = try ChainRequestor(chain)
        let environment = QemuVMTests.environment().merging(paymentsEnvironment(chain, extra: ["GOLEM_PROVIDER_STREAM_DELETE_GRACE_SECONDS": "600"])) { $1 }
        try await TestNode.withNode(extraEnvironment: environment) { node in
            let ssh = try RequestorSSH(folder: node.root)
            // Two cores: twice the per-core price; ten minutes of runway, far more than the boot takes.
            let stream = try await requestor.openStream(to: chain.facts.accounts[5], rate: corePerSecond * 2, seconds: 600)
            let body = #"{"name":"paid-qemu","resources":{"cpu":2,"memory":1,"storage":10},"ssh_key":"\#(ssh.publicKey)","stream_id":\#(stream)}"#
            #expect(try await node.post("/api/v1/vms?async=true", body: body).status == 202)
            _ = try await waitForStatus(node, "paid-qemu", "running", timeout: .seconds(400))
            let port = try #require(try await node.get("/api/v1/vms/paid-qemu/access").object()["ssh_port"] as? Int)
            #expect(try ssh.run("hostname", port: port).output.contains("paid-qemu"))
            #expect(node.qemuPIDs().count == 1)

            try await requestor.advance(seconds: 700)
            _ = try await waitForStatus(node, "paid-qemu", "stopped", timeout: .seconds(120))
            #expect(node.qemuPIDs().isEmpty, "the guest still runs after its stream ended")
            #expect((try? FileManager.default.contentsOfDirectory(atPath: node.instancesDirectory))?.isEmpty == false, "the stopped VM's disk is gone")
            try await eventually("the final withdrawal took the whole deposit") {
                let paid = try await requestor.stream(stream)
                return paid[7] == paid[6]
            }

            try await requestor.advance(seconds: 700)
            try await eventually("the stopped VM deleted after the grace period", timeout: .seconds(120)) {
                try await node.get("/api/v1/vms/paid-qemu").status == 404
            }
            #expect((try? FileManager.default.contentsOfDirectory(atPath: node.instancesDirectory))?.isEmpty ?? true)
        }
    }
}
