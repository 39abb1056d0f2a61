import Ethereum
import Foundation
import Logging
import ServiceLifecycle
import Shared

/// `golem-payments`: the provider's wallet, the gate before a VM is created, the stream bindings, the monitor
/// and withdrawals.
public enum PaymentsServiceMain {
    public static func run() async {
        await ServiceMain.run(name: "golem-payments") { settings, logger in
            let wallet = try ProviderWallet.loadOrCreate(
                .init(directory: settings.ethereumKeyDirectory, explicitKey: settings.ethereumPrivateKey, passphrase: settings.walletPassphrase),
                logger: logger)
            logger.info("provider wallet", metadata: ["provider_id": "\(wallet.address)"])
            let database = try PaymentsDatabase.open(path: settings.paths.database("payments"))
            let bindings = StreamBindingStore(database: database)
            let ledger = WithdrawalLedger(database: database)
            try importOriginalStreamMap(settings: settings, into: bindings, logger: logger)

            let deployment = try PaymentsDeployment.resolve(.init(
                network: settings.paymentsNetwork.rawValue, streamPaymentAddress: settings.streamPaymentAddress,
                glmTokenAddress: settings.glmTokenAddress, deploymentsDirectory: settings.deploymentsDirectory,
                packagedDirectory: PaymentsDeployment.packagedDirectory))
            let node = settings.paymentsRPCURL.map { EthereumNode(rpc: JSONRPCClient(url: $0)) }
            let vmClient = try RPCEndpoints.makeClient(address: settings.vmServiceAddress)
            let vms = VMServiceClient(wrapping: vmClient)
            var services: [any Service] = [
                RPCClientService(client: vmClient), VMDeletionFollower(vms: vms, bindings: bindings, logger: logger),
            ]
            var chain: PaymentsChain?
            var monitor: StreamMonitor?
            if deployment.paymentsEnabled {
                guard let node else {
                    throw PaymentsStartError("payments network \(settings.paymentsNetwork.rawValue) has no RPC URL: set GOLEM_PROVIDER_L2_RPC_URL")
                }
                let setup = try PaymentsSetup(settings: settings, deployment: deployment, node: node, wallet: wallet, ledger: ledger, logger: logger)
                chain = setup.chain
                if settings.streamMonitorEnabled || settings.streamWithdrawEnabled {
                    let streamMonitor = setup.monitor(bindings: bindings, vms: vms)
                    monitor = streamMonitor
                    services.append(StreamMonitorService(monitor: streamMonitor, interval: .milliseconds(Int64(settings.streamMonitorIntervalSeconds * 1000))))
                }
                logger.info("streaming payments enabled", metadata: [
                    "contract": "\(deployment.streamPayment)", "token": "\(StreamGate.tokenName(deployment.token))",
                    "source": "\(deployment.source)", "rpc": "\(node.rpc.url)", "monitor": "\(monitor != nil)",
                    "withdraw": "\(settings.streamWithdrawEnabled)",
                ])
            } else {
                logger.warning("streaming payments are off (GOLEM_PROVIDER_STREAM_PAYMENT_ADDRESS is the zero address): VMs are created without payment")
            }

            let (enabledChain, activeMonitor) = (chain, monitor)
            let api = PaymentsGRPCService(
                bindings: bindings, ledger: ledger, paymentsNetwork: settings.paymentsNetwork.rawValue, provider: wallet.address,
                node: node, chain: enabledChain, vms: vms)
            let health = HealthService(serviceName: "golem-payments") {
                var details = ["payments": enabledChain == nil ? "disabled" : "enabled", "provider_id": wallet.address.checksummed]
                if let chain = enabledChain {
                    details["stream_payment_address"] = chain.deployment.streamPayment.checksummed
                    details["token"] = StreamGate.tokenName(chain.deployment.token)
                }
                if let monitor = activeMonitor { details.merge(await monitor.healthDetails()) { $1 } }
                return (true, details)
            }
            let server = try RPCEndpoints.makeServer(address: settings.paymentsServiceAddress, services: [api, health])
            return services + [RPCServerService(server: server, address: settings.paymentsServiceAddress)]
        }
    }

    /// The original node kept VM → stream in `<VM_DATA_DIR>/streams.json` (`~/.golem/provider/vms`).
    static func importOriginalStreamMap(settings: ProviderSettings, into bindings: StreamBindingStore, logger: Logger) throws {
        let path = settings.paths.dataDirectory + "/vms/streams.json"
        let found = try OriginalStreamMap.bindings(at: path, now: Int64(Date().timeIntervalSince1970 * 1000))
        guard !found.isEmpty else { return }
        let added = try bindings.insertMissing(found)
        if added > 0 { logger.notice("imported stream mappings of the original node", metadata: ["file": "\(path)", "added": "\(added)"]) }
    }
}

struct PaymentsStartError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
