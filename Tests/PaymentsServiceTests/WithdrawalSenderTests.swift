import Ethereum
import Foundation
import Logging
import ProviderTestSupport
import Testing
@testable import PaymentsService

/// The withdrawal sender against the devchain: concurrent withdrawals get their own nonces, the fee cap holds,
/// a withdrawal the contract would refuse is not sent, and the ledger has every attempt.
@Suite("Withdrawals on the devchain", .serialized)
struct WithdrawalSenderTests {
    struct Setup {
        let chain: Devchain
        let node: EthereumNode
        let contract: Address
        let provider: PrivateKey
        let ledger: WithdrawalLedger

        init() throws {
            chain = try Devchain()
            node = EthereumNode(rpc: JSONRPCClient(url: chain.facts.rpc))
            contract = try Address(chain.facts.streamPayment)
            provider = try PrivateKey(bytes: Hex.decode(chain.facts.keys[5])!)
            let folder = NSTemporaryDirectory() + "ledger-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            ledger = WithdrawalLedger(database: try PaymentsDatabase.open(path: folder + "/payments.sqlite"))
        }

        func sender(maxFeePerGas: UInt256 = 1_000_000_000_000) -> WithdrawalSender {
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            return WithdrawalSender(node: node, contract: contract, key: provider,
                                    policy: .init(maxFeePerGas: maxFeePerGas, receiptTimeout: .seconds(20)), ledger: ledger, logger: logger)
        }

        func openStream(rate: UInt256 = 1_000_000, seconds: UInt64 = 3600) async throws -> UInt256 {
            let deposit = rate * UInt256(seconds)
            let data = ABI.call("createStream(address,address,uint256,uint128)", [.address(.zero), .address(provider.address), .uint(deposit), .uint(rate)])
            _ = try await node.rpc.call("eth_sendTransaction", [.object([
                "from": .string(chain.facts.accounts[2]), "to": .string(contract.checksummed),
                "data": .string("0x" + Hex.encode(data)), "value": .string(deposit.hexQuantity)])])
            return try ABI.decode([.uint(256)], from: try await node.call(to: contract, data: ABI.call("nextStreamId()", [])))[0].uint!
        }

        func advance(_ seconds: UInt64) async throws {
            _ = try await node.rpc.call("evm_increaseTime", [.string(UInt256(seconds).hexQuantity)])
            _ = try await node.rpc.call("evm_mine")
        }
    }

    @Test("eight withdrawals at once: all confirmed, eight distinct nonces, amounts from the Withdraw events")
    func concurrentWithdrawalsShareOneNonceSequence() async throws {
        let setup = try Setup()
        defer { setup.chain.stop() }
        var streams: [UInt256] = []
        for _ in 0..<8 { streams.append(try await setup.openStream()) }
        try await setup.advance(100)
        let nonceBefore = try await setup.node.transactionCount(of: setup.provider.address, block: "latest")
        let sender = setup.sender()
        let records = await withTaskGroup(of: WithdrawalRecord.self) { group in
            for id in streams {
                group.addTask { await sender.withdraw(streamID: id, vmID: "vm-\(id)", expected: 1, initiator: "operator") }
            }
            var all: [WithdrawalRecord] = []
            for await record in group { all.append(record) }
            return all
        }
        #expect(records.allSatisfy { $0.status == .confirmed }, "\(records.map { $0.error ?? "" })")
        #expect(try await setup.node.transactionCount(of: setup.provider.address, block: "latest") == nonceBefore + 8)
        for record in records {
            let id = try UInt256(decimal: record.streamID)
            let withdrawn = try ABI.decode([.address, .address, .address, .uint(128), .uint(128), .uint(128), .uint(256), .uint(256), .bool],
                                           from: try await setup.node.call(to: setup.contract, data: ABI.call("streams(uint256)", [.uint(id)])))[7]
            #expect(withdrawn.uint?.description == record.amountWei)
            #expect(record.amountWei != "1")   // the paid amount, not the expected one
        }
        #expect(try setup.ledger.all().count == 8)
    }

    @Test("above the fee cap nothing is sent; a withdrawal the contract refuses is not sent either; both are in the ledger")
    func refusalsCostNothing() async throws {
        let setup = try Setup()
        defer { setup.chain.stop() }
        let stream = try await setup.openStream()
        try await setup.advance(10)
        let nonceBefore = try await setup.node.transactionCount(of: setup.provider.address)

        let capped = await setup.sender(maxFeePerGas: 1).withdraw(streamID: stream, vmID: "vm", expected: 10, initiator: "monitor")
        #expect(capped.status == .failed)
        #expect(capped.error?.contains("above the cap") == true, "\(capped.error ?? "")")
        #expect(capped.txHash == nil)

        let stranger = await setup.sender().withdraw(streamID: 999, vmID: "vm", expected: 10, initiator: "operator")
        #expect(stranger.status == .failed)
        #expect(stranger.error == "the contract refuses the withdrawal: no-stream", "\(stranger.error ?? "")")

        #expect(try await setup.node.transactionCount(of: setup.provider.address) == nonceBefore)
        #expect(try setup.ledger.all().map(\.status) == [.failed, .failed])
    }

    @Test("withdrawals booked pending before a crash are settled: a mined one confirmed with its amount and fee, an unknown one failed")
    func pendingWithdrawalsAreSettled() async throws {
        let setup = try Setup()
        defer { setup.chain.stop() }
        let stream = try await setup.openStream()
        try await setup.advance(30)
        // The transaction a crashed golem-payments had sent: the provider's own withdraw, mined while it was down.
        let sent = try await setup.node.rpc.call("eth_sendTransaction", [.object([
            "from": .string(setup.provider.address.checksummed), "to": .string(setup.contract.checksummed),
            "data": .string("0x" + Hex.encode(ABI.call("withdraw(uint256)", [.uint(stream)])))])])
        func pending(_ hash: String) -> WithdrawalRecord {
            WithdrawalRecord(id: nil, vmID: "vm", streamID: stream.description, txHash: hash, amountWei: "1", feeWei: "0",
                             status: .pending, error: nil, initiator: "monitor", atMs: 1)
        }
        try setup.ledger.save(pending(try #require(sent.string)))
        try setup.ledger.save(pending("0x" + String(repeating: "ab", count: 32)))
        await setup.sender().settlePending()
        let records = try setup.ledger.all()
        #expect(records.map(\.status) == [.confirmed, .failed])
        let withdrawn = try ABI.decode([.address, .address, .address, .uint(128), .uint(128), .uint(128), .uint(256), .uint(256), .bool],
                                       from: try await setup.node.call(to: setup.contract, data: ABI.call("streams(uint256)", [.uint(stream)])))[7]
        #expect(records[0].amountWei == withdrawn.uint?.description)
        #expect(records[0].feeWei != "0")
        #expect(records[1].error?.contains("dropped") == true)
        #expect(try setup.ledger.pending().isEmpty)
    }
}
