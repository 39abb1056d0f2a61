import Ethereum
import Foundation
import Logging

/// The provider's Ethereum key: its address is the provider id; it signs withdrawals. It is created on first start
/// and kept in the key folder (0700) as the original node keeps it (`provider_key.json`, `{"address", "private_key"}`,
/// 0600), or, when a passphrase is configured, as an encrypted Web3 keystore (`keystore.json`, 0600) instead.
/// The key never reaches a log line, an error message or an API answer (`PrivateKey.description` is redacted).
struct ProviderWallet: Sendable {
    struct Options: Sendable {
        var directory: String
        /// Hex from `ETHEREUM_PRIVATE_KEY`: used as given, never written anywhere.
        var explicitKey: String? = nil
        var passphrase: String? = nil
    }

    let key: PrivateKey
    var address: Address { key.address }

    static let plainFile = "provider_key.json"
    static let keystoreFile = "keystore.json"

    static func loadOrCreate(_ options: Options, logger: Logger) throws(WalletError) -> ProviderWallet {
        if let hex = options.explicitKey {
            guard let bytes = Hex.decode(hex), let key = try? PrivateKey(bytes: bytes) else {
                throw .unusable("GOLEM_PROVIDER_ETHEREUM_PRIVATE_KEY is not a 32-byte hex secp256k1 key")
            }
            return ProviderWallet(key: key)
        }
        let directory = options.directory
        try ensurePrivateDirectory(directory)
        let keystore = directory + "/" + keystoreFile
        let plain = directory + "/" + plainFile
        if FileManager.default.fileExists(atPath: keystore) {
            guard let passphrase = options.passphrase else {
                throw .unusable("\(keystore) is encrypted; set GOLEM_PROVIDER_WALLET_PASSPHRASE or GOLEM_PROVIDER_WALLET_PASSPHRASE_FILE")
            }
            try checkPrivate(keystore)
            do { return ProviderWallet(key: try Keystore.decrypt(try Data(contentsOf: URL(fileURLWithPath: keystore)), passphrase: passphrase)) } catch {
                throw .unusable("cannot open \(keystore): \(error)")
            }
        }
        if FileManager.default.fileExists(atPath: plain) {
            try checkPrivate(plain)
            let wallet = try readPlain(plain)
            if let passphrase = options.passphrase {
                try writeKeystore(wallet.key, passphrase: passphrase, to: keystore)
                try? FileManager.default.removeItem(atPath: plain)
                logger.notice("provider key encrypted into a keystore; the plain key file was removed", metadata: ["keystore": "\(keystore)"])
            }
            return wallet
        }
        let key: PrivateKey
        do { key = try PrivateKey.generate() } catch { throw .unusable("cannot generate a key: \(error)") }
        if let passphrase = options.passphrase {
            try writeKeystore(key, passphrase: passphrase, to: keystore)
        } else {
            let body = #"{"address": "\#(key.address.checksummed)", "private_key": "\#(Hex.encode(key.bytes))"}"#
            try writePrivate(Data(body.utf8), to: plain)
        }
        logger.notice("created the provider key", metadata: ["address": "\(key.address)", "encrypted": "\(options.passphrase != nil)"])
        return ProviderWallet(key: key)
    }

    private static func readPlain(_ path: String) throws(WalletError) -> ProviderWallet {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let hex = object["private_key"] as? String, let bytes = Hex.decode(hex), let key = try? PrivateKey(bytes: bytes)
        else { throw .unusable("\(path) does not hold {\"private_key\": \"<hex>\"} with a valid key") }
        if let address = object["address"] as? String, (try? Address(address)) != key.address {
            throw .unusable("\(path): its address does not belong to its private key; the file is damaged")
        }
        return ProviderWallet(key: key)
    }

    private static func writeKeystore(_ key: PrivateKey, passphrase: String, to path: String) throws(WalletError) {
        do { try writePrivate(try Keystore.encrypt(key, passphrase: passphrase), to: path) } catch let error as WalletError {
            throw error
        } catch {
            throw .unusable("cannot encrypt the key: \(error)")
        }
    }

    /// Created 0600 from the start (never briefly readable by others), then renamed into place.
    private static func writePrivate(_ data: Data, to path: String) throws(WalletError) {
        let temporary = path + ".tmp"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .unusable("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        fsync(descriptor)
        close(descriptor)
        guard written == data.count, rename(temporary, path) == 0 else { throw .unusable("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    private static func ensurePrivateDirectory(_ path: String) throws(WalletError) {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) } catch {
            throw .unusable("cannot create the key folder \(path): \(error.localizedDescription)")
        }
        chmod(path, 0o700)
    }

    /// Like ssh with its keys: a key file that others can read is refused, not silently used.
    private static func checkPrivate(_ path: String) throws(WalletError) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .unusable("cannot read \(path)") }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw .unusable("\(path) is readable by others (mode \(String(mode, radix: 8))); run chmod 600 \(path)")
        }
    }
}

struct WalletError: Error, CustomStringConvertible, Equatable {
    let description: String
    static func unusable(_ message: String) -> WalletError { WalletError(description: message) }
}
