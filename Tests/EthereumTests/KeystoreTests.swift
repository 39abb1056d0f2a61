import Foundation
import Testing
@testable import Ethereum

/// The Web3 Secret Storage specification's PBKDF2 vector, an scrypt keystore made by eth-keyfile, and our own.
@Suite struct KeystoreTests {
    static let expectedKey = "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d"

    @Test func specificationVectors() throws {
        let pbkdf2 = #"{"crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"6087dab2f9fdbbfaddc31a909735c1e6"},"ciphertext":"5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46","kdf":"pbkdf2","kdfparams":{"c":262144,"dklen":32,"prf":"hmac-sha256","salt":"ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd"},"mac":"517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2"},"id":"3198bc9c-6672-5ab3-d995-4942343ae5b6","version":3}"#
        // The specification's scrypt vector uses r = 1 with n = 2^18, which RFC 7914 (and BoringSSL) do not allow
        // (n must be below 2^(16 r)); this one was made by eth-keyfile with geth's r = 8.
        let scrypt = #"{"address":"008AeEda4D805471dF9b2A5B0f38A0C3bCBA786b","crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"e1ed98d3e772ebc3e20fc85f00e1f8a3"},"ciphertext":"200f0d556129701fef536c76948910dfe73071fc91192c6f296f4ccddb7da1c5","kdf":"scrypt","kdfparams":{"dklen":32,"n":16384,"r":8,"p":1,"salt":"513e5c6bfe7348949d93fa816309cd95"},"mac":"7e26eed282b3715f1860d43b3085b3f99a1c16a58084a8b149c8db3dcb39fdbe"},"id":"397d67f6-22cc-4cfc-a475-884292e22d65","version":3}"#
        for vector in [pbkdf2, scrypt] {
            #expect(Hex.encode(try Keystore.decrypt(Data(vector.utf8), passphrase: "testpassword").bytes) == Self.expectedKey)
            #expect(throws: KeystoreError.wrongPassphrase) { try Keystore.decrypt(Data(vector.utf8), passphrase: "wrong") }
        }
    }

    @Test func encryptsAndDecryptsOwnKeystores() throws {
        let key = try PrivateKey.generate()
        let json = try Keystore.encrypt(key, passphrase: "correct horse", scryptN: 1 << 10)
        #expect(try Keystore.decrypt(json, passphrase: "correct horse").address == key.address)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains(Hex.encode(key.address.bytes)))
        #expect(!text.contains(Hex.encode(key.bytes)))
        #expect(throws: KeystoreError.wrongPassphrase) { try Keystore.decrypt(json, passphrase: "Correct horse") }
        #expect(throws: KeystoreError.self) { try Keystore.decrypt(Data("{}".utf8), passphrase: "x") }
    }
}
