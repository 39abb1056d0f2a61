/// An unsigned 256-bit integer: the EVM's word, for wei amounts, token balances and ABI values.
/// Arithmetic traps on overflow and underflow, as Swift's integers do; `description` is decimal.
///
///     let wei = try UInt256(decimal: "1000000000000000000")   // 1 ETH
///     wei / UInt256(1_000_000_000)                             // 1_000_000_000 gwei
public struct UInt256: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// Little-endian limbs: limbs[0] holds the lowest 64 bits.
    var limbs: (UInt64, UInt64, UInt64, UInt64)

    public static let zero = UInt256(0)
    public static let max = UInt256(limbs: (.max, .max, .max, .max))

    init(limbs: (UInt64, UInt64, UInt64, UInt64)) { self.limbs = limbs }
    public init(_ value: UInt64) { limbs = (value, 0, 0, 0) }
    public init(integerLiteral value: UInt64) { self.init(value) }

    /// From up to 32 big-endian bytes (an ABI word, an RLP integer).
    public init?<Bytes: Collection<UInt8>>(bigEndian bytes: Bytes) {
        guard bytes.count <= 32 else { return nil }
        var words = [UInt64](repeating: 0, count: 4)
        for (index, byte) in bytes.reversed().enumerated() { words[index / 8] |= UInt64(byte) << UInt64(8 * (index % 8)) }
        limbs = (words[0], words[1], words[2], words[3])
    }

    public init(decimal text: String) throws(NumberError) {
        guard !text.isEmpty, text.allSatisfy(\.isASCII) else { throw .notANumber(text) }
        var value = UInt256.zero
        for character in text {
            guard let digit = character.wholeNumberValue else { throw .notANumber(text) }
            let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowSum) = times.addingReportingOverflow(UInt256(UInt64(digit)))
            guard !overflowTimes, !overflowSum else { throw .tooLarge(text) }
            value = sum
        }
        self = value
    }

    /// `0x`-prefixed or bare hex, as JSON-RPC answers quantities.
    public init(hex text: String) throws(NumberError) {
        let digits = text.hasPrefix("0x") || text.hasPrefix("0X") ? text.dropFirst(2) : Substring(text)
        guard !digits.isEmpty, digits.count <= 64 else { throw digits.isEmpty ? .notANumber(text) : .tooLarge(text) }
        var value = UInt256.zero
        for character in digits {
            guard let digit = character.hexDigitValue else { throw .notANumber(text) }
            value = (value << 4) | UInt256(UInt64(digit))
        }
        self = value
    }

    var words: [UInt64] { [limbs.0, limbs.1, limbs.2, limbs.3] }
    init(words: [UInt64]) { limbs = (words[0], words[1], words[2], words[3]) }

    /// 32 bytes, big-endian (an ABI word).
    public var bigEndianBytes: [UInt8] {
        words.reversed().flatMap { word in (0..<8).reversed().map { UInt8(truncatingIfNeeded: word >> UInt64($0 * 8)) } }
    }

    /// Big-endian without leading zeros (RLP's integers; zero is empty).
    public var minimalBigEndianBytes: [UInt8] { Array(bigEndianBytes.drop { $0 == 0 }) }

    public var hexQuantity: String {
        guard self != .zero else { return "0x0" }
        let text = minimalBigEndianBytes.map { String($0, radix: 16).leftPadded(2) }.joined()
        return "0x" + (text.hasPrefix("0") ? String(text.dropFirst()) : text)
    }

    public var isZero: Bool { self == .zero }

    /// The value when it fits in 64 bits.
    public var uint64: UInt64? { limbs.1 == 0 && limbs.2 == 0 && limbs.3 == 0 ? limbs.0 : nil }

    public var bitWidthUsed: Int {
        for (index, word) in words.enumerated().reversed() where word != 0 { return index * 64 + (64 - word.leadingZeroBitCount) }
        return 0
    }

    public var description: String {
        guard self != .zero else { return "0" }
        var digits: [Character] = []
        var rest = self
        while rest != .zero {
            let (quotient, remainder) = rest.quotientAndRemainder(dividingBy: 10)
            digits.append(Character(String(remainder.limbs.0)))
            rest = quotient
        }
        return String(digits.reversed())
    }

    // MARK: Arithmetic

    public func addingReportingOverflow(_ other: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        var result = [UInt64](repeating: 0, count: 4)
        var carry: UInt64 = 0
        let (a, b) = (words, other.words)
        for index in 0..<4 {
            let (sum1, overflow1) = a[index].addingReportingOverflow(b[index])
            let (sum2, overflow2) = sum1.addingReportingOverflow(carry)
            result[index] = sum2
            carry = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
        }
        return (UInt256(words: result), carry != 0)
    }

    public func subtractingReportingOverflow(_ other: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        var result = [UInt64](repeating: 0, count: 4)
        var borrow: UInt64 = 0
        let (a, b) = (words, other.words)
        for index in 0..<4 {
            let (difference1, overflow1) = a[index].subtractingReportingOverflow(b[index])
            let (difference2, overflow2) = difference1.subtractingReportingOverflow(borrow)
            result[index] = difference2
            borrow = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
        }
        return (UInt256(words: result), borrow != 0)
    }

    public func multipliedReportingOverflow(by other: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        var result = [UInt64](repeating: 0, count: 8)
        let (a, b) = (words, other.words)
        for i in 0..<4 where a[i] != 0 {
            var carry: UInt64 = 0
            for j in 0..<4 {
                let (high, low) = a[i].multipliedFullWidth(by: b[j])
                let (sum1, overflow1) = result[i + j].addingReportingOverflow(low)
                let (sum2, overflow2) = sum1.addingReportingOverflow(carry)
                result[i + j] = sum2
                carry = high &+ (overflow1 ? 1 : 0) &+ (overflow2 ? 1 : 0)
            }
            result[i + 4] = carry
        }
        return (UInt256(words: Array(result[0..<4])), result[4..<8].contains { $0 != 0 })
    }

    /// Shift-and-subtract long division; 256 steps at most, plenty for amounts and rates.
    public func quotientAndRemainder(dividingBy divisor: UInt256) -> (quotient: UInt256, remainder: UInt256) {
        precondition(divisor != .zero, "division by zero")
        if self < divisor { return (.zero, self) }
        if let a = uint64, let b = divisor.uint64 { return (UInt256(a / b), UInt256(a % b)) }
        var quotient = UInt256.zero
        var remainder = UInt256.zero
        for bit in (0..<bitWidthUsed).reversed() {
            remainder = remainder << 1
            if self.bit(bit) { remainder.limbs.0 |= 1 }
            if remainder >= divisor {
                remainder = remainder - divisor
                quotient.setBit(bit)
            }
        }
        return (quotient, remainder)
    }

    func bit(_ index: Int) -> Bool { words[index / 64] >> UInt64(index % 64) & 1 == 1 }

    mutating func setBit(_ index: Int) {
        var values = words
        values[index / 64] |= 1 << UInt64(index % 64)
        self = UInt256(words: values)
    }

    public static func + (lhs: UInt256, rhs: UInt256) -> UInt256 {
        let (value, overflow) = lhs.addingReportingOverflow(rhs)
        precondition(!overflow, "UInt256 addition overflow")
        return value
    }

    public static func - (lhs: UInt256, rhs: UInt256) -> UInt256 {
        let (value, overflow) = lhs.subtractingReportingOverflow(rhs)
        precondition(!overflow, "UInt256 subtraction underflow")
        return value
    }

    public static func * (lhs: UInt256, rhs: UInt256) -> UInt256 {
        let (value, overflow) = lhs.multipliedReportingOverflow(by: rhs)
        precondition(!overflow, "UInt256 multiplication overflow")
        return value
    }

    public static func / (lhs: UInt256, rhs: UInt256) -> UInt256 { lhs.quotientAndRemainder(dividingBy: rhs).quotient }
    public static func % (lhs: UInt256, rhs: UInt256) -> UInt256 { lhs.quotientAndRemainder(dividingBy: rhs).remainder }

    public static func << (lhs: UInt256, count: Int) -> UInt256 {
        guard count > 0 else { return lhs }
        guard count < 256 else { return .zero }
        let (wordShift, bitShift) = (count / 64, UInt64(count % 64))
        var result = [UInt64](repeating: 0, count: 4)
        let source = lhs.words
        for index in (wordShift..<4).reversed() {
            let from = index - wordShift
            result[index] = source[from] << bitShift
            if bitShift > 0, from > 0 { result[index] |= source[from - 1] >> (64 - bitShift) }
        }
        return UInt256(words: result)
    }

    public static func | (lhs: UInt256, rhs: UInt256) -> UInt256 {
        UInt256(limbs: (lhs.limbs.0 | rhs.limbs.0, lhs.limbs.1 | rhs.limbs.1, lhs.limbs.2 | rhs.limbs.2, lhs.limbs.3 | rhs.limbs.3))
    }

    public static func < (lhs: UInt256, rhs: UInt256) -> Bool {
        for (a, b) in zip(lhs.words.reversed(), rhs.words.reversed()) where a != b { return a < b }
        return false
    }

    public static func == (lhs: UInt256, rhs: UInt256) -> Bool { lhs.words == rhs.words }
    public func hash(into hasher: inout Hasher) { hasher.combine(words) }
}

public enum NumberError: Error, Equatable, CustomStringConvertible {
    case notANumber(String)
    case tooLarge(String)

    public var description: String {
        switch self {
        case .notANumber(let text): "'\(text)' is not a whole number"
        case .tooLarge(let text): "'\(text)' does not fit in 256 bits"
        }
    }
}

extension String {
    func leftPadded(_ length: Int) -> String { String(repeating: "0", count: Swift.max(0, length - count)) + self }
}
