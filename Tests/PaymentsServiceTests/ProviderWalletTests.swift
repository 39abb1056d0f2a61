import Ethereum
import Foundation
import Logging
import Testing
@testable import PaymentsService

@Suite struct ProviderWalletTests {
    let logger = Logger(label: "test")

    func folder() throws -> String {
        let path = NSTemporaryDirectory() + "wallet-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path + "/keys"
    }

    func mode(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? Int) ?? -1
    }

    @Test func createsThePlainKeyFileOnceWithPrivateModes() throws {
        let directory = try folder()
        let first = try ProviderWallet.loadOrCreate(.init(directory: directory), logger: logger)
        #expect(mode(directory) == 0o700)
        #expect(mode(directory + "/provider_key.json") == 0o600)
        let again = try ProviderWallet.loadOrCreate(.init(directory: directory), logger: logger)
        #expect(again.address == first.address)
        // The original node's format: address and hex private key.
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/provider_key.json"))) as? [String: String]
        #expect(object?["address"] == first.address.checksummed)
        #expect(object?["private_key"] == Hex.encode(first.key.bytes))
    }

    @Test func refusesAKeyFileOthersCanRead() throws {
        let directory = try folder()
        _ = try ProviderWallet.loadOrCreate(.init(directory: directory), logger: logger)
        chmod(directory + "/provider_key.json", 0o644)
        #expect(throws: WalletError.self) { try ProviderWallet.loadOrCreate(.init(directory: directory), logger: logger) }
    }

    @Test func aPassphraseEncryptsTheKeyAndRemovesThePlainFile() throws {
        let directory = try folder()
        let plain = try ProviderWallet.loadOrCreate(.init(directory: directory), logger: logger)
        let encrypted = try ProviderWallet.loadOrCreate(.init(directory: directory, passphrase: "s3cret"), logger: logger)
        #expect(encrypted.address == plain.address)
        #expect(!FileManager.default.fileExists(atPath: directory + "/provider_key.json"))
        #expect(mode(directory + "/keystore.json") == 0o600)
        let keystore = try String(contentsOfFile: directory + "/keystore.json", encoding: .utf8)
        #expect(!keystore.contains(Hex.encode(plain.key.bytes)))
        #expect(throws: WalletError.self) { try ProviderWallet.loadOrCreate(.init(directory: directory), logger: logger) }
        #expect(throws: WalletError.self) { try ProviderWallet.loadOrCreate(.init(directory: directory, passphrase: "wrong"), logger: logger) }
        #expect(try ProviderWallet.loadOrCreate(.init(directory: directory, passphrase: "s3cret"), logger: logger).address == plain.address)
    }

    @Test func anExplicitKeyIsUsedAndNeverWritten() throws {
        let directory = try folder()
        let hex = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
        let wallet = try ProviderWallet.loadOrCreate(.init(directory: directory, explicitKey: hex), logger: logger)
        #expect(wallet.address.checksummed == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
        #expect(!FileManager.default.fileExists(atPath: directory))
        #expect(throws: WalletError.self) { try ProviderWallet.loadOrCreate(.init(directory: directory, explicitKey: "0x1234"), logger: logger) }
    }
}
