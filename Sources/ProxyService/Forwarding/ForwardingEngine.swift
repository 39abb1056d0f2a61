import CForwarding
import Logging
import Shared

/// Picks the forwarding engine the settings ask for.
enum ForwardingEngine {
    struct Unavailable: Error, CustomStringConvertible {
        var description: String {
            "GOLEM_PROVIDER_PROXY_ENGINE=splice needs Linux; use auto or glue on this system"
        }
    }

    static func make(
        _ choice: ProviderSettings.ProxyEngine, bindHost: String, policy: ForwardingPolicy, logger: Logger
    ) throws -> any Forwarder {
        switch choice {
        case .glue:
            return GlueForwarder(bindHost: bindHost, policy: policy, logger: logger)
        case .splice, .auto:
            #if os(Linux)
            return try SpliceForwarder(bindHost: bindHost, policy: policy, logger: logger)
            #else
            if choice == .splice { throw Unavailable() }
            return GlueForwarder(bindHost: bindHost, policy: policy, logger: logger)
            #endif
        }
    }

    static func name(of forwarder: any Forwarder) -> String {
        forwarder is GlueForwarder ? "glue" : "splice"
    }
}
