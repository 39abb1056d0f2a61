import Ethereum
import Foundation
import GRPCCore
import Shared

/// Payments switched on: the deployment being paid through, and what reads and pays streams on it.
struct PaymentsChain: Sendable {
    let deployment: PaymentsDeployment
    let reader: StreamReader
    let gate: StreamGate
    /// nil: no price is known, the rate rule is off.
    let price: StreamPrice?
    let sender: WithdrawalSender

    /// One stream and the chain time it was read at. An unreachable chain is UNAVAILABLE (the requestor may
    /// retry); anything else the node says about the stream is the original's `stream lookup failed`.
    func readOne(_ streamID: UInt256) async throws -> (ChainStream, UInt64) {
        let reading: StreamReader.Reading
        do { reading = try await reader.read([streamID]) } catch {
            throw RPCError(code: .unavailable, message: "stream lookup failed: the payments chain did not answer (\(error)); try again")
        }
        switch reading.streams[streamID] {
        case .success(let stream)?: return (stream, reading.blockTime)
        case .failure(.rpc(let error))? where error.isTransient:
            throw RPCError(code: .unavailable, message: "stream lookup failed: \(error); try again")
        case .failure(let error)?: throw RPCError(code: .invalidArgument, message: "invalid stream: stream lookup failed: \(error)")
        case nil: throw RPCError(code: .internalError, message: "stream lookup failed: no answer for stream \(streamID)")
        }
    }

    /// The status of each binding's stream from one batch read; a stream that could not be read carries `error`.
    func statuses(of bindings: [StreamBinding]) async throws -> [Golem_Provider_Payments_V1_StreamStatus] {
        let ids = bindings.compactMap { try? UInt256(decimal: $0.streamID) }
        guard !ids.isEmpty else { return [] }
        let reading: StreamReader.Reading
        do { reading = try await reader.read(Array(Set(ids))) } catch {
            throw RPCError(code: .unavailable, message: "stream lookup failed: the payments chain did not answer (\(error))")
        }
        let verifier = StreamGate(policy: .init(provider: gate.policy.provider, token: gate.policy.token, minRemainingSeconds: 0))
        return bindings.map { binding in
            var status = Golem_Provider_Payments_V1_StreamStatus.with {
                $0.vmID = binding.vmID
                $0.streamID = binding.streamID
                $0.finishedAtUnixMs = binding.finishedAtMs ?? 0
            }
            guard let id = try? UInt256(decimal: binding.streamID), let result = reading.streams[id] else {
                status.error = "stream id \(binding.streamID) is not a whole number"
                return status
            }
            switch result {
            case .failure(let error):
                status.error = "\(error)"
            case .success(let stream):
                let now = reading.blockTime
                status.chain = stream.proto
                status.computed = .with {
                    $0.now = now
                    $0.remainingSeconds = stream.remainingSeconds(at: now)
                    $0.vestedWei = stream.vested(at: now).description
                    $0.withdrawableWei = (stream.recipient == gate.policy.provider ? stream.withdrawable(at: now) : .zero).description
                }
                let refusal = verifier.refusal(for: stream, streamID: id, at: now, minimumRate: .zero, boundTo: nil)
                status.verified = refusal == nil
                status.reason = refusal ?? "ok"
            }
            return status
        }
    }

    /// Withdraws from every given binding's stream that has something to pay out now (operator's request).
    /// `explicitVM` set: that one stream is attempted even with nothing due, so the operator hears why.
    func withdrawDue(_ bindings: [StreamBinding], explicitVM: String?) async throws -> [WithdrawalRecord] {
        let statuses = try await statuses(of: bindings)
        var records: [WithdrawalRecord] = []
        var seen: Set<String> = []
        for status in statuses where seen.insert(status.streamID).inserted {
            guard status.error.isEmpty, let id = try? UInt256(decimal: status.streamID),
                  let due = try? UInt256(decimal: status.computed.withdrawableWei) else { continue }
            if due.isZero && status.vmID != explicitVM { continue }
            records.append(await sender.withdraw(streamID: id, vmID: status.vmID, expected: due, initiator: "operator"))
        }
        return records
    }
}

extension ChainStream {
    var proto: Golem_Provider_Payments_V1_ChainStream {
        .with {
            $0.token = token.checksummed
            $0.sender = sender.checksummed
            $0.recipient = recipient.checksummed
            $0.startTime = startTime
            $0.stopTime = stopTime
            $0.ratePerSecond = ratePerSecond.description
            $0.deposit = deposit.description
            $0.withdrawn = withdrawn.description
            $0.halted = halted
        }
    }
}
