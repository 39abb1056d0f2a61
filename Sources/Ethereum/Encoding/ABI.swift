/// Solidity ABI encoding and decoding for the types the provider speaks: uintN, address, bool (static words),
/// and string/bytes (dynamic, for revert reasons and tests).
///
///     ABI.call("withdraw(uint256)", [.uint(7)])                 // 2e1a7d4d 000…07
///     try ABI.decode([.address, .uint(128), .bool], from: data)
public enum ABI {
    public enum Kind: Equatable, Sendable {
        case uint(Int)   // bits: 8…256
        case address, bool, string, bytes

        var isDynamic: Bool { self == .string || self == .bytes }
    }

    public enum Value: Equatable, Sendable {
        case uint(UInt256)
        case address(Address)
        case bool(Bool)
        case string(String)
        case bytes([UInt8])

        public var uint: UInt256? { if case .uint(let value) = self { value } else { nil } }
        public var address: Address? { if case .address(let value) = self { value } else { nil } }
        public var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
    }

    /// The first 4 bytes of keccak256 of the canonical signature.
    public static func selector(_ signature: String) -> [UInt8] { Array(Keccak256.hash(Array(signature.utf8)).prefix(4)) }

    public static func call(_ signature: String, _ arguments: [Value]) -> [UInt8] { selector(signature) + encode(arguments) }

    /// Heads in order, dynamic values' offsets in their heads and their bodies after all heads.
    public static func encode(_ values: [Value]) -> [UInt8] {
        var heads: [UInt8] = []
        var tails: [UInt8] = []
        let headSize = values.count * 32
        for value in values {
            switch value {
            case .uint(let number): heads += number.bigEndianBytes
            case .address(let address): heads += [UInt8](repeating: 0, count: 12) + address.bytes
            case .bool(let flag): heads += UInt256(flag ? 1 : 0).bigEndianBytes
            case .string(let text): heads += UInt256(UInt64(headSize + tails.count)).bigEndianBytes; tails += dynamic(Array(text.utf8))
            case .bytes(let data): heads += UInt256(UInt64(headSize + tails.count)).bigEndianBytes; tails += dynamic(data)
            }
        }
        return heads + tails
    }

    private static func dynamic(_ data: [UInt8]) -> [UInt8] {
        let padding = (32 - data.count % 32) % 32
        return UInt256(UInt64(data.count)).bigEndianBytes + data + [UInt8](repeating: 0, count: padding)
    }

    /// Decodes a return value; a word that does not fit its type (an address with high bytes, a bool of 2, a uint128
    /// above 2^128) is an error, not silently truncated.
    public static func decode(_ kinds: [Kind], from data: [UInt8]) throws(ABIError) -> [Value] {
        guard data.count >= kinds.count * 32 else { throw .tooShort(expected: kinds.count * 32, got: data.count) }
        var values: [Value] = []
        for (index, kind) in kinds.enumerated() {
            let word = Array(data[index * 32..<index * 32 + 32])
            let number = UInt256(bigEndian: word)!
            switch kind {
            case .uint(let bits):
                guard number.bitWidthUsed <= bits else { throw .outOfRange(index: index, kind: "uint\(bits)") }
                values.append(.uint(number))
            case .address:
                guard word.prefix(12).allSatisfy({ $0 == 0 }) else { throw .outOfRange(index: index, kind: "address") }
                values.append(.address(Address(unchecked: Array(word.suffix(20)))))
            case .bool:
                guard number <= 1 else { throw .outOfRange(index: index, kind: "bool") }
                values.append(.bool(number == 1))
            case .string, .bytes:
                guard let offset = number.uint64, offset <= UInt64(data.count) - 32 else { throw .outOfRange(index: index, kind: "offset") }
                let start = Int(offset)
                guard let length = UInt256(bigEndian: data[start..<start + 32])!.uint64, UInt64(data.count - start - 32) >= length else {
                    throw .outOfRange(index: index, kind: "length")
                }
                let body = Array(data[start + 32..<start + 32 + Int(length)])
                values.append(kind == .string ? .string(String(decoding: body, as: UTF8.self)) : .bytes(body))
            }
        }
        return values
    }

    /// The reason of a `revert("...")` (`Error(string)`, selector 0x08c379a0), when the data carries one.
    public static func revertReason(_ data: [UInt8]) -> String? {
        guard data.count >= 4, Array(data.prefix(4)) == [0x08, 0xC3, 0x79, 0xA0] else { return nil }
        guard case .string(let reason)? = try? decode([.string], from: Array(data.dropFirst(4))).first else { return nil }
        return reason
    }
}

public enum ABIError: Error, Equatable, CustomStringConvertible {
    case tooShort(expected: Int, got: Int)
    case outOfRange(index: Int, kind: String)

    public var description: String {
        switch self {
        case .tooShort(let expected, let got): "ABI data too short: \(got) bytes, at least \(expected) expected"
        case .outOfRange(let index, let kind): "ABI value \(index) is not a valid \(kind)"
        }
    }
}
