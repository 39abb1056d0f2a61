import Ethereum

/// Decides whether a stream may pay for a new VM. The original's rules, in its order and words (recipient,
/// deposit, started, halted), then the ones it lacked: the stream exists and has not ended, the token is the
/// provider's, enough runway remains, the rate covers the price of the requested resources, and the stream does
/// not already pay for another live VM. The reason goes into the original's `invalid stream: <reason>`.
struct StreamGate: Sendable {
    struct Policy: Sendable {
        var provider: Address
        var token: Address
        var minRemainingSeconds: UInt64
    }

    let policy: Policy

    /// nil when the stream may pay; otherwise the reason, naming the rule.
    /// - Parameters:
    ///   - minimumRate: the provider's price for the requested resources, in token units per second.
    ///   - boundTo: the live VM this stream already pays for, if any.
    func refusal(for stream: ChainStream, streamID: UInt256, at now: UInt64, minimumRate: UInt256, boundTo: String?) -> String? {
        if !stream.exists { return "stream \(streamID) does not exist" }
        if stream.recipient != policy.provider { return "recipient mismatch" }
        if stream.deposit.isZero { return "no deposit" }
        if stream.startTime > now { return "stream not started" }
        if stream.halted { return "stream halted" }
        if stream.token != policy.token {
            return "token mismatch: the stream pays in \(Self.tokenName(stream.token)), this provider takes \(Self.tokenName(policy.token))"
        }
        let remaining = stream.remainingSeconds(at: now)
        if remaining == 0 { return "stream ended: nothing is left to vest" }
        if remaining < policy.minRemainingSeconds {
            return "remaining runway \(remaining) s is below the minimum \(policy.minRemainingSeconds) s (GOLEM_PROVIDER_STREAM_MIN_REMAINING_SECONDS)"
        }
        if stream.ratePerSecond < minimumRate {
            return "rate \(stream.ratePerSecond) per second is below the price \(minimumRate) per second for the requested resources"
        }
        if let boundTo { return "stream already pays for VM \(boundTo)" }
        return nil
    }

    static func tokenName(_ token: Address) -> String { token.isZero ? "native ETH" : token.checksummed }
}
