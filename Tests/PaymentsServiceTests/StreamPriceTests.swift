import Ethereum
import Foundation
import Shared
import Testing
@testable import PaymentsService

@Suite struct StreamPriceTests {
    @Test("token prices per month become a minimum rate in wei per second over the requestors' 730-hour month")
    func tokenPrices() {
        let price = StreamPrice.from(usd: (5, 2, 0.1), token: (2.628, 0, 0), tokenUSDPrice: nil)!
        // 2.628 ETH per core-month is 10^12 wei per core-second, less the one-in-a-million rounding allowance.
        #expect(price.minimumRate(cpu: 1, memoryGB: 1, storageGB: 10) == 999_999_000_000)
        #expect(price.minimumRate(cpu: 4, memoryGB: 8, storageGB: 40) == 3_999_996_000_000)
    }

    @Test("USD prices over the token's USD price; the original's defaults for a 2-core, 4 GB, 20 GB VM")
    func usdPrices() {
        let price = StreamPrice.from(usd: (5, 2, 0.1), token: (0, 0, 0), tokenUSDPrice: 2000)!
        // (2×5 + 4×2 + 20×0.1) USD = 20 USD = 0.01 ETH per month → 10^16 / 2,628,000 wei per second.
        #expect(price.monthly(cpu: 2, memoryGB: 4, storageGB: 20) == Decimal(string: "0.01")!)
        #expect(price.minimumRate(cpu: 2, memoryGB: 4, storageGB: 20) == 3_805_171_232)   // 3,805,175,038 less one part in a million
    }

    @Test("no token price and no token USD price: no rate rule (said at start)")
    func unknownPrice() {
        #expect(StreamPrice.from(usd: (5, 2, 0.1), token: (0, 0, 0), tokenUSDPrice: nil) == nil)
    }

    @Test("the requestor's float arithmetic, truncated, still passes the rule")
    func requestorRounding() {
        let price = StreamPrice.from(usd: (5, 2, 0.1), token: (0, 0, 0), tokenUSDPrice: 1234.5678)!
        let glmPerMonth = (1 * 5.0 + 2 * 2.0 + 10 * 0.1) / 1234.5678
        let requestorRate = UInt64(glmPerMonth / (730 * 3600) * 1e18)
        #expect(UInt256(requestorRate) >= price.minimumRate(cpu: 1, memoryGB: 2, storageGB: 10))
    }
}

@Suite struct OrderedJSONTests {
    @Test("uint256 amounts stay JSON numbers; keys keep their order; Python's indent=2 layout")
    func rendering() {
        let json = OrderedJSON.object([
            ("b", .integer("115792089237316195423570985008687907853269984665640564039457584007913129639935")),
            ("a", .array([.bool(true), .null, .string("q\"\\\n\u{1}")])),
            ("e", .object([])), ("f", .array([])),
        ])
        #expect(json.rendered() == #"{"b":115792089237316195423570985008687907853269984665640564039457584007913129639935,"a":[true,null,"q\"\\\n\u0001"],"e":{},"f":[]}"#)
        #expect(json.rendered(pretty: true) == """
            {
              "b": 115792089237316195423570985008687907853269984665640564039457584007913129639935,
              "a": [
                true,
                null,
                "q\\"\\\\\\n\\u0001"
              ],
              "e": {},
              "f": []
            }
            """)
        let parsed = try? JSONSerialization.jsonObject(with: Data(json.rendered().utf8)) as? [String: Any]
        #expect((parsed?["a"] as? [Any])?.count == 3)
    }
}
