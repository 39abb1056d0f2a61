import AsyncHTTPClient
import Foundation
import GRPCCore
import Shared

/// Asks a service whether it is up: the gRPC Health call, or `GET /health` for the HTTP services.
enum HealthCheck {
    static func isHealthy(_ probe: ManagedService.HealthProbe) async -> Bool {
        switch probe {
        case .grpc(let address):
            guard let client = try? RPCEndpoints.makeClient(address: address) else { return false }
            return await withTaskGroup(of: Bool?.self) { group in
                group.addTask { try? await client.runConnections(); return nil }
                group.addTask {
                    defer { client.beginGracefulShutdown() }
                    let health = HealthClient(wrapping: client)
                    return (try? await health.check(.init(), options: RPCEndpoints.callOptions(timeout: .seconds(2))).ready) ?? false
                }
                var answer = false
                for await result in group { if let result { answer = result } }
                return answer
            }
        case .http(let host, let port):
            let url = host.contains(":") ? "http://[\(host)]:\(port)/health" : "http://\(host):\(port)/health"
            var request = HTTPClientRequest(url: url)
            request.method = .GET
            guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)) else { return false }
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return response.status == .ok
        }
    }

    /// Polls until healthy or the deadline passes.
    static func waitUntilHealthy(_ probe: ManagedService.HealthProbe, timeout: Duration, stillRunning: @Sendable () -> Bool = { true }) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, stillRunning() {
            if await isHealthy(probe) { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}
