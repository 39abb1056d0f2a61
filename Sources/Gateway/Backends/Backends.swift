import GRPCCore
import Shared

/// The gateway's view of the services it composes answers from; it owns no state of its own.
struct Backends: Sendable {
    let vms: VMServiceClient
    let proxy: ProxyServiceClient
    let payments: PaymentsServiceClient
    let health: [(name: String, client: HealthClient)]
    /// A restarted service is back within a second or two (the supervisor restarts it); wait for it that long.
    let options = RPCEndpoints.callOptions(timeout: .seconds(5), waitForReady: true)

    /// Runs one call, turning its failure into the HTTP error it means for the caller.
    func call<T: Sendable>(_ service: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RPCError {
            throw APIError(error, service: service)
        }
    }

    /// The VM's port mapping, or nil when it has none (the only error that means "no mapping").
    func mapping(for vmID: String) async throws -> Golem_Provider_Proxy_V1_PortMapping? {
        do {
            return try await proxy.get(.with { $0.vmID = vmID }, options: options)
        } catch let error as RPCError where error.code == .notFound {
            return nil
        } catch let error as RPCError {
            throw APIError(error, service: "the proxy service")
        }
    }
}
