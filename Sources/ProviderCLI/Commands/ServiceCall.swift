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
}
