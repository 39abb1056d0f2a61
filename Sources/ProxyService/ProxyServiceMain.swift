import Logging
import ServiceLifecycle
import Shared

/// `golem-proxy`: SSH port forwarding for every VM.
public enum ProxyServiceMain {
    public static func run() async {
        await ServiceMain.run(name: "golem-proxy") { settings, logger in
            FileDescriptorLimit.raiseToHardLimit(need: 2 * settings.proxyMaxConnections + 256, logger: logger)
            let store = try PortMappingStore(path: settings.paths.database("proxy"))
            let events = EventHub<MappingChange>()
            let policy = ForwardingPolicy(
                connectTimeout: .milliseconds(Int64(settings.proxyConnectTimeoutSeconds * 1000)),
                idleTimeout: settings.proxyIdleTimeoutSeconds > 0 ? .milliseconds(Int64(settings.proxyIdleTimeoutSeconds * 1000)) : nil,
                maxConnectionsPerVM: settings.proxyMaxConnectionsPerVM)
            let forwarder = try ForwardingEngine.make(settings.proxyEngine, bindHost: settings.sshProxyHost, policy: policy, logger: logger)
            let table = PortForwardingTable(
                store: store,
                forwarder: forwarder,
                range: settings.portRangeStart..<settings.portRangeEnd,
                maxConnections: settings.proxyMaxConnections,
                events: events,
                logger: logger)
            try await table.restore()

            let vmClient = try RPCEndpoints.makeClient(address: settings.vmServiceAddress)
            let reconciler = VMWatchReconciler(vms: VMServiceClient(wrapping: vmClient), table: table, logger: logger)
            let health = HealthService(serviceName: "golem-proxy") {
                let mappings = await table.all()
                return (true, ["mappings": "\(mappings.count)", "listening": "\(mappings.filter(\.listening).count)"])
            }
            let server = try RPCEndpoints.makeServer(
                address: settings.proxyServiceAddress, services: [ProxyGRPCService(
                    table: table, events: events,
                    limits: (settings.proxyMaxConnections, settings.proxyMaxConnectionsPerVM, settings.proxyIdleTimeoutSeconds)), health])
            logger.info("serving proxy API", metadata: [
                "address": "\(settings.proxyServiceAddress)",
                "range": "\(settings.portRangeStart)-\(settings.portRangeEnd - 1)",
                "bind": "\(settings.sshProxyHost)",
                "engine": "\(ForwardingEngine.name(of: forwarder))",
            ])
            return [
                RPCServerService(server: server, address: settings.proxyServiceAddress),
                RPCClientService(client: vmClient),
                reconciler,
                ListenerShutdown(table: table),
                EventHubShutdown(hub: events),
            ]
        }
    }
}

/// Closes every listener when the process shuts down, so the ports are free for the next start.
struct ListenerShutdown: Service {
    let table: PortForwardingTable
    func run() async throws {
        try? await gracefulShutdown()
        await table.closeAll()
    }
}
