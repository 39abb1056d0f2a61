import Ethereum

/// One StreamPayment stream as `streams(id)` returns it (token, sender, recipient, startTime, stopTime,
/// ratePerSecond, deposit, withdrawn, halted), with the contract's own arithmetic for what has vested.
struct ChainStream: Sendable, Equatable {
    var token: Address
    var sender: Address
    var recipient: Address
    var startTime: UInt64
    var stopTime: UInt64
    var ratePerSecond: UInt256
    var deposit: UInt256
    var withdrawn: UInt256
    var halted: Bool

    static let abiKinds: [ABI.Kind] = [.address, .address, .address, .uint(128), .uint(128), .uint(128), .uint(256), .uint(256), .bool]

    init(token: Address, sender: Address, recipient: Address, startTime: UInt64, stopTime: UInt64, ratePerSecond: UInt256,
         deposit: UInt256, withdrawn: UInt256, halted: Bool) {
        self.token = token
        self.sender = sender
        self.recipient = recipient
        self.startTime = startTime
        self.stopTime = stopTime
        self.ratePerSecond = ratePerSecond
        self.deposit = deposit
        self.withdrawn = withdrawn
        self.halted = halted
    }

    /// Decodes the getter's return data; times beyond 64 bits (seconds past year 500 billion) are refused.
    init(abi data: [UInt8]) throws(ABIError) {
        let values = try ABI.decode(Self.abiKinds, from: data)
        guard let start = values[3].uint?.uint64, let stop = values[4].uint?.uint64 else { throw .outOfRange(index: 3, kind: "timestamp") }
        self.init(
            token: values[0].address!, sender: values[1].address!, recipient: values[2].address!, startTime: start, stopTime: stop,
            ratePerSecond: values[5].uint!, deposit: values[6].uint!, withdrawn: values[7].uint!, halted: values[8].bool!)
    }

    /// A stream id that was never created reads as all zeros; a terminated one has recipient 0.
    var exists: Bool { !recipient.isZero || !sender.isZero }
    var terminated: Bool { recipient.isZero && !sender.isZero }

    /// The contract's `_vested`: time is the stop time when halted, else `now` clamped to [start, stop];
    /// vested = elapsed × rate, capped at the deposit.
    func vested(at now: UInt64) -> UInt256 {
        let time = halted ? stopTime : min(max(now, startTime), stopTime)
        let elapsed = UInt256(time - min(time, startTime))
        let (product, overflow) = elapsed.multipliedReportingOverflow(by: ratePerSecond)
        return overflow ? deposit : min(product, deposit)
    }

    /// What `withdraw` would pay now.
    func withdrawable(at now: UInt64) -> UInt256 {
        let vested = vested(at: now)
        return vested > withdrawn ? vested - withdrawn : .zero
    }

    /// Seconds of paid time left: 0 once stopped, halted or drained.
    func remainingSeconds(at now: UInt64) -> UInt64 {
        guard !halted, !terminated, now < stopTime, vested(at: now) < deposit else { return 0 }
        return stopTime - max(now, startTime)
    }

    /// Nothing more will vest: the time is up, the deposit is vested, it was halted or terminated.
    func isOver(at now: UInt64) -> Bool { remainingSeconds(at: now) == 0 }
}
