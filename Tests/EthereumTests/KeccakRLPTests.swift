import Testing
@testable import Ethereum

func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }
func bytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.hasPrefix("0x") ? hex.dropFirst(2) : Substring(hex))
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}

@Suite struct Keccak256Tests {
    @Test func publishedDigests() {
        #expect(hex(Keccak256.hash([])) == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        #expect(hex(Keccak256.hash(Array("abc".utf8))) == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
    }

    /// The same permutation and sponge with SHA3's padding, against NIST's 200 × 0xA3 example and Python's hashlib:
    /// messages of one, two and six blocks.
    @Test func permutationAgreesWithSHA3() {
        #expect(hex(Keccak256.sponge([UInt8](), domain: 0x06)) == "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a")
        #expect(hex(Keccak256.sponge([UInt8](repeating: 0xA3, count: 200), domain: 0x06)) == "79f38adec5c20307a98ef76e8324afbfd46cfd81b22e3973c65fa1bd9de31787")
        let counting = (0..<3).flatMap { _ in (0...255).map(UInt8.init) }
        #expect(hex(Keccak256.sponge(counting, domain: 0x06)) == "c043b2b15d405c9f4cd92fdaef420eba6201d328fb34ec0e2c16e4981b9e4b39")
    }

    @Test func streamPaymentSelectorsAndTopics() {
        let selectors = [
            "streams(uint256)": "64d60d91", "withdraw(uint256)": "2e1a7d4d", "terminate(uint256)": "7a828b28",
            "createStream(address,address,uint256,uint128)": "506efe70", "topUp(uint256,uint256)": "de643a71",
            "haltStream(uint256)": "0b3f8976", "oracle()": "7dc0d1d0", "nextStreamId()": "1e99d569",
            "balanceOf(address)": "70a08231", "approve(address,uint256)": "095ea7b3",
        ]
        for (signature, selector) in selectors {
            #expect(hex(Array(Keccak256.hash(Array(signature.utf8)).prefix(4))) == selector, "\(signature)")
        }
        #expect(hex(Keccak256.hash(Array("Halted(uint256)".utf8))) == "14a94dbc2f7e9418dbda76b366e946fd5e17923e5cc43d07703095c162035b97")
        #expect(hex(Keccak256.hash(Array("Withdraw(uint256,address,uint256)".utf8))) == "9da6493a92039daf47d1f2d7a782299c5994c6323eb1e972f69c432089ec52bf")
    }
}

/// Vectors from the Ethereum wiki's RLP page.
@Suite struct RLPTests {
    @Test func encodes() {
        #expect(RLP.bytes(Array("dog".utf8)).encoded == bytes("83646f67"))
        #expect(RLP.list([.bytes(Array("cat".utf8)), .bytes(Array("dog".utf8))]).encoded == bytes("c88363617483646f67"))
        #expect(RLP.bytes([]).encoded == [0x80])
        #expect(RLP.list([]).encoded == [0xC0])
        #expect(RLP.uint(0).encoded == [0x80])
        #expect(RLP.uint(15).encoded == [0x0F])
        #expect(RLP.uint(1024).encoded == bytes("820400"))
        #expect(RLP.list([.list([]), .list([.list([])]), .list([.list([]), .list([.list([])])])]).encoded == bytes("c7c0c1c0c3c0c1c0"))
        let lorem = Array("Lorem ipsum dolor sit amet, consectetur adipisicing elit".utf8)
        #expect(RLP.bytes(lorem).encoded == [0xB8, 0x38] + lorem)
    }

    @Test func decodesWhatItEncodesAndRefusesNonCanonicalForms() throws {
        let item = RLP.list([.uint(1024), .bytes([]), .list([.bytes(Array(repeating: 7, count: 60))])])
        #expect(try RLP.decode(item.encoded) == item)
        #expect(throws: RLPError.nonCanonical) { try RLP.decode([0x81, 0x05]) }
        #expect(throws: RLPError.nonCanonical) { try RLP.decode([0xB8, 0x02, 0x01, 0x02]) }
        #expect(throws: RLPError.truncated) { try RLP.decode([0x83, 0x64]) }
        #expect(throws: RLPError.trailingBytes) { try RLP.decode([0x80, 0x80]) }
    }
}
