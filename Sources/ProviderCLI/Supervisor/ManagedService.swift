import Shared

/// One of the five executables the supervisor runs, and how to tell that it is up.
struct ManagedService: Sendable {
    enum HealthProbe: Sendable {
        case grpc(ServiceAddress)
        case http(host: String, port: Int)
    }

    let executable: String
    let probe: HealthProbe

    /// Start order: the stateful services first, then the two HTTP front ends.
    static func all(settings: ProviderSettings) -> [ManagedService] {
        [
            ManagedService(executable: "golem-vm", probe: .grpc(settings.vmServiceAddress)),
            ManagedService(executable: "golem-proxy", probe: .grpc(settings.proxyServiceAddress)),
            ManagedService(executable: "golem-payments", probe: .grpc(settings.paymentsServiceAddress)),
            ManagedService(executable: "golem-gateway", probe: .http(host: loopback(settings.host), port: settings.port)),
            ManagedService(executable: "golem-port-check", probe: .http(host: loopback(settings.portCheckerHost), port: settings.portCheckerPort)),
        ]
    }

    /// A wildcard bind is probed on loopback.
    static func loopback(_ host: String) -> String {
        host == "0.0.0.0" || host.isEmpty ? "127.0.0.1" : host == "::" ? "::1" : host
    }
}
