import Foundation
import Hummingbird
import Logging
import NIOCore
import Shared

/// `golem-port-check`: the self-hostable reachability checker (`POST /check-ports`, `GET /health`).
public enum PortCheckServiceMain {
    public static func run() async {
        await ServiceMain.run(name: "golem-port-check") { settings, logger in
            [PortCheckApplication.make(settings: settings, logger: logger)]
        }
    }
}

public enum PortCheckApplication {
    public static func make(settings: ProviderSettings, logger: Logger) -> some ApplicationProtocol {
        let route = CheckPortsRoute(
            probe: PortProbe(
                connectTimeout: .milliseconds(Int64(settings.portCheckerConnectTimeoutSeconds * 1000)),
                attempts: settings.portCheckerAttempts,
                retryDelay: .milliseconds(Int64(settings.portCheckerRetryDelaySeconds * 1000))),
            policy: TargetPolicy(token: settings.portCheckerToken, allowPrivateTargets: settings.portCheckerAllowPrivateTargets),
            limiter: SourceRateLimiter(perMinute: settings.portCheckerRateLimitPerMinute),
            maxPorts: settings.portCheckerMaxPorts)
        let router = Router(context: PortCheckRequestContext.self)
        router.get("/health") { _, _ -> Response in
            CheckPortsRoute.json(status: .ok, ["status": "ok", "service": "golem-port-check", "version": ProviderVersion.current])
        }
        router.post("/check-ports") { request, context in try await route.handle(request, context: context) }
        logger.info("serving port checks", metadata: [
            "address": "\(settings.portCheckerHost):\(settings.portCheckerPort)",
            "third_party_targets": "\(settings.portCheckerToken == nil ? "refused" : "with token")",
            "private_targets": "\(settings.portCheckerAllowPrivateTargets ? "allowed" : "refused")",
        ])
        return Application(
            router: router,
            configuration: .init(address: .hostname(settings.portCheckerHost, port: settings.portCheckerPort), serverName: "golem-port-check"),
            logger: logger)
    }
}
