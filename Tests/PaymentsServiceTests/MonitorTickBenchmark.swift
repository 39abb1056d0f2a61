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
        let monitor = StreamMonitor(
            bindings: bindings, reader: reader, sender: sender, vms: vms, provider: provider,
            options: .init(policy: MonitorPolicy(withdrawInterval: 1800, minimumWithdraw: 0, deleteGraceSeconds: 3600), withdrawEnabled: false),
            logger: logger)

        let ids = (1...count).map { UInt256(UInt64($0)) }
        let readStart = ContinuousClock.now
        let reading = try await reader.read(ids)
        let readTime = ContinuousClock.now - readStart
        let plainStart = ContinuousClock.now
        let plain = try await reader.readOneByOne(ids)
        let plainTime = ContinuousClock.now - plainStart
        #expect(reading.streams.count == count && plain.count == count)
        #expect(ids.allSatisfy { (try? reading.streams[$0]?.get()) == (try? plain[$0]?.get()) })
        print("read \(count) streams: batched code \(readTime), one eth_call each in one batch \(plainTime)")
        var batched: [Double] = []
        var oneByOne: [Double] = []
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            let read = await monitor.tick()
            batched.append(Self.seconds(ContinuousClock.now - start))
            #expect(read == count)
            let counters = await monitor.counters
            #expect(counters.failedTicks == 0 && counters.failedReads == 0 && counters.stopped == 0)

            let sequentialStart = ContinuousClock.now
            _ = try await node.blockNumber()
            for id in 1...count {
                _ = try await node.call(to: contract, data: ABI.call("streams(uint256)", [.uint(UInt256(UInt64(id)))]))
            }
            oneByOne.append(Self.seconds(ContinuousClock.now - sequentialStart))
        }
        let tick = Self.median(batched), sequential = Self.median(oneByOne)
        print(String(format: "monitor tick over %d streams: median %.3f s (rounds %@); one call per stream: median %.3f s; ratio %.2fx; setup %.1f s",
                     count, tick, batched.map { String(format: "%.3f", $0) }.joined(separator: ", "), sequential, sequential / tick, Self.seconds(setup)))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
