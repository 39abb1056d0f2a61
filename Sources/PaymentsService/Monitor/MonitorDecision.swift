import Ethereum

/// What the monitor does about one bound stream after a tick's reading. Pure: the tick gathers the reading, this
/// decides, the tick acts. A failed or malformed read decides nothing: an RPC outage must never stop or delete a VM.
enum MonitorAction: Equatable, Sendable {
    /// Still paying: maybe withdraw what is due (throttled by interval and minimum amount).
    case keep(withdraw: UInt256?)
    /// The stream is depleted, halted or terminated: stop the VM, withdraw what is left, finish the binding.
    case stop(reason: String, finalWithdraw: UInt256?)
    /// The VM is stopped but its stream still owes something (the final withdrawal failed): try again.
    case retryFinalWithdraw(UInt256)
    /// Stopped long enough ago (the grace period): delete the VM.
    case delete
    /// The read failed: do nothing, count it, try next tick.
    case unknown(String)
}

struct MonitorPolicy: Sendable {
    var withdrawInterval: UInt64
    var minimumWithdraw: UInt256
    var deleteGraceSeconds: UInt64
    /// Chain seconds between attempts at a failed final withdrawal.
    var finalWithdrawRetrySeconds: UInt64 = 60
}

enum MonitorDecision {
    static func decide(
        reading: Result<ChainStream, StreamReadError>, provider: Address, now: UInt64,
        lastWithdrawAt: UInt64?, stoppedAt: UInt64?, policy: MonitorPolicy
    ) -> MonitorAction {
        let stream: ChainStream
        switch reading {
        case .failure(let error): return .unknown("\(error)")
        case .success(let value): stream = value
        }
        let withdrawable = stream.recipient == provider ? stream.withdrawable(at: now) : .zero
        if let stoppedAt {
            if now >= stoppedAt + policy.deleteGraceSeconds { return .delete }
            let due = lastWithdrawAt.map { now >= $0 + policy.finalWithdrawRetrySeconds } ?? true
            return due && !withdrawable.isZero ? .retryFinalWithdraw(withdrawable) : .keep(withdraw: nil)
        }
        let final = withdrawable.isZero ? nil : withdrawable
        if stream.terminated { return .stop(reason: "stream terminated", finalWithdraw: nil) }
        if stream.recipient != provider { return .stop(reason: "stream no longer pays this provider", finalWithdraw: nil) }
        if stream.halted { return .stop(reason: "stream halted", finalWithdraw: final) }
        if stream.isOver(at: now) { return .stop(reason: "stream depleted", finalWithdraw: final) }
        let due = lastWithdrawAt.map { now >= $0 + policy.withdrawInterval } ?? true
        return .keep(withdraw: due && withdrawable >= policy.minimumWithdraw && !withdrawable.isZero ? withdrawable : nil)
    }
}
