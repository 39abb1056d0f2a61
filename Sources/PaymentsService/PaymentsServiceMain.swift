import Logging
import Shared

/// `golem-payments`: streams, bindings and (later) the wallet, monitor and withdrawals.
public enum PaymentsServiceMain {
    public static func run() async {
        await ServiceMain.run(name: "golem-payments") { settings, logger in
            let bindings = try StreamBindingStore(path: settings.paths.database("payments"))
            let api = PaymentsGRPCService(bindings: bindings, paymentsNetwork: settings.paymentsNetwork.rawValue)
            let health = HealthService(serviceName: "golem-payments") { (true, ["payments": "disabled"]) }
            let server = try RPCEndpoints.makeServer(address: settings.paymentsServiceAddress, services: [api, health])
            logger.warning("streaming payments are not enabled in this build: VMs are created without a payment check")
            return [RPCServerService(server: server, address: settings.paymentsServiceAddress)]
        }
    }
}
