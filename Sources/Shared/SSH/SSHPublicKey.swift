import Foundation

/// An OpenSSH public key line (`<type> <base64 blob> [comment]`), parsed rather than matched by prefix: the blob
/// must decode, name the same type, and hold a key of that type's shape. Both the gateway (422 for a bad key) and
/// VMService (before the key reaches cloud-init) use it.
///
///     let key = try SSHPublicKey(parsing: "ssh-ed25519 AAAAC3Nza... alice@laptop")
///     key.line   // re-serialised from the parsed parts: no stray whitespace, no control characters
public struct SSHPublicKey: Sendable, Equatable {
    public static let supportedTypes = [
        "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    ]
    static let maxLineBytes = 16 * 1024

    public let type: String
    public let blob: Data
    public let comment: String?

    /// The key as one canonical line, safe to place in a double-quoted YAML scalar.
    public var line: String {
        let base = type + " " + blob.base64EncodedString()
        return comment.map { base + " " + $0 } ?? base
    }

    public init(parsing text: String) throws(SSHKeyError) {
        guard text.utf8.count <= Self.maxLineBytes else { throw .tooLong }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { throw .controlCharacters }
        let fields = text.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard fields.count >= 2 else { throw .notAKeyLine }
        let type = String(fields[0])
        guard Self.supportedTypes.contains(type) else { throw .unsupportedType(type) }
        guard let blob = Data(base64Encoded: String(fields[1])) else { throw .badBase64 }
        try Self.checkBlob(blob, type: type)
        self.type = type
        self.blob = blob
        let comment = fields.count > 2 ? fields[2].trimmingCharacters(in: .whitespaces) : ""
        self.comment = comment.isEmpty ? nil : comment
    }

    /// RFC 4253 6.6, RFC 8709 and RFC 5656 3.1: the blob is a sequence of length-prefixed strings.
    static func checkBlob(_ blob: Data, type: String) throws(SSHKeyError) {
        var reader = WireReader(blob)
        guard let name = reader.string(), String(decoding: name, as: UTF8.self) == type else { throw .typeMismatch(type) }
        switch type {
        case "ssh-ed25519":
            guard let key = reader.string(), key.count == 32 else { throw .badKey(type, "an Ed25519 key is 32 bytes") }
        case "ssh-rsa":
            guard let exponent = reader.string(), !exponent.isEmpty, let modulus = reader.string() else {
                throw .badKey(type, "exponent and modulus are missing")
            }
            let bits = modulus.drop { $0 == 0 }.count * 8
            guard bits >= 1024 else { throw .badKey(type, "the modulus has \(bits) bits; at least 1024 are needed") }
        default:
            let curve = String(type.dropFirst("ecdsa-sha2-".count))
            let pointBytes = ["nistp256": 65, "nistp384": 97, "nistp521": 133][curve]!
            guard let named = reader.string(), String(decoding: named, as: UTF8.self) == curve,
                  let point = reader.string(), point.count == pointBytes, point.first == 0x04
            else { throw .badKey(type, "expected curve \(curve) and an uncompressed point of \(pointBytes) bytes") }
        }
        guard reader.isAtEnd else { throw .badKey(type, "unexpected bytes after the key") }
    }
}

public enum SSHKeyError: Error, Equatable, CustomStringConvertible {
    case tooLong, controlCharacters, notAKeyLine, badBase64
    case unsupportedType(String)
    case typeMismatch(String)
    case badKey(String, String)

    public var description: String {
        switch self {
        case .tooLong: "ssh_key must be at most 16 KiB"
        case .controlCharacters: "ssh_key must be one line without control characters"
        case .notAKeyLine: "ssh_key must be '<type> <base64 key> [comment]', as in ~/.ssh/id_ed25519.pub"
        case .badBase64: "the key part of ssh_key is not valid base64"
        case .unsupportedType(let type):
            "key type '\(type)' is not supported; use one of \(SSHPublicKey.supportedTypes.joined(separator: ", "))"
        case .typeMismatch(let type): "the key data does not hold a \(type) key (the type word and the key disagree)"
        case .badKey(let type, let why): "the \(type) key is malformed: \(why)"
        }
    }
}

/// Reads SSH wire-format strings (uint32 big-endian length, then bytes).
struct WireReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ data: Data) { bytes = Array(data) }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func string() -> ArraySlice<UInt8>? {
        guard bytes.count - offset >= 4 else { return nil }
        let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
        offset += 4
        guard length <= bytes.count - offset else { return nil }
        defer { offset += length }
        return bytes[offset..<offset + length]
    }
}
