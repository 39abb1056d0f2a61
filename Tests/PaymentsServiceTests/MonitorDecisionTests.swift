import Ethereum
import Testing
@testable import PaymentsService

@Suite struct MonitorDecisionTests {
    let provider = try! Address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
    let sender = try! Address("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")
    let policy = MonitorPolicy(withdrawInterval: 1800, minimumWithdraw: 100_000, deleteGraceSeconds: 3600)

    func stream(_ change: (inout ChainStream) -> Void = { _ in }) -> Result<ChainStream, StreamReadError> {
        var value = ChainStream(token: .zero, sender: sender, recipient: provider, startTime: 1000, stopTime: 4600,
                                ratePerSecond: 1000, deposit: 3_600_000, withdrawn: 0, halted: false)
        change(&value)
        return .success(value)
    }

    func decide(_ reading: Result<ChainStream, StreamReadError>, at now: UInt64, lastWithdrawAt: UInt64? = nil, stoppedAt: UInt64? = nil) -> MonitorAction {
        MonitorDecision.decide(reading: reading, provider: provider, now: now, lastWithdrawAt: lastWithdrawAt, stoppedAt: stoppedAt, policy: policy)
    }

    @Test func aFailedReadNeverActs() {
        #expect(decide(.failure(.rpc(.transport("down"))), at: 9999) == .unknown("RPC not reachable: down"))
        #expect(decide(.failure(.malformed("x")), at: 9999, stoppedAt: 1) == .unknown("malformed stream data: x"))
    }

    @Test func payingStreamsWithdrawWhenDueAndAboveTheMinimum() {
        #expect(decide(stream(), at: 1050) == .keep(withdraw: nil))                          // 50,000 < minimum
        #expect(decide(stream(), at: 1500) == .keep(withdraw: 500_000))
        #expect(decide(stream(), at: 1500, lastWithdrawAt: 1000) == .keep(withdraw: nil))    // throttled
        #expect(decide(stream(), at: 2900, lastWithdrawAt: 1000) == .keep(withdraw: 1_900_000))
    }

    @Test func endedStreamsStopTheVMWithAFinalWithdrawal() {
        #expect(decide(stream(), at: 5000) == .stop(reason: "stream depleted", finalWithdraw: 3_600_000))
        #expect(decide(stream { $0.withdrawn = 3_600_000 }, at: 5000) == .stop(reason: "stream depleted", finalWithdraw: nil))
        #expect(decide(stream { $0.halted = true; $0.stopTime = 2000 }, at: 3000) == .stop(reason: "stream halted", finalWithdraw: 1_000_000))
        #expect(decide(stream { $0.recipient = .zero }, at: 2000) == .stop(reason: "stream terminated", finalWithdraw: nil))
    }

    @Test func stoppedVMsAreDeletedAfterTheGracePeriodOnly() {
        let paidOut = stream { $0.withdrawn = 3_600_000 }
        #expect(decide(paidOut, at: 8000, stoppedAt: 5000) == .keep(withdraw: nil))
        #expect(decide(paidOut, at: 8600, stoppedAt: 5000) == .delete)
    }

    @Test func aFailedFinalWithdrawalIsRetriedEveryMinuteOfChainTimeUntilDeletion() {
        #expect(decide(stream(), at: 5010, lastWithdrawAt: 5000, stoppedAt: 5000) == .keep(withdraw: nil))
        #expect(decide(stream(), at: 5060, lastWithdrawAt: 5000, stoppedAt: 5000) == .retryFinalWithdraw(3_600_000))
        #expect(decide(stream { $0.recipient = .zero }, at: 5060, lastWithdrawAt: 5000, stoppedAt: 5000) == .keep(withdraw: nil))
        #expect(decide(stream(), at: 8600, lastWithdrawAt: 5000, stoppedAt: 5000) == .delete)
    }
}
