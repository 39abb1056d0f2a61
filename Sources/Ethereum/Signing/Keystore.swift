import Crypto
import Foundation
import _CryptoExtras

/// Web3 Secret Storage v3 (the keystore JSON of geth, MetaMask exports and eth-account): the private key encrypted
/// with AES-128-CTR under a key derived from a passphrase (scrypt, or PBKDF2-HMAC-SHA256), and a keccak MAC that
/// tells a wrong passphrase from a damaged file.
public enum Keystore {
    /// scrypt's cost for new keystores: geth's "light" parameters (n = 2^12 would be too weak; 2^18 takes seconds).
    public static let defaultScryptN = 1 << 15

    public static func decrypt(_ json: Data, passphrase: String) throws(KeystoreError) -> PrivateKey {
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: json) } catch { throw .malformed("not a keystore v3 JSON: \(error)") }
        guard file.version == 3 else { throw .malformed("keystore version \(file.version); only 3 is supported") }
        let crypto = file.crypto
        guard crypto.cipher == "aes-128-ctr" else { throw .malformed("cipher \(crypto.cipher); only aes-128-ctr is supported") }
        guard let iv = Hex.decode(crypto.cipherparams.iv), let ciphertext = Hex.decode(crypto.ciphertext),
              let mac = Hex.decode(crypto.mac), let salt = Hex.decode(crypto.kdfparams.salt)
        else { throw .malformed("a hex field of the keystore is not hex") }
        let derived = try deriveKey(passphrase: passphrase, salt: salt, kdf: crypto.kdf, parameters: crypto.kdfparams)
        guard Keccak256.hash(Array(derived[16..<32]) + ciphertext) == mac else { throw .wrongPassphrase }
        let secret = try crypt(ciphertext, key: Array(derived[0..<16]), iv: iv)
        do { return try PrivateKey(bytes: secret) } catch { throw .malformed("the decrypted key is not a valid secp256k1 key") }
    }

    public static func encrypt(_ key: PrivateKey, passphrase: String, scryptN: Int = defaultScryptN) throws(KeystoreError) -> Data {
        let salt = random(32)
        let iv = random(16)
        let parameters = File.KDFParameters(dklen: 32, salt: Hex.encode(salt), n: scryptN, r: 8, p: 1, c: nil, prf: nil)
        let derived = try deriveKey(passphrase: passphrase, salt: salt, kdf: "scrypt", parameters: parameters)
        let ciphertext = try crypt(key.bytes, key: Array(derived[0..<16]), iv: iv)
        let mac = Keccak256.hash(Array(derived[16..<32]) + ciphertext)
        let file = File(
            version: 3, id: UUID().uuidString.lowercased(), address: Hex.encode(key.address.bytes),
            crypto: .init(cipher: "aes-128-ctr", cipherparams: .init(iv: Hex.encode(iv)), ciphertext: Hex.encode(ciphertext),
                          kdf: "scrypt", kdfparams: parameters, mac: Hex.encode(mac)))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { return try encoder.encode(file) } catch { throw .malformed("cannot encode the keystore: \(error)") }
    }

    static func deriveKey(passphrase: String, salt: [UInt8], kdf: String, parameters: File.KDFParameters) throws(KeystoreError) -> [UInt8] {
        guard parameters.dklen == 32 else { throw .malformed("dklen \(parameters.dklen); 32 is expected") }
        let key: SymmetricKey
        do {
            switch kdf {
            case "scrypt":
                guard let n = parameters.n, let r = parameters.r, let p = parameters.p else { throw KeystoreError.malformed("scrypt needs n, r and p") }
                key = try KDF.Scrypt.deriveKey(from: Array(passphrase.utf8), salt: salt, outputByteCount: 32, rounds: n, blockSize: r,
                                               parallelism: p, maxMemory: 1 << 30)
            case "pbkdf2":
                guard let c = parameters.c, parameters.prf == "hmac-sha256" else { throw KeystoreError.malformed("pbkdf2 needs c and prf hmac-sha256") }
                key = try KDF.Insecure.PBKDF2.deriveKey(from: Array(passphrase.utf8), salt: salt, using: .sha256, outputByteCount: 32, rounds: c)
            default:
                throw KeystoreError.malformed("kdf \(kdf); scrypt or pbkdf2 are supported")
            }
        } catch let error as KeystoreError {
            throw error
        } catch {
            throw .malformed("key derivation failed: \(error)")
        }
        return key.withUnsafeBytes { Array($0) }
    }

    static func crypt(_ input: [UInt8], key: [UInt8], iv: [UInt8]) throws(KeystoreError) -> [UInt8] {
        do {
            let output = try AES._CTR.encrypt(input, using: SymmetricKey(data: key), nonce: .init(nonceBytes: iv))
            return Array(output)
        } catch {
            throw .malformed("AES-128-CTR failed: \(error)")
        }
    }

    static func random(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in generator.next() }
    }

    struct File: Codable {
        struct CipherParameters: Codable { let iv: String }
        struct KDFParameters: Codable {
            let dklen: Int
            let salt: String
            let n: Int?
            let r: Int?
            let p: Int?
            let c: Int?
            let prf: String?
        }
        struct CryptoSection: Codable {
            let cipher: String
            let cipherparams: CipherParameters
            let ciphertext: String
            let kdf: String
            let kdfparams: KDFParameters
            let mac: String
        }

        let version: Int
        let id: String?
        let address: String?
        let crypto: CryptoSection
    }
}

public enum KeystoreError: Error, Equatable, CustomStringConvertible {
    case wrongPassphrase
    case malformed(String)

    public var description: String {
        switch self {
        case .wrongPassphrase: "the keystore's MAC does not match: wrong passphrase (or a damaged file)"
        case .malformed(let why): "unusable keystore: \(why)"
        }
    }
}
