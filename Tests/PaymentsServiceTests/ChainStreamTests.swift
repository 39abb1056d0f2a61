import Ethereum
import Foundation
import ProviderTestSupport
import Testing
@testable import PaymentsService

@Suite struct ChainStreamTests {
    let recipient = try! Address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
    let sender = try! Address("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")

    func stream(halted: Bool = false, withdrawn: UInt256 = 0) -> ChainStream {
        // 1,000 wei/s from t=1000 to t=2000 with 1,000,000 deposited.
        ChainStream(token: .zero, sender: sender, recipient: recipient, startTime: 1000, stopTime: 2000, ratePerSecond: 1000,
                    deposit: 1_000_000, withdrawn: withdrawn, halted: halted)
    }

    @Test func vestingFollowsTheContract() {
        #expect(stream().vested(at: 500) == 0)
        #expect(stream().vested(at: 1250) == 250_000)
        #expect(stream().vested(at: 5000) == 1_000_000)
        #expect(stream(withdrawn: 100_000).withdrawable(at: 1250) == 150_000)
        #expect(stream(withdrawn: 300_000).withdrawable(at: 1250) == 0)
        #expect(stream().remainingSeconds(at: 1250) == 750)
        #expect(stream().remainingSeconds(at: 500) == 1000)
        #expect(stream().isOver(at: 2000))
        // Halted: time stops at stopTime (the contract set it to the halt time).
        var halted = stream(halted: true)
        halted.stopTime = 1400
        #expect(halted.vested(at: 9999) == 400_000)
        #expect(halted.isOver(at: 1300))
        // Terminated: recipient zeroed, the stream is over whatever its times say.
        var terminated = stream()
        terminated.recipient = .zero
        #expect(terminated.terminated && terminated.isOver(at: 1100))
        #expect(!ChainStream(abiZeroes: ()).exists)
    }

    @Test("read in one batch from the devchain; after time travel, the computed withdrawable is what withdraw pays")
    func readingMatchesTheChain() async throws {
        let chain = try Devchain()
        defer { chain.stop() }
        let node = EthereumNode(rpc: JSONRPCClient(url: chain.facts.rpc))
        let contract = try Address(chain.facts.streamPayment)
        let provider = try Address(chain.facts.accounts[3])
        let create = ABI.call("createStream(address,address,uint256,uint128)", [.address(.zero), .address(provider), .uint(1_000_000), .uint(1000)])
        _ = try await node.rpc.call("eth_sendTransaction", [.object([
            "from": .string(chain.facts.accounts[2]), "to": .string(contract.checksummed),
            "data": .string("0x" + Hex.encode(create)), "value": .string(UInt256(1_000_000).hexQuantity)])])
        let reader = StreamReader(node: node, contract: contract)
        let first = try await reader.read([1, 2])
        let one = try #require(try first.streams[1]?.get())
        #expect(one.recipient == provider && one.deposit == 1_000_000 && one.ratePerSecond == 1000 && one.stopTime - one.startTime == 1000)
        #expect(try first.streams[2]?.get().exists == false)

        _ = try await node.rpc.call("evm_increaseTime", [.number(300)])
        _ = try await node.rpc.call("eth_sendTransaction", [.object([
            "from": .string(provider.checksummed), "to": .string(contract.checksummed),
            "data": .string("0x" + Hex.encode(ABI.call("withdraw(uint256)", [.uint(1)])))])])
        let after = try await reader.read([1])
        let withdrawnStream = try #require(try after.streams[1]?.get())
        #expect(withdrawnStream.withdrawn == one.vested(at: after.blockTime))
        #expect(withdrawnStream.withdrawable(at: after.blockTime) == 0)
    }
}

extension ChainStream {
    /// What `streams(id)` returns for an id never created.
    init(abiZeroes: ()) { try! self.init(abi: [UInt8](repeating: 0, count: 9 * 32)) }
}
