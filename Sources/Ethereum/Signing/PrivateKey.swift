import CSecp256k1

/// A secp256k1 private key with recoverable ECDSA signing, through Debian's libsecp256k1 (bitcoin-core's
/// constant-time implementation; RFC 6979 nonces; low-S signatures). The key bytes never appear in
/// `description`, so a key logged by mistake shows nothing.
public struct PrivateKey: Sendable, CustomStringConvertible {
    let secret: [UInt8]

    public init(bytes: [UInt8]) throws(SigningError) {
        guard bytes.count == 32, Secp256k1Context.shared.withContext({ secp256k1_ec_seckey_verify($0, bytes) == 1 }) else {
            throw .invalidPrivateKey
        }
        secret = bytes
    }

    /// A new key from the system's random source (getrandom), retried in the negligible case that it is invalid.
    public static func generate() throws(SigningError) -> PrivateKey {
        for _ in 0..<8 {
            var bytes = [UInt8](repeating: 0, count: 32)
            var generator = SystemRandomNumberGenerator()
            for index in bytes.indices { bytes[index] = generator.next() }
            if let key = try? PrivateKey(bytes: bytes) { return key }
        }
        throw .invalidPrivateKey
    }

    public var bytes: [UInt8] { secret }
    public var description: String { "PrivateKey(<redacted>)" }

    /// The 64-byte uncompressed public key without its 0x04 prefix.
    public var publicKey: [UInt8] {
        Secp256k1Context.shared.withContext { context in
            var point = secp256k1_pubkey()
            precondition(secp256k1_ec_pubkey_create(context, &point, secret) == 1)
            var output = [UInt8](repeating: 0, count: 65)
            var length = 65
            secp256k1_ec_pubkey_serialize(context, &output, &length, &point, UInt32(SECP256K1_EC_UNCOMPRESSED))
            return Array(output.dropFirst())
        }
    }

    /// The account: the last 20 bytes of keccak256 of the public key.
    public var address: Address { Address(unchecked: Array(Keccak256.hash(publicKey).suffix(20))) }

    /// Signs a 32-byte digest; `recoveryID` (0 or 1) lets a verifier recover the public key.
    public func sign(digest: [UInt8]) throws(SigningError) -> Signature {
        guard digest.count == 32 else { throw .badDigest }
        return try Secp256k1Context.shared.withContext { context throws(SigningError) in
            var signature = secp256k1_ecdsa_recoverable_signature()
            guard secp256k1_ecdsa_sign_recoverable(context, &signature, digest, secret, nil, nil) == 1 else { throw .signingFailed }
            var compact = [UInt8](repeating: 0, count: 64)
            var recoveryID: Int32 = 0
            secp256k1_ecdsa_recoverable_signature_serialize_compact(context, &compact, &recoveryID, &signature)
            return Signature(r: Array(compact[0..<32]), s: Array(compact[32..<64]), recoveryID: UInt8(recoveryID))
        }
    }
}

public struct Signature: Equatable, Sendable {
    public let r: [UInt8]
    public let s: [UInt8]
    public let recoveryID: UInt8

    /// The address whose key made this signature over `digest` (what a node does to find a transaction's sender).
    public func recoverAddress(digest: [UInt8]) throws(SigningError) -> Address {
        try Secp256k1Context.shared.withContext { context throws(SigningError) in
            var signature = secp256k1_ecdsa_recoverable_signature()
            guard secp256k1_ecdsa_recoverable_signature_parse_compact(context, &signature, r + s, Int32(recoveryID)) == 1 else {
                throw .signingFailed
            }
            var point = secp256k1_pubkey()
            guard secp256k1_ecdsa_recover(context, &point, &signature, digest) == 1 else { throw .signingFailed }
            var output = [UInt8](repeating: 0, count: 65)
            var length = 65
            secp256k1_ec_pubkey_serialize(context, &output, &length, &point, UInt32(SECP256K1_EC_UNCOMPRESSED))
            return Address(unchecked: Array(Keccak256.hash(output.dropFirst()).suffix(20)))
        }
    }
}

public enum SigningError: Error, Equatable, CustomStringConvertible {
    case invalidPrivateKey, badDigest, signingFailed

    public var description: String {
        switch self {
        case .invalidPrivateKey: "not a valid secp256k1 private key (32 bytes, between 1 and the curve order)"
        case .badDigest: "a signature is made over a 32-byte digest"
        case .signingFailed: "secp256k1 could not sign or recover"
        }
    }
}

/// One libsecp256k1 context for the process, randomised once against side channels. Contexts are safe to share
/// for signing and verification once created (the library's documentation); the lock only guards creation.
final class Secp256k1Context: @unchecked Sendable {
    static let shared = Secp256k1Context()
    private let context: OpaquePointer

    private init() {
        context = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE))!
        var seed = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in seed.indices { seed[index] = generator.next() }
        _ = secp256k1_context_randomize(context, seed)
    }

    func withContext<T, E: Error>(_ body: (OpaquePointer) throws(E) -> T) throws(E) -> T { try body(context) }
}
