import GRPCCore
import Shared

/// One short-lived gRPC connection to a service of the running node, closed when the call returns.
enum ServiceCall {
    static func proxy<Result: Sendable>(
        _ settings: ProviderSettings, _ body: @Sendable (ProxyServiceClient) async throws -> Result
    ) async throws -> Result {
        try await connected(to: settings.proxyServiceAddress) { try await body(ProxyServiceClient(wrapping: $0)) }
    }

    static func payments<Result: Sendable>(
        _ settings: ProviderSettings, _ body: @Sendable (PaymentsServiceClient) async throws -> Result
    ) async throws -> Result {
        try await connected(to: settings.paymentsServiceAddress) { try await body(PaymentsServiceClient(wrapping: $0)) }
    }

    /// golem-vm's health answer (its details name the driver and, for QEMU, the accelerator).
    static func vmHealth(_ settings: ProviderSettings) async throws -> Golem_Provider_Health_V1_CheckResponse {
        try await health(settings.vmServiceAddress)
    }

    /// A service's health answer with its details.
    static func health(_ address: ServiceAddress) async throws -> Golem_Provider_Health_V1_CheckResponse {
        try await connected(to: address) {
            try await HealthClient(wrapping: $0).check(.init(), options: RPCEndpoints.callOptions(timeout: .seconds(3)))
        }
    }

    /// Runs `body` on a client connected to `address`, then closes the connection.
    private static func connected<Result: Sendable>(
        to address: ServiceAddress, _ body: @Sendable (RPCEndpoints.Client) async throws -> Result
    ) async throws -> Result {
        let client = try RPCEndpoints.makeClient(address: address)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.runConnections() }
            defer { client.beginGracefulShutdown() }
            return try await body(client)
        }
    }
}
