import Ethereum
import Testing
@testable import PaymentsService

/// Each rule refuses with its own reason, in the original's order, and a good stream passes.
@Suite struct StreamGateTests {
    let provider = try! Address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
    let sender = try! Address("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")
    let glm = try! Address("0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB")
    var gate: StreamGate { StreamGate(policy: .init(provider: provider, token: .zero, minRemainingSeconds: 600)) }

    /// 1,000 wei/s from t=1000 for 3,600 s.
    func good() -> ChainStream {
        ChainStream(token: .zero, sender: sender, recipient: provider, startTime: 1000, stopTime: 4600, ratePerSecond: 1000,
                    deposit: 3_600_000, withdrawn: 0, halted: false)
    }

    func reason(_ change: (inout ChainStream) -> Void, at now: UInt64 = 1500, minimumRate: UInt256 = 500, boundTo: String? = nil) -> String? {
        var stream = good()
        change(&stream)
        return gate.refusal(for: stream, streamID: 7, at: now, minimumRate: minimumRate, boundTo: boundTo)
    }

    @Test func aGoodStreamPasses() { #expect(reason { _ in } == nil) }

    @Test func eachRuleHasItsReason() {
        #expect(reason { $0 = ChainStream(abiZeroes: ()) } == "stream 7 does not exist")
        #expect(reason { $0.recipient = sender } == "recipient mismatch")
        #expect(reason { $0.recipient = .zero } == "recipient mismatch")  // terminated
        #expect(reason { $0.deposit = 0 } == "no deposit")
        #expect(reason({ _ in }, at: 900) == "stream not started")
        #expect(reason { $0.halted = true } == "stream halted")
        #expect(reason { $0.token = glm } == "token mismatch: the stream pays in 0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB, this provider takes native ETH")
        #expect(reason({ _ in }, at: 4600) == "stream ended: nothing is left to vest")
        #expect(reason({ _ in }, at: 4200) == "remaining runway 400 s is below the minimum 600 s (GOLEM_PROVIDER_STREAM_MIN_REMAINING_SECONDS)")
        #expect(reason({ _ in }, minimumRate: 1500) == "rate 1000 per second is below the price 1500 per second for the requested resources")
        #expect(reason({ _ in }, boundTo: "vm-a") == "stream already pays for VM vm-a")
    }

    @Test func theOriginalsOrderWins() {
        // Halted and also the wrong token: the original's rule (halted) is named first.
        #expect(reason { $0.halted = true; $0.token = glm } == "stream halted")
    }
}
