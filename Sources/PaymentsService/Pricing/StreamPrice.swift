import Ethereum
import Foundation

/// The provider's price as a minimum stream rate: monthly prices per core, GB of RAM and GB of disk in the payment
/// token (given directly, or USD prices over the token's USD price), over the requestors' month of 730 hours,
/// in the token's smallest unit (18 decimals) per second.
struct StreamPrice: Sendable, Equatable {
    /// Token per unit per month.
    var perCore: Decimal
    var perGBRAM: Decimal
    var perGBStorage: Decimal

    static let secondsPerMonth = Decimal(730 * 3600)
    static let weiPerToken = Decimal(sign: .plus, exponent: 18, significand: 1)
    /// Requestor tools compute the rate in floating point and truncate it; a rate this close below the exact
    /// price (one part in a million) still passes, so rounding never turns away an honest requestor.
    static let tolerance = Decimal(string: "0.999999")!

    /// nil when no price can be known (no token prices and no token USD price): the rate rule is then off, and
    /// golem-payments says so at start.
    static func from(
        usd: (core: Double, ram: Double, storage: Double), token: (core: Double, ram: Double, storage: Double), tokenUSDPrice: Double?
    ) -> StreamPrice? {
        if token.core > 0 || token.ram > 0 || token.storage > 0 {
            return StreamPrice(perCore: Decimal(token.core), perGBRAM: Decimal(token.ram), perGBStorage: Decimal(token.storage))
        }
        guard let tokenUSDPrice, tokenUSDPrice > 0 else { return nil }
        let rate = Decimal(tokenUSDPrice)
        return StreamPrice(perCore: Decimal(usd.core) / rate, perGBRAM: Decimal(usd.ram) / rate, perGBStorage: Decimal(usd.storage) / rate)
    }

    /// Token per month for these resources.
    func monthly(cpu: UInt32, memoryGB: UInt32, storageGB: UInt32) -> Decimal {
        perCore * Decimal(cpu) + perGBRAM * Decimal(memoryGB) + perGBStorage * Decimal(storageGB)
    }

    /// The lowest acceptable `ratePerSecond`, in wei.
    func minimumRate(cpu: UInt32, memoryGB: UInt32, storageGB: UInt32) -> UInt256 {
        var exact = monthly(cpu: cpu, memoryGB: memoryGB, storageGB: storageGB) * Self.weiPerToken / Self.secondsPerMonth * Self.tolerance
        var floored = Decimal()
        NSDecimalRound(&floored, &exact, 0, .down)
        return (try? UInt256(decimal: NSDecimalNumber(decimal: floored).stringValue)) ?? .max
    }
}
