import Logging
import Shared

/// `golem-payments`: the provider's wallet, stream bindings, and (later) verification, the monitor and withdrawals.
public enum PaymentsServiceMain {
    public static func run() async {
        await ServiceMain.run(name: "golem-payments") { settings, logger in
            let wallet = try ProviderWallet.loadOrCreate(
                .init(directory: settings.ethereumKeyDirectory, explicitKey: settings.ethereumPrivateKey, passphrase: settings.walletPassphrase),
                logger: logger)
            logger.info("provider wallet", metadata: ["provider_id": "\(wallet.address)"])
            let bindings = try StreamBindingStore(path: settings.paths.database("payments"))
            let api = PaymentsGRPCService(
                bindings: bindings, paymentsNetwork: settings.paymentsNetwork.rawValue, providerID: wallet.address.checksummed)
            let health = HealthService(serviceName: "golem-payments") {
                (true, ["payments": "disabled", "provider_id": wallet.address.checksummed])
            }
            let server = try RPCEndpoints.makeServer(address: settings.paymentsServiceAddress, services: [api, health])
            logger.warning("streaming payments are not enabled in this build: VMs are created without a payment check")
            return [RPCServerService(server: server, address: settings.paymentsServiceAddress)]
        }
    }
}
