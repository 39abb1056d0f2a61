import GRPCCore
import Shared

/// One short-lived gRPC connection to a service of the running node, closed when the call returns.
enum ServiceCall {
    static func proxy<Result: Sendable>(
        _ settings: ProviderSettings, _ body: @Sendable (ProxyServiceClient) async throws -> Result
    ) async throws -> Result {
        let client = try RPCEndpoints.makeClient(address: settings.proxyServiceAddress)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.runConnections() }
            defer { client.beginGracefulShutdown() }
            return try await body(ProxyServiceClient(wrapping: client))
        }
    }

    static func payments<Result: Sendable>(
        _ settings: ProviderSettings, _ body: @Sendable (PaymentsServiceClient) async throws -> Result
    ) async throws -> Result {
        let client = try RPCEndpoints.makeClient(address: settings.paymentsServiceAddress)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.runConnections() }
            defer { client.beginGracefulShutdown() }
            return try await body(PaymentsServiceClient(wrapping: client))
        }
    }

    /// golem-vm's health answer (its details name the driver and, for QEMU, the accelerator).
    static func vmHealth(_ settings: ProviderSettings) async throws -> Golem_Provider_Health_V1_CheckResponse {
        try await health(settings.vmServiceAddress)
    }

    /// A service's health answer with its details.
    static func health(_ address: ServiceAddress) async throws -> Golem_Provider_Health_V1_CheckResponse {
        let client = try RPCEndpoints.makeClient(address: address)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.runConnections() }
            defer { client.beginGracefulShutdown() }
            return try await HealthClient(wrapping: client).check(.init(), options: RPCEndpoints.callOptions(timeout: .seconds(3)))
        }
    }
}
