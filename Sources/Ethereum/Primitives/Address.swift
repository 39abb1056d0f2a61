/// A 20-byte Ethereum address; `description` is the EIP-55 mixed-case checksum form.
///
///     try Address("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").description   // 0x5aAeb605…BeAed
public struct Address: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public static let zero = Address(unchecked: [UInt8](repeating: 0, count: 20))

    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 20 else { return nil }
        self.bytes = bytes
    }

    /// Parses `0x` + 40 hex digits. All-lower or all-upper case is accepted as is; mixed case must be a valid
    /// EIP-55 checksum, which catches a mistyped address before money goes to it.
    public init(_ text: String) throws(AddressError) {
        guard text.hasPrefix("0x") || text.hasPrefix("0X") else { throw .malformed(text) }
        let digits = text.dropFirst(2)
        guard digits.count == 40, let parsed = Hex.decode(String(digits)) else { throw .malformed(text) }
        bytes = parsed
        let lettersLower = digits.filter(\.isLetter).allSatisfy(\.isLowercase)
        let lettersUpper = digits.filter(\.isLetter).allSatisfy(\.isUppercase)
        if !lettersLower, !lettersUpper, String(digits) != String(checksummed.dropFirst(2)) { throw .badChecksum(text) }
    }

    public var isZero: Bool { self == .zero }

    /// EIP-55: a hex letter is upper case where the matching nibble of keccak256(lower-case hex) is 8 or more.
    public var checksummed: String {
        let lower = Hex.encode(bytes)
        let hash = Keccak256.hash(Array(lower.utf8))
        var result = "0x"
        for (index, character) in lower.enumerated() {
            let nibble = (hash[index / 2] >> (index % 2 == 0 ? 4 : 0)) & 0x0F
            result.append(nibble >= 8 ? Character(character.uppercased()) : character)
        }
        return result
    }

    public var description: String { checksummed }
}

public enum AddressError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case badChecksum(String)

    public var description: String {
        switch self {
        case .malformed(let text): "'\(text)' is not an address: expected 0x and 40 hex digits"
        case .badChecksum(let text): "'\(text)' has mixed case that is not its EIP-55 checksum; check for a typo"
        }
    }
}

public enum Hex {
    public static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var characters = [UInt8]()
        characters.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            characters.append(digits[Int(byte >> 4)])
            characters.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: characters, as: UTF8.self)
    }

    /// `0x` optional; nil for odd length or a non-hex character.
    public static func decode(_ text: String) -> [UInt8]? {
        let digits = Array((text.hasPrefix("0x") || text.hasPrefix("0X") ? text.dropFirst(2) : Substring(text)).utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
