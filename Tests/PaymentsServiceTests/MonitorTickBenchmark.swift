import Ethereum
import Foundation
import Logging
import ProviderTestSupport
import Shared
import Testing
@testable import PaymentsService

/// benchmarks/monitor-tick.sh: one monitor tick over many bound streams on the devchain (all of them read in one
/// JSON-RPC batch), side by side with the original's way (one `streams(id)` call per stream after one block read),
/// in one run, medians of several rounds. Off unless GOLEM_BENCH_MONITOR_STREAMS is set (it creates that many
/// streams first, which takes a while on py-evm).
@Suite("Monitor tick benchmark", .serialized, .enabled(if: ProcessInfo.processInfo.environment["GOLEM_BENCH_MONITOR_STREAMS"] != nil))
struct MonitorTickBenchmark {
    let count = Int(ProcessInfo.processInfo.environment["GOLEM_BENCH_MONITOR_STREAMS"] ?? "") ?? 1000
    let rounds = Int(ProcessInfo.processInfo.environment["GOLEM_BENCH_ROUNDS"] ?? "") ?? 5

    @Test func tickOverManyStreams() async throws {
        let chain = try Devchain()
        defer { chain.stop() }
        let rpc = JSONRPCClient(url: chain.facts.rpc)
        let node = EthereumNode(rpc: rpc)
        let contract = try Address(chain.facts.streamPayment)
        let provider = try Address(chain.facts.accounts[5])
        let rate: UInt256 = 1_000_000_000_000
        let deposit = rate * UInt256(30 * 86400)

        let setupStart = ContinuousClock.now
        let create = "0x" + Hex.encode(ABI.call("createStream(address,address,uint256,uint128)", [.address(.zero), .address(provider), .uint(deposit), .uint(rate)]))
        for batchStart in stride(from: 0, to: count, by: 100) {
            let calls = (batchStart..<min(batchStart + 100, count)).map { _ in
                (method: "eth_sendTransaction", params: [JSON.object([
                    "from": .string(chain.facts.accounts[2]), "to": .string(contract.checksummed),
                    "data": .string(create), "value": .string(deposit.hexQuantity)])])
            }
            for answer in try await rpc.batch(calls) { _ = try answer.get() }
        }
        let setup = ContinuousClock.now - setupStart

        let folder = NSTemporaryDirectory() + "bench-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let database = try PaymentsDatabase.open(path: folder + "/payments.sqlite")
        let bindings = StreamBindingStore(database: database)
        _ = try bindings.insertMissing((1...count).map { StreamBinding(vmID: "vm-\($0)", streamID: String($0), boundAtMs: 0, finishedAtMs: nil) })

        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let reader = StreamReader(node: node, contract: contract)
        let sender = WithdrawalSender(
            node: node, contract: contract, key: try PrivateKey(bytes: Hex.decode(chain.facts.keys[5])!),
            policy: .init(maxFeePerGas: 1_000_000_000_000, receiptTimeout: .seconds(10)), ledger: WithdrawalLedger(database: database), logger: logger)
        // Every stream pays: the tick reads and decides, it never calls golem-vm (nothing listens on this socket).
        let vms = VMServiceClient(wrapping: try RPCEndpoints.makeClient(address: .unix(folder + "/no-vm.sock")))
        func monitor(fullReadInterval: Duration) -> StreamMonitor {
            StreamMonitor(
                bindings: bindings, reader: reader, sender: sender, vms: vms, provider: provider,
                options: .init(policy: MonitorPolicy(withdrawInterval: 1800, minimumWithdraw: 0, deleteGraceSeconds: 3600), withdrawEnabled: false,
                               fullReadInterval: fullReadInterval),
                logger: logger)
        }
        let alwaysFull = monitor(fullReadInterval: .zero)
        let following = monitor(fullReadInterval: .seconds(86400))
        await following.tick()   // its first tick reads everything

        var full: [Double] = [], steady: [Double] = [], oneByOne: [Double] = []
        let topUp = ABI.call("topUp(uint256,uint256)", [.uint(UInt256(UInt64(count / 2))), .uint(rate * 60)])
        for _ in 0..<rounds {
            // Between ticks a requestor tops one stream up: the following monitor reads that one again.
            _ = try await rpc.call("eth_sendTransaction", [.object([
                "from": .string(chain.facts.accounts[2]), "to": .string(contract.checksummed),
                "data": .string("0x" + Hex.encode(topUp)), "value": .string((rate * 60).hexQuantity)])])
            var start = ContinuousClock.now
            #expect(await alwaysFull.tick() == count)
            full.append(Self.seconds(ContinuousClock.now - start))
            start = ContinuousClock.now
            #expect(await following.tick() == 1)
            steady.append(Self.seconds(ContinuousClock.now - start))

            // The original's monitor: the latest block, then one streams(id) call per stream, one after another.
            start = ContinuousClock.now
            _ = try await node.blockNumber()
            for id in 1...count {
                _ = try await node.call(to: contract, data: ABI.call("streams(uint256)", [.uint(UInt256(UInt64(id)))]))
            }
            oneByOne.append(Self.seconds(ContinuousClock.now - start))
        }
        for monitor in [alwaysFull, following] {
            let counters = await monitor.counters
            #expect(counters.failedTicks == 0 && counters.failedReads == 0 && counters.stopped == 0)
        }
        func list(_ values: [Double]) -> String { values.map { String(format: "%.3f", $0) }.joined(separator: ", ") }
        let (f, t, o) = (Self.median(full), Self.median(steady), Self.median(oneByOne))
        print(String(format: """
            monitor tick over %d bound streams on the devchain, medians of %d rounds:
              following the contract's logs (1 stream changed): %.3f s  [%@]
              reading every stream (batched, 200 per eth_call): %.3f s  [%@]
              the original's way (one eth_call per stream):     %.3f s  [%@]
              ratios: original / following %.0fx, original / full read %.2fx; setup %.1f s
            """, count, rounds, t, list(steady), f, list(full), o, list(oneByOne), o / t, o / f, Self.seconds(setup)))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
