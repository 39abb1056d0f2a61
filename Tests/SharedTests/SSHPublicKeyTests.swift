import Foundation
import Testing
@testable import Shared

/// Keys made with ssh-keygen (OpenSSH 9) on this machine; each must parse, and every broken variant must not.
@Suite struct SSHPublicKeyTests {
    static let ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILBqHcrP8rNurmeMBSKbFKAVMXhAXjw2QGeRyHAch0AE alice@laptop"
    static let rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC/3AjI9ZpvtxNpeTt6j1VIgEd+qjxmdPbJq65yqm13bbLi1ci2/+GOxU6/bG0DuZsBDBstqYUpU473GDok9jqn6gKSV8AlScmjiUgQzDWs3C/CSFJXCBA3jQplYcgRVC71ZMDCxcGf9EpaoCkO3GOgXTo0PjrxO4F2dgUELNhzeE3Llvv/pHHMnXe+FE/DJa6cfT0kIfO5TJe32K9LkhytTWkcDNf0KA8IHwVAON4iNwQ9KchsJchTn8gCnAwOy2qANGi4hjudKVFUBlyNxvpBcITpy7pRz70cHAMCoftDPB4NgnUPeiVMeEI9N4cEnd4MOuD47yEd5kvmNPzHJ0Rt"
    static let ecdsa384 = "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBNqZXoXJym4K0/J3Dq2hkopHBCoAcBMz9d55E0K3MKmNM2yc3X5Ob71AwdLpaeMPPyfkYi+lr5K2c2EgJIJrHMLO8o9IZW3hrlqsT+Z7awRQlH7uVnjzt9N5l9ptuHKB/Q== bob"

    @Test func parsesEachSupportedType() throws {
        #expect(try SSHPublicKey(parsing: Self.ed25519).type == "ssh-ed25519")
        #expect(try SSHPublicKey(parsing: Self.ed25519).comment == "alice@laptop")
        #expect(try SSHPublicKey(parsing: Self.rsa).comment == nil)
        #expect(try SSHPublicKey(parsing: Self.ecdsa384).type == "ecdsa-sha2-nistp384")
    }

    @Test func canonicalLineDropsStrayWhitespace() throws {
        #expect(try SSHPublicKey(parsing: "  " + Self.ed25519.replacingOccurrences(of: " ", with: "   ") + " ").line == Self.ed25519)
    }

    @Test func refusesWhatIsNotAKey() {
        let ed25519Blob = Self.ed25519.split(separator: " ")[1]
        #expect(throws: SSHKeyError.notAKeyLine) { try SSHPublicKey(parsing: "ssh-ed25519") }
        #expect(throws: SSHKeyError.unsupportedType("ssh-dss")) { try SSHPublicKey(parsing: "ssh-dss AAAA") }
        #expect(throws: SSHKeyError.badBase64) { try SSHPublicKey(parsing: "ssh-ed25519 not*base64") }
        #expect(throws: SSHKeyError.typeMismatch("ssh-rsa")) { try SSHPublicKey(parsing: "ssh-rsa \(ed25519Blob)") }
        #expect(throws: SSHKeyError.controlCharacters) { try SSHPublicKey(parsing: Self.ed25519 + "\nruncmd: [evil]") }
        #expect(throws: SSHKeyError.tooLong) { try SSHPublicKey(parsing: "ssh-rsa " + String(repeating: "A", count: 20_000)) }
        // A truncated Ed25519 key: the type string is right, the key is 31 bytes.
        var blob = Data(base64Encoded: String(ed25519Blob))!
        blob[blob.count - 33] = 31
        blob.removeLast()
        #expect(throws: SSHKeyError.badKey("ssh-ed25519", "an Ed25519 key is 32 bytes")) {
            try SSHPublicKey(parsing: "ssh-ed25519 " + blob.base64EncodedString())
        }
        // Trailing bytes after a valid key.
        let padded = Data(base64Encoded: String(ed25519Blob))! + Data([0, 0, 0, 0])
        #expect(throws: SSHKeyError.badKey("ssh-ed25519", "unexpected bytes after the key")) {
            try SSHPublicKey(parsing: "ssh-ed25519 " + padded.base64EncodedString())
        }
    }

    @Test func commentWithQuotesStaysInsideOneYAMLScalar() throws {
        let key = try SSHPublicKey(parsing: Self.ed25519 + "\" ]: x")
        #expect(key.comment == "alice@laptop\" ]: x")
    }
}
