import Testing
@testable import Ethereum

@Suite struct SigningTests {
    /// The example of EIP-155 itself: its signing hash, and the signed transaction byte for byte.
    @Test func eip155Example() throws {
        let key = try PrivateKey(bytes: [UInt8](repeating: 0x46, count: 32))
        let transaction = LegacyTransaction(
            chainID: 1, nonce: 9, gasPrice: try UInt256(decimal: "20000000000"), gasLimit: 21000,
            to: try Address("0x3535353535353535353535353535353535353535"), value: try UInt256(decimal: "1000000000000000000"), data: [])
        #expect(hex(transaction.signingHash) == "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53")
        let (raw, _) = try Transaction.legacy(transaction).signed(with: key)
        #expect(hex(raw) == "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83")
    }

    /// A well-known test key (Hardhat/anvil account #0) and its address.
    @Test func addressOfAKnownKey() throws {
        let key = try PrivateKey(bytes: bytes("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"))
        #expect(key.address.description == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
        #expect(!key.description.contains("ac0974"))
    }

    @Test func eip1559SignatureRecoversTheSender() throws {
        let key = try PrivateKey.generate()
        let transaction = EIP1559Transaction(
            chainID: 17000, nonce: 3, maxPriorityFeePerGas: 1_000_000_000, maxFeePerGas: 30_000_000_000, gasLimit: 100_000,
            to: try Address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"), value: 0,
            data: ABI.call("withdraw(uint256)", [.uint(7)]))
        let (raw, hash) = try Transaction.eip1559(transaction).signed(with: key)
        #expect(raw.first == 0x02)
        #expect(hash == Keccak256.hash(raw))
        guard case .list(let fields) = try RLP.decode(Array(raw.dropFirst())), fields.count == 12,
              case .bytes(let parity) = fields[9], case .bytes(let r) = fields[10], case .bytes(let s) = fields[11]
        else { Issue.record("not a type-2 transaction"); return }
        let pad = { (value: [UInt8]) in [UInt8](repeating: 0, count: 32 - value.count) + value }
        let signature = Signature(r: pad(r), s: pad(s), recoveryID: parity.first ?? 0)
        #expect(try signature.recoverAddress(digest: transaction.signingHash) == key.address)
    }

    @Test func refusesInvalidKeys() {
        #expect(throws: SigningError.invalidPrivateKey) { try PrivateKey(bytes: [UInt8](repeating: 0, count: 32)) }
        #expect(throws: SigningError.invalidPrivateKey) { try PrivateKey(bytes: [UInt8](repeating: 0xFF, count: 32)) }
        #expect(throws: SigningError.invalidPrivateKey) { try PrivateKey(bytes: [1, 2, 3]) }
    }
}
