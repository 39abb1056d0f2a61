import Ethereum
import Foundation
import Logging
import Shared

/// Builds the payments parts from the settings: the gate's policy, the price, the withdrawal sender, the monitor.
struct PaymentsSetup {
    let settings: ProviderSettings
    let chain: PaymentsChain
    let logger: Logger

    init(settings: ProviderSettings, deployment: PaymentsDeployment, node: EthereumNode, wallet: ProviderWallet, ledger: WithdrawalLedger,
         logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        let price = StreamPrice.from(
            usd: (settings.priceUSDPerCoreMonth, settings.priceUSDPerGBRAMMonth, settings.priceUSDPerGBStorageMonth),
            token: (settings.priceTokenPerCoreMonth, settings.priceTokenPerGBRAMMonth, settings.priceTokenPerGBStorageMonth),
            tokenUSDPrice: settings.tokenUSDPrice)
        if price == nil {
            logger.warning("""
                stream rates are not checked against the price: no token price is known. Set GOLEM_PROVIDER_TOKEN_USD_PRICE \
                (USD per \(deployment.token.isZero ? "ETH" : "GLM")) or the PRICE_GLM_PER_* settings
                """)
        }
        let maxFee = Self.gweiToWei(settings.withdrawMaxFeeGwei)
        let sender = WithdrawalSender(
            node: node, contract: deployment.streamPayment, key: wallet.key,
            policy: .init(maxFeePerGas: maxFee, receiptTimeout: .milliseconds(Int64(settings.withdrawReceiptTimeoutSeconds * 1000))),
            ledger: ledger, logger: logger)
        chain = PaymentsChain(
            deployment: deployment, reader: StreamReader(node: node, contract: deployment.streamPayment),
            gate: StreamGate(policy: .init(provider: wallet.address, token: deployment.token,
                                           minRemainingSeconds: UInt64(settings.streamMinRemainingSeconds))),
            price: price, sender: sender)
    }

    func monitor(bindings: StreamBindingStore, vms: VMServiceClient) -> StreamMonitor {
        StreamMonitor(
            bindings: bindings, reader: chain.reader, sender: chain.sender, vms: vms, provider: chain.gate.policy.provider,
            options: .init(
                policy: MonitorPolicy(
                    withdrawInterval: UInt64(settings.streamWithdrawIntervalSeconds),
                    minimumWithdraw: (try? UInt256(decimal: settings.streamMinWithdrawWei)) ?? .max,
                    deleteGraceSeconds: UInt64(settings.streamDeleteGraceSeconds)),
                withdrawEnabled: settings.streamWithdrawEnabled,
                fullReadInterval: .milliseconds(Int64(settings.streamMonitorFullReadSeconds * 1000))),
            logger: logger)
    }

    /// Gwei (up to 6 decimals) to wei.
    static func gweiToWei(_ gwei: Double) -> UInt256 {
        let micro = UInt64((gwei * 1_000_000).rounded())
        return UInt256(micro) * UInt256(1000)
    }
}
