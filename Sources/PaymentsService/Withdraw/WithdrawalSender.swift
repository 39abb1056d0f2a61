import Ethereum
import Foundation
import Logging

/// Sends `withdraw(streamId)` from the provider's account and books every attempt in the ledger. One instance per
/// process serves every sender (the monitor and the operator's CLI calls), so one nonce sequence is handed out:
/// two withdrawals never share a nonce. Fees come from the chain (next base fee, priority tip) and are capped;
/// the receipt is awaited and its status checked, so a reverted withdrawal is reported as failed, never as paid.
actor WithdrawalSender {
    struct Policy: Sendable {
        /// Wei per gas; nothing is sent while the chain asks for more.
        var maxFeePerGas: UInt256
        var receiptTimeout: Duration
        var receiptPollInterval: Duration = .milliseconds(250)
    }

    static let withdrawTopic = Keccak256.hash(Array("Withdraw(uint256,address,uint256)".utf8))

    private let node: EthereumNode
    private let contract: Address
    private let key: PrivateKey
    private let policy: Policy
    private let ledger: WithdrawalLedger
    private let logger: Logger
    private var chainID: UInt64?
    private var nextNonce: UInt64?
    /// Transactions reach the node in nonce order: many nodes (and L2 sequencers) refuse a nonce ahead of the
    /// account's next one. Only submission is serialised; waiting for receipts overlaps.
    private var submitting = false
    private var waitingToSubmit: [CheckedContinuation<Void, Never>] = []

    init(node: EthereumNode, contract: Address, key: PrivateKey, policy: Policy, ledger: WithdrawalLedger, logger: Logger) {
        self.node = node
        self.contract = contract
        self.key = key
        self.policy = policy
        self.ledger = ledger
        self.logger = logger
    }

    /// Withdraws what the stream owes now; always answers with the ledger's record of the attempt. The record is
    /// booked `pending` with its hash before the transaction is sent, so a crash cannot lose a withdrawal.
    func withdraw(streamID: UInt256, vmID: String, expected: UInt256, initiator: String) async -> WithdrawalRecord {
        var record = WithdrawalRecord(
            id: nil, vmID: vmID, streamID: streamID.description, txHash: nil, amountWei: expected.description, feeWei: "0",
            status: .failed, error: nil, initiator: initiator, atMs: Int64(Date().timeIntervalSince1970 * 1000))
        do {
            let hash = try await send(streamID: streamID, booking: &record)
            apply(try await awaitReceipt(hash), to: &record)
        } catch WithdrawalError.noReceipt(let hash, let after) {
            record.error = "sent as \(hash) but not mined within \(after); the monitor settles it once it is"
        } catch {
            record.status = .failed
            record.error = "\(error)"
        }
        book(&record)
        let metadata: Logger.Metadata = [
            "vm_id": "\(vmID)", "stream_id": "\(streamID)", "status": "\(record.status.rawValue)", "amount_wei": "\(record.amountWei)",
            "tx": "\(record.txHash ?? "-")", "initiator": "\(initiator)",
        ]
        if record.status == .confirmed { logger.info("withdrawal confirmed", metadata: metadata) } else {
            logger.warning("withdrawal not confirmed", metadata: metadata.merging(["error": "\(record.error ?? "")"]) { $1 })
        }
        return record
    }

    /// Settles withdrawals booked `pending` (sent before a crash, or mined after the receipt wait): mined ones get
    /// their outcome; ones the node no longer knows were dropped and are marked failed.
    func settlePending() async {
        guard let pending = try? ledger.pending(), !pending.isEmpty else { return }
        for var record in pending {
            guard let hash = record.txHash else { continue }
            do {
                if let receipt = try await node.receipt(hash) {
                    apply(receipt, to: &record)
                } else if try await !node.knowsTransaction(hash) {
                    record.status = .failed
                    record.error = "transaction \(hash) was dropped: the node does not know it"
                } else {
                    continue
                }
                book(&record)
            } catch {
                return   // the chain is not answering: next time
            }
        }
    }

    private func apply(_ receipt: EthereumNode.Receipt, to record: inout WithdrawalRecord) {
        record.feeWei = receipt.fee.description
        record.status = receipt.succeeded ? .confirmed : .reverted
        record.error = receipt.succeeded ? nil : "the withdrawal transaction reverted in block \(receipt.blockNumber)"
        if receipt.succeeded, let id = try? UInt256(decimal: record.streamID), let paid = paidAmount(receipt, streamID: id) {
            record.amountWei = paid.description
        }
    }

    private func book(_ record: inout WithdrawalRecord) {
        do { record = try ledger.save(record) } catch {
            logger.error("could not book a withdrawal in the ledger", metadata: ["stream_id": "\(record.streamID)", "error": "\(error)"])
        }
    }

    private func send(streamID: UInt256, booking record: inout WithdrawalRecord) async throws -> String {
        let data = ABI.call("withdraw(uint256)", [.uint(streamID)])
        // Estimating first turns a withdrawal that would revert ("nothing to withdraw", "not recipient") into a
        // clear refusal that costs no fee.
        let gas: UInt64
        do { gas = try await node.estimateGas(to: contract, data: data, from: key.address) } catch {
            throw Self.explained(error)
        }
        let chainID = try await resolvedChainID()
        let tip = try await node.maxPriorityFeePerGas()
        let baseFee = try await node.nextBaseFee()
        guard baseFee + tip <= policy.maxFeePerGas else {
            throw WithdrawalError.feeAboveCap(needed: baseFee + tip, cap: policy.maxFeePerGas)
        }
        let maxFee = min(baseFee * 2 + tip, policy.maxFeePerGas)
        return try await submit(data: data, chainID: chainID, gas: gas, tip: min(tip, maxFee), maxFee: maxFee, booking: &record)
    }

    /// Signs with the next nonce and sends, one transaction at a time.
    private func submit(data: [UInt8], chainID: UInt64, gas: UInt64, tip: UInt256, maxFee: UInt256,
                        booking record: inout WithdrawalRecord) async throws -> String {
        await beginSubmitting()
        defer { endSubmitting() }
        var attempt = 0
        while true {
            let nonce = try await allocateNonce()
            let transaction = EIP1559Transaction(
                chainID: chainID, nonce: nonce, maxPriorityFeePerGas: tip, maxFeePerGas: maxFee,
                gasLimit: gas + gas / 5, to: contract, value: .zero, data: data)
            let (raw, hashBytes) = try Transaction.eip1559(transaction).signed(with: key)
            record.txHash = "0x" + Hex.encode(hashBytes)
            record.status = .pending
            book(&record)
            do {
                _ = try await node.sendRawTransaction(raw)
                return record.txHash!
            } catch {
                // A nonce another user of this key took, or a lost send: re-read the account's nonce once and retry.
                nextNonce = nil
                attempt += 1
                if attempt < 2, Self.isNonceConflict(error) { continue }
                throw error
            }
        }
    }

    private func beginSubmitting() async {
        guard submitting else { submitting = true; return }
        await withCheckedContinuation { waitingToSubmit.append($0) }   // handed over by endSubmitting
    }

    private func endSubmitting() {
        if waitingToSubmit.isEmpty { submitting = false } else { waitingToSubmit.removeFirst().resume() }
    }

    /// A node's revert turned into the contract's reason.
    private static func explained(_ error: JSONRPCError) -> any Error {
        guard case .server(_, let message, let revert) = error else { return error }
        return WithdrawalError.wouldRevert(revert.flatMap { Hex.decode($0) }.flatMap { ABI.revertReason($0) } ?? message)
    }

    private static func isNonceConflict(_ error: any Error) -> Bool {
        guard let rpc = error as? JSONRPCError, case .server(_, let message, _) = rpc else { return false }
        return message.lowercased().contains("nonce")
    }

    /// Hands out nonces in order; the first one (and the first after a failed send) comes from the chain's
    /// pending count. No suspension between reading and advancing, so concurrent callers get distinct nonces.
    private func allocateNonce() async throws -> UInt64 {
        if nextNonce == nil {
            let pending = try await node.transactionCount(of: key.address, block: "pending")
            if nextNonce == nil { nextNonce = pending }
        }
        let nonce = nextNonce!
        nextNonce = nonce + 1
        return nonce
    }

    private func resolvedChainID() async throws -> UInt64 {
        if let chainID { return chainID }
        let id = try await node.chainID()
        chainID = id
        return id
    }

    private func awaitReceipt(_ hash: String) async throws -> EthereumNode.Receipt {
        let deadline = ContinuousClock.now + policy.receiptTimeout
        while ContinuousClock.now < deadline {
            if let receipt = try? await node.receipt(hash) { return receipt }
            try await Task.sleep(for: policy.receiptPollInterval)
        }
        throw WithdrawalError.noReceipt(hash: hash, after: policy.receiptTimeout)
    }

    /// The amount from the contract's Withdraw event: what really moved.
    private func paidAmount(_ receipt: EthereumNode.Receipt, streamID: UInt256) -> UInt256? {
        receipt.logs.first { log in
            log.address == contract && log.topics.first == Self.withdrawTopic && log.topics.dropFirst().first == streamID.bigEndianBytes
        }.flatMap { UInt256(bigEndian: $0.data.prefix(32)) }
    }
}

enum WithdrawalError: Error, CustomStringConvertible {
    case wouldRevert(String)
    case feeAboveCap(needed: UInt256, cap: UInt256)
    case noReceipt(hash: String, after: Duration)

    var description: String {
        switch self {
        case .wouldRevert(let reason): "the contract refuses the withdrawal: \(reason)"
        case .feeAboveCap(let needed, let cap):
            "the chain asks \(needed) wei per gas, above the cap of \(cap) (GOLEM_PROVIDER_WITHDRAW_MAX_FEE_GWEI); not sent, retried later"
        case .noReceipt(let hash, let after): "transaction \(hash) was sent but not mined within \(after); check it on the chain"
        }
    }
}
