import NIOConcurrencyHelpers
import NIOCore

/// Opens a public listener whose connections are forwarded to a VM. Two engines implement it: splice
/// (Linux, zero-copy) and glue (SwiftNIO, portable); `ForwardingEngine` picks one.
protocol Forwarder: Sendable {
    var policy: ForwardingPolicy { get }
    /// Binds `port` (0: any) or throws (EADDRINUSE when something else holds it).
    func listen(port: Int, target: ForwardTarget, account: VMTrafficAccount) async throws -> any ForwardingListener
}

/// An open public port. Closing it stops new connections; open ones finish on their own.
protocol ForwardingListener: Sendable {
    var port: Int { get }
    func close() async
}

/// The limits every forwarded connection lives under.
struct ForwardingPolicy: Sendable {
    var connectTimeout: TimeAmount = .seconds(10)
    /// nil: connections may stay idle for ever.
    var idleTimeout: TimeAmount?
    var maxConnectionsPerVM = 64
}

/// Where a listener forwards to; changes take effect for the next connection.
final class ForwardTarget: Sendable {
    private let box: NIOLockedValueBox<(host: String, port: Int)>
    init(host: String, port: Int) { box = NIOLockedValueBox((host, port)) }
    var current: (host: String, port: Int) { box.withLockedValue { $0 } }
    func update(host: String, port: Int) { box.withLockedValue { $0 = (host, port) } }
}
