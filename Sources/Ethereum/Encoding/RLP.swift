/// Recursive Length Prefix, Ethereum's serialisation for transactions (Yellow Paper appendix B).
///
///     RLP.encode(.list([.bytes(Array("cat".utf8)), .bytes(Array("dog".utf8))]))   // c8 83 636174 83 646f67
public indirect enum RLP: Equatable, Sendable {
    case bytes([UInt8])
    case list([RLP])

    /// An unsigned integer as RLP wants it: big-endian, no leading zeros (0 is the empty string).
    public static func uint(_ value: UInt64) -> RLP { .bytes(BigEndian.minimalBytes(value)) }

    public var encoded: [UInt8] {
        switch self {
        case .bytes(let bytes):
            if bytes.count == 1, bytes[0] < 0x80 { return bytes }
            return Self.header(bytes.count, short: 0x80, long: 0xB7) + bytes
        case .list(let items):
            let payload = items.flatMap(\.encoded)
            return Self.header(payload.count, short: 0xC0, long: 0xF7) + payload
        }
    }

    private static func header(_ length: Int, short: UInt8, long: UInt8) -> [UInt8] {
        if length <= 55 { return [short + UInt8(length)] }
        let lengthBytes = BigEndian.minimalBytes(UInt64(length))
        return [long + UInt8(lengthBytes.count)] + lengthBytes
    }

    /// Decodes exactly one item covering all of `bytes`; non-canonical forms (a single small byte behind a prefix,
    /// a long form for a short payload, leading zeros in a length) are refused, as Ethereum clients refuse them.
    public static func decode(_ bytes: [UInt8]) throws(RLPError) -> RLP {
        var offset = 0
        let item = try decodeItem(bytes, &offset)
        guard offset == bytes.count else { throw .trailingBytes }
        return item
    }

    private static func decodeItem(_ bytes: [UInt8], _ offset: inout Int) throws(RLPError) -> RLP {
        guard offset < bytes.count else { throw .truncated }
        let prefix = bytes[offset]
        offset += 1
        switch prefix {
        case 0x00..<0x80:
            return .bytes([prefix])
        case 0x80...0xBF:
            let length = try payloadLength(prefix, short: 0x80, long: 0xB7, bytes, &offset)
            guard bytes.count - offset >= length else { throw .truncated }
            let payload = Array(bytes[offset..<offset + length])
            offset += length
            if length == 1, payload[0] < 0x80 { throw .nonCanonical }
            return .bytes(payload)
        default:
            let length = try payloadLength(prefix, short: 0xC0, long: 0xF7, bytes, &offset)
            guard bytes.count - offset >= length else { throw .truncated }
            let end = offset + length
            var items: [RLP] = []
            while offset < end { items.append(try decodeItem(bytes, &offset)) }
            guard offset == end else { throw .truncated }
            return .list(items)
        }
    }

    private static func payloadLength(_ prefix: UInt8, short: UInt8, long: UInt8, _ bytes: [UInt8], _ offset: inout Int) throws(RLPError) -> Int {
        if prefix <= long { return Int(prefix - short) }
        let count = Int(prefix - long)
        guard bytes.count - offset >= count else { throw .truncated }
        let lengthBytes = bytes[offset..<offset + count]
        offset += count
        guard lengthBytes.first != 0 else { throw .nonCanonical }
        let length = lengthBytes.reduce(0) { $0 << 8 | Int($1) }
        guard length > 55, length < Int(Int32.max) else { throw .nonCanonical }
        return length
    }
}

public enum RLPError: Error, Equatable {
    case truncated, trailingBytes, nonCanonical
}

enum BigEndian {
    static func minimalBytes(_ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = value
        while rest > 0 {
            bytes.insert(UInt8(truncatingIfNeeded: rest), at: 0)
            rest >>= 8
        }
        return bytes
    }
}
