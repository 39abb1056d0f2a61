import Testing
@testable import Ethereum

@Suite struct UInt256Tests {
    @Test func parsesAndPrints() throws {
        let max = "115792089237316195423570985008687907853269984665640564039457584007913129639935"
        #expect(try UInt256(decimal: max) == .max)
        #expect(UInt256.max.description == max)
        #expect(try UInt256(hex: "0xde0b6b3a7640000").description == "1000000000000000000")
        #expect(try UInt256(decimal: "1000000000000000000").hexQuantity == "0xde0b6b3a7640000")
        #expect(UInt256.zero.hexQuantity == "0x0")
        #expect(throws: NumberError.tooLarge(max + "0")) { try UInt256(decimal: max + "0") }
        #expect(throws: NumberError.notANumber("12a")) { try UInt256(decimal: "12a") }
    }

    @Test func arithmeticAcrossLimbs() throws {
        let twoTo128 = UInt256(1) << 128
        #expect(twoTo128.description == "340282366920938463463374607431768211456")
        #expect((twoTo128 - 1).bitWidthUsed == 128)
        #expect(UInt256.max.addingReportingOverflow(1).overflow)
        #expect(UInt256.zero.subtractingReportingOverflow(1).overflow)
        let a = try UInt256(decimal: "123456789012345678901234567890")
        let b = try UInt256(decimal: "987654321098765432109876543210")
        #expect((a * b).description == "121932631137021795226185032733622923332237463801111263526900")
        #expect((a * b) / b == a)
        #expect(((a * b) + 17) % b == 17)
        #expect(UInt256(bigEndian: (a * b).bigEndianBytes) == a * b)
    }
}

/// The EIP-55 specification's examples.
@Suite struct AddressTests {
    @Test func checksums() throws {
        for text in ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                     "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"] {
            #expect(try Address(text.lowercased()).description == text)
            #expect(try Address(text).description == text)
        }
        #expect(try Address("0x52908400098527886E0F7030069857D2E4169EE7").description == "0x52908400098527886E0F7030069857D2E4169EE7")
        #expect(try Address("0xde709f2102306220921060314715629080e2fb77").description == "0xde709f2102306220921060314715629080e2fb77")
        #expect(throws: AddressError.badChecksum("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")) {
            try Address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")
        }
        #expect(throws: AddressError.malformed("0x1234")) { try Address("0x1234") }
    }
}

@Suite struct ABITests {
    @Test func solidityDocumentationExample() {
        // baz(uint32,bool) with 69 and true, from the Solidity ABI specification.
        #expect(hex(ABI.call("baz(uint32,bool)", [.uint(69), .bool(true)])) ==
            "cdcd77c0" + String(repeating: "0", count: 62) + "45" + String(repeating: "0", count: 63) + "1")
    }

    @Test func streamsTupleRoundTripsAndRangesAreChecked() throws {
        let sender = try Address("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")
        let values: [ABI.Value] = [.address(.zero), .address(sender), .address(sender), .uint(100), .uint(200), .uint(5),
                                   .uint(500), .uint(0), .bool(false)]
        let kinds: [ABI.Kind] = [.address, .address, .address, .uint(128), .uint(128), .uint(128), .uint(256), .uint(256), .bool]
        #expect(try ABI.decode(kinds, from: ABI.encode(values)) == values)
        var tooWide = ABI.encode(values)
        tooWide[3 * 32 + 15] = 1   // a uint128 field with bit 128 set
        #expect(throws: ABIError.outOfRange(index: 3, kind: "uint128")) { try ABI.decode(kinds, from: tooWide) }
        #expect(throws: ABIError.tooShort(expected: 288, got: 64)) { try ABI.decode(kinds, from: Array(tooWide.prefix(64))) }
    }

    @Test func revertReasons() {
        let data = [0x08, 0xC3, 0x79, 0xA0] + ABI.encode([.string("nothing to withdraw")])
        #expect(ABI.revertReason(data) == "nothing to withdraw")
        #expect(ABI.revertReason([0x01, 0x02]) == nil)
    }
}
