import Foundation
import ProviderTestSupport
import Testing

/// The provider's key through the real node: created once, 0600 in a 0700 folder, its address is the provider id
/// in `/provider/info`, and neither the key nor the passphrase appears in any log.
@Suite("Provider wallet, real executables", .serialized)
struct WalletTests {
    @Test("first start creates the key; the provider id is its address; a restart keeps it; no secret in the logs")
    func keyAndProviderID() async throws {
        let node = try TestNode()
        try await node.start()
        let info = try await node.get("/api/v1/provider/info").object()
        let keyFile = node.dataDirectory + "/keys/provider_key.json"
        let stored = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: keyFile))) as? [String: String]
        let address = try #require(stored?["address"])
        let secret = try #require(stored?["private_key"])
        #expect(info["provider_id"] as? String == address)
        #expect((try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int) == 0o600)
        #expect((try FileManager.default.attributesOfItem(atPath: node.dataDirectory + "/keys")[.posixPermissions] as? Int) == 0o700)

        let payments = try #require(node.servicePID("golem-payments"))
        kill(payments, SIGKILL)
        try await waitUntil("golem-payments is back with the same id") {
            guard let pid = node.servicePID("golem-payments"), pid != payments else { return false }
            return (try? await node.get("/api/v1/provider/info").object()["provider_id"] as? String) == address
        }
        await node.stop()
        #expect(!node.log().contains(secret))
    }

    @Test("with a passphrase file the key is an encrypted keystore; the passphrase is never logged")
    func keystore() async throws {
        let scratch = try Scratch.makeDirectory(prefix: "pw")
        let passphraseFile = scratch + "/passphrase"
        FileManager.default.createFile(atPath: passphraseFile, contents: Data("correct horse battery\n".utf8), attributes: [.posixPermissions: 0o600])
        try await TestNode.withNode(extraEnvironment: ["GOLEM_PROVIDER_WALLET_PASSPHRASE_FILE": passphraseFile]) { node in
            let keystore = node.dataDirectory + "/keys/keystore.json"
            #expect(FileManager.default.fileExists(atPath: keystore))
            #expect(!FileManager.default.fileExists(atPath: node.dataDirectory + "/keys/provider_key.json"))
            let file = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: keystore))) as? [String: Any]
            let info = try await node.get("/api/v1/provider/info").object()
            #expect((info["provider_id"] as? String)?.lowercased() == "0x" + ((file?["address"] as? String) ?? "-"))
            #expect(!node.log().contains("correct horse"))
        }
    }
}
