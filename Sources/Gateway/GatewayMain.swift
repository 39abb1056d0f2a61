import Hummingbird
import Logging
import ServiceLifecycle
import Shared

/// `golem-gateway`: the public REST API.
public enum GatewayMain {
    public static func run() async {
        await ServiceMain.run(name: "golem-gateway") { settings, logger in
            let vmClient = try RPCEndpoints.makeClient(address: settings.vmServiceAddress)
            let proxyClient = try RPCEndpoints.makeClient(address: settings.proxyServiceAddress)
            let paymentsClient = try RPCEndpoints.makeClient(address: settings.paymentsServiceAddress)
            let backends = Backends(
                vms: VMServiceClient(wrapping: vmClient),
                proxy: ProxyServiceClient(wrapping: proxyClient),
                payments: PaymentsServiceClient(wrapping: paymentsClient),
                health: [
                    ("golem-vm", HealthClient(wrapping: vmClient)),
                    ("golem-proxy", HealthClient(wrapping: proxyClient)),
                    ("golem-payments", HealthClient(wrapping: paymentsClient)),
                ])
            let gatewaySettings = GatewaySettings(settings)
            let catalog = NodeCatalog()
            let app = GatewayApplication.make(backends: backends, catalog: catalog, settings: gatewaySettings, logger: logger)
            logger.info("serving REST API", metadata: ["address": "\(settings.host):\(settings.port)"])
            return [
                RPCClientService(client: vmClient),
                RPCClientService(client: proxyClient),
                RPCClientService(client: paymentsClient),
                CatalogFeed(backends: backends, catalog: catalog, logger: logger),
                app,
            ]
        }
    }
}

enum GatewayApplication {
    static func makeRouter(backends: Backends, catalog: NodeCatalog, settings: GatewaySettings) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: DetailErrorMiddleware(maxBodyBytes: settings.maxRequestBodyBytes))
        VMRoutes(backends: backends, catalog: catalog, settings: settings).register(on: router)
        ProviderRoutes(backends: backends, settings: settings).register(on: router)
        return router
    }

    static func make(backends: Backends, catalog: NodeCatalog, settings: GatewaySettings, logger: Logger) -> some ApplicationProtocol & Service {
        Application(
            router: makeRouter(backends: backends, catalog: catalog, settings: settings),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "golem-provider"),
            logger: logger)
    }
}
