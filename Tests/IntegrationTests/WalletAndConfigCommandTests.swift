import Foundation
import ProviderTestSupport
import Testing

@Suite("wallet and config commands, real executables", .serialized)
struct WalletAndConfigCommandTests {
    @Test("wallet show and faucet-l2: the proof of work is solved, the faucet pays a new wallet, a funded one is not asked, no faucet on mainnet")
    func faucet() async throws {
        let chain = try Devchain()
        defer { chain.stop() }
        let port = try FreePorts.one()
        let state = try Scratch.makeDirectory(prefix: "faucet") + "/faucet"
        let standIn = Process()
        standIn.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        standIn.arguments = [Fixtures.faucetStandIn, "--port", String(port), "--key", "test-key", "--state", state]
        let output = Pipe()
        standIn.standardOutput = output
        try standIn.run()
        defer { kill(standIn.processIdentifier, SIGKILL); standIn.waitUntilExit() }   // SIGTERM may be blocked in children of the test process
        _ = output.fileHandleForReading.availableData   // "serving"

        // A fresh wallet (no ETHEREUM_PRIVATE_KEY): balance 0 on the devchain.
        var environment = paymentsEnvironment(chain, extra: [
            "GOLEM_PROVIDER_L2_FAUCET_URL": "http://127.0.0.1:\(port)",
            "GOLEM_PROVIDER_L2_CAPTCHA_URL": "http://127.0.0.1:\(port)",
            "GOLEM_PROVIDER_L2_CAPTCHA_API_KEY": "test-key",
        ])
        environment.removeValue(forKey: "GOLEM_PROVIDER_ETHEREUM_PRIVATE_KEY")
        try await TestNode.withNode(extraEnvironment: environment) { node in
            let show = try node.cli(["wallet", "show", "--json"])
            #expect(show.status == 0, "\(show.output)")
            let wallet = try #require(try JSONSerialization.jsonObject(with: Data(show.output.utf8)) as? [String: Any])
            let address = try #require(wallet["address"] as? String)
            #expect((wallet["balance_wei"] as? NSNumber)?.intValue == 0)
            #expect((wallet["chain_id"] as? NSNumber)?.intValue == 17000)

            let faucet = try node.cli(["wallet", "faucet-l2"], mergeErrors: true)
            #expect(faucet.status == 0, "\(faucet.output)")
            #expect(faucet.output.contains("Faucet tx: 0x"), "\(faucet.output)")
            let calls = try String(contentsOfFile: state + ".calls", encoding: .utf8).split(separator: "\n")
            #expect(calls.count == 3)
            #expect(calls.last?.contains(address) == true)
        }
        // The funded provider key: the faucet is not asked.
        try await TestNode.withNode(extraEnvironment: paymentsEnvironment(chain, extra: ["GOLEM_PROVIDER_L2_FAUCET_URL": "http://127.0.0.1:\(port)"])) { node in
            let faucet = try node.cli(["wallet", "faucet-l2"], mergeErrors: true)
            #expect(faucet.status == 0)
            #expect(faucet.output.contains("enough gas, faucet not asked"), "\(faucet.output)")
        }
        let noFaucet = try TestNode(extraEnvironment: ["GOLEM_PROVIDER_PAYMENTS_NETWORK": "mainnet"]).cli(["wallet", "faucet-l2"], mergeErrors: true)
        #expect(noFaucet.status == 1)
        #expect(noFaucet.output.contains("Faucet is disabled for current payments network."), "\(noFaucet.output)")
    }

    @Test("config withdraw|monitor write the original's .env keys; bad values are refused and change nothing")
    func config() throws {
        let node = try TestNode()
        let withdraw = try node.cli(["config", "withdraw", "--enable", "--interval", "600", "--min-wei", "1000000000000000"], mergeErrors: true)
        #expect(withdraw.status == 0, "\(withdraw.output)")
        #expect(withdraw.output.contains("Updated withdraw settings in \(node.dataDirectory)/.env"))
        let monitor = try node.cli(["config", "monitor", "--disable", "--interval", "15", "--min-remaining", "3600"], mergeErrors: true)
        #expect(monitor.status == 0, "\(monitor.output)")
        let env = try String(contentsOfFile: node.dataDirectory + "/.env", encoding: .utf8)
        for line in ["GOLEM_PROVIDER_STREAM_WITHDRAW_ENABLED=true", "GOLEM_PROVIDER_STREAM_WITHDRAW_INTERVAL_SECONDS=600",
                     "GOLEM_PROVIDER_STREAM_MIN_WITHDRAW_WEI=1000000000000000", "GOLEM_PROVIDER_STREAM_MONITOR_ENABLED=false",
                     "GOLEM_PROVIDER_STREAM_MONITOR_INTERVAL_SECONDS=15", "GOLEM_PROVIDER_STREAM_MIN_REMAINING_SECONDS=3600"] {
            #expect(env.contains(line), "missing \(line) in\n\(env)")
        }
        let none = try node.cli(["config", "withdraw"], mergeErrors: true)
        #expect(none.output.contains("No changes (use --enable/--interval/--min-wei)"))
        for bad in [["config", "withdraw", "--min-wei", "-5"], ["config", "monitor", "--interval", "0"], ["config", "withdraw", "--enable", "--disable"]] {
            let refused = try node.cli(bad, mergeErrors: true)
            #expect(refused.status != 0, "\(bad) was accepted")
        }
        #expect(try String(contentsOfFile: node.dataDirectory + "/.env", encoding: .utf8) == env)
    }
}
