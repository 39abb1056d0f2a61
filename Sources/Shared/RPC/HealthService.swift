import Foundation
import GRPCCore

/// Answers the supervisor's health call for one service process.
public struct HealthService: Golem_Provider_Health_V1_Health.SimpleServiceProtocol {
    public typealias Details = @Sendable () async -> (ready: Bool, details: [String: String])

    let serviceName: String
    let details: Details

    public init(serviceName: String, details: @escaping Details = { (true, [:]) }) {
        self.serviceName = serviceName
        self.details = details
    }

    public func check(
        request: Golem_Provider_Health_V1_CheckRequest,
        context: ServerContext
    ) async throws -> Golem_Provider_Health_V1_CheckResponse {
        let (ready, details) = await details()
        return .with {
            $0.service = serviceName
            $0.version = ProviderVersion.current
            $0.pid = getpid()
            $0.ready = ready
            $0.details = details
        }
    }
}

public enum ProviderVersion {
    public static let current = "0.1.0"
}
