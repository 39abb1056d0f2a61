import Foundation
import ProviderTestSupport
import Testing
@testable import Ethereum

/// The library against a real EVM (eth-tester over py-evm): our signed transactions are accepted, batches answer
/// per call, reverts carry their reason, a transaction for another chain is refused.
@Suite("Ethereum library on the devchain", .serialized)
struct DevchainTests {
    @Test("an EIP-1559 transfer signed here is accepted; the balances move by value and fee exactly")
    func eip1559TransferIsAccepted() async throws {
        let chain = try Devchain()
        defer { chain.stop() }
        let node = EthereumNode(rpc: JSONRPCClient(url: chain.facts.rpc))
        #expect(try await node.chainID() == 17000)
        let sender = try PrivateKey(bytes: bytes(chain.facts.keys[1]))
        #expect(sender.address == (try Address(chain.facts.accounts[1])))
        let recipient = try PrivateKey.generate().address
        let before = try await node.balance(of: sender.address)
        let oneEther = try UInt256(decimal: "1000000000000000000")
        let transaction = EIP1559Transaction(
            chainID: 17000, nonce: try await node.transactionCount(of: sender.address),
            maxPriorityFeePerGas: try await node.maxPriorityFeePerGas(),
            maxFeePerGas: try await node.nextBaseFee() * 2 + (try await node.maxPriorityFeePerGas()),
            gasLimit: 21000, to: recipient, value: oneEther, data: [])
        let (raw, hash) = try Transaction.eip1559(transaction).signed(with: sender)
        #expect(try await node.sendRawTransaction(raw) == "0x" + Hex.encode(hash))
        let receipt = try #require(try await node.receipt("0x" + Hex.encode(hash)))
        #expect(receipt.succeeded)
        #expect(try await node.balance(of: recipient) == oneEther)
        #expect(try await node.balance(of: sender.address) == before - oneEther - receipt.fee)
    }

    @Test("a transaction signed for another chain, or without replay protection, is refused")
    func otherChainRefused() async throws {
        let chain = try Devchain()
        defer { chain.stop() }
        let node = EthereumNode(rpc: JSONRPCClient(url: chain.facts.rpc))
        let sender = try PrivateKey(bytes: bytes(chain.facts.keys[1]))
        let transaction = EIP1559Transaction(chainID: 1, nonce: 0, maxPriorityFeePerGas: 1_000_000_000, maxFeePerGas: 50_000_000_000,
                                             gasLimit: 21000, to: sender.address, value: 1, data: [])
        await #expect(throws: JSONRPCError.self) { try await node.sendRawTransaction(try Transaction.eip1559(transaction).signed(with: sender).raw) }
        do {
            _ = try await node.sendRawTransaction(try Transaction.eip1559(transaction).signed(with: sender).raw)
        } catch let error as JSONRPCError {
            guard case .server(_, let message, _) = error else { Issue.record("\(error)"); return }
            #expect(message.contains("invalid chain id"))
        }
        #expect(try await node.transactionCount(of: sender.address) == 0)
    }

    @Test("a batch answers each call in order, with per-call errors; a revert carries its reason")
    func batchesAndReverts() async throws {
        let chain = try Devchain()
        defer { chain.stop() }
        let rpc = JSONRPCClient(url: chain.facts.rpc)
        let answers = try await rpc.batch([("eth_chainId", []), ("no_such_method", []), ("eth_blockNumber", [])])
        #expect(try answers[0].get() == .string("0x4268"))
        guard case .failure(.server(let code, _, _)) = answers[1] else { Issue.record("expected an error: \(answers[1])"); return }
        #expect(code == -32601)
        #expect((try? answers[2].get()) != nil)

        // A stream from account 2 to account 3, then a withdrawal attempt by someone else.
        let contract = try Address(chain.facts.streamPayment)
        let recipient = try Address(chain.facts.accounts[3])
        let create = ABI.call("createStream(address,address,uint256,uint128)", [.address(.zero), .address(recipient), .uint(1_000_000), .uint(1000)])
        _ = try await rpc.call("eth_sendTransaction", [.object([
            "from": .string(chain.facts.accounts[2]), "to": .string(contract.checksummed),
            "data": .string("0x" + Hex.encode(create)), "value": .string(UInt256(1_000_000).hexQuantity)])])
        let node = EthereumNode(rpc: rpc)
        let stream = try ABI.decode(
            [.address, .address, .address, .uint(128), .uint(128), .uint(128), .uint(256), .uint(256), .bool],
            from: try await node.call(to: contract, data: ABI.call("streams(uint256)", [.uint(1)])))
        #expect(stream[2] == .address(recipient))
        #expect(stream[6] == .uint(1_000_000))
        #expect(stream[5] == .uint(1000))
        do {
            _ = try await node.call(to: contract, data: ABI.call("withdraw(uint256)", [.uint(1)]), from: try Address(chain.facts.accounts[4]))
            Issue.record("withdraw by a stranger did not revert")
        } catch let error as JSONRPCError {
            guard case .server(3, _, let data?) = error else { Issue.record("\(error)"); return }
            #expect(ABI.revertReason(Hex.decode(data) ?? []) == "not recipient")
        }
    }

    @Test("an unreachable node is a transport error, after the retries")
    func unreachable() async throws {
        let port = try FreePorts.one()
        var options = JSONRPCClient.Options()
        options.initialBackoff = .milliseconds(10)
        let started = ContinuousClock.now
        await #expect(throws: JSONRPCError.self) { try await JSONRPCClient(url: "http://127.0.0.1:\(port)", options: options).call("eth_chainId") }
        #expect(ContinuousClock.now - started >= .milliseconds(30))   // 10 ms + 20 ms of backoff between 3 attempts
    }
}
