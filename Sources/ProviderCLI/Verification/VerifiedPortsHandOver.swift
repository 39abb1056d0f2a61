import GRPCCore
import Logging
import ServiceLifecycle
import Shared

/// Hands the start-up check's verified SSH ports to golem-proxy once the supervisor has started it. The proxy
/// stores the policy, so its own restarts keep it; a node started with --no-verify-port lifts it.
struct VerifiedPortsHandOver: Service {
    let settings: ProviderSettings
    let enforce: Bool
    let ports: [Int]
    let logger: Logger

    func run() async throws {
        let request = Golem_Provider_Proxy_V1_SetVerifiedPortsRequest.with {
            $0.enforce = enforce
            $0.ports = ports.map(UInt32.init)
        }
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let answer = try await ServiceCall.proxy(settings) { proxy in
                        try await proxy.setVerifiedPorts(request, options: RPCEndpoints.callOptions(timeout: .seconds(30), waitForReady: true))
                    }
                    logger.info("verified ports handed to golem-proxy", metadata: [
                        "enforced": "\(enforce)", "verified": "\(ports.count)", "usable_free": "\(answer.usableFree)",
                    ])
                    return
                } catch {
                    logger.debug("golem-proxy not ready for the verified ports yet", metadata: ["error": "\(error)"])
                    try await Task.sleep(for: .seconds(1))
                }
            }
        }
    }
}
