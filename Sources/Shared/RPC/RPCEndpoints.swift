import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import ServiceLifecycle

/// The one place where every service's gRPC server and every client are set up, so all speak the same way.
public enum RPCEndpoints {
    public typealias Server = GRPCServer<HTTP2ServerTransport.Posix>
    public typealias Client = GRPCClient<HTTP2ClientTransport.Posix>

    /// A server on `address`; a stale socket file left by a killed process is removed first,
    /// but a socket someone still answers on is an error (two copies of a service must not share state).
    public static func makeServer(address: ServiceAddress, services: [any RegistrableRPCService]) throws -> Server {
        let socketAddress: GRPCNIOTransportCore.SocketAddress
        switch address {
        case .unix(let path):
            try removeStaleSocket(at: path)
            socketAddress = .unixDomainSocket(path: path)
        case .tcp(let host, let port):
            socketAddress = host.contains(":") ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port)
        }
        return GRPCServer(
            transport: .http2NIOPosix(address: socketAddress, transportSecurity: .plaintext),
            services: services
        )
    }

    public static func makeClient(address: ServiceAddress) throws -> Client {
        let target: any ResolvableTarget
        switch address {
        case .unix(let path): target = .unixDomainSocket(path: path)
        case .tcp(let host, let port): target = host.contains(":") ? .ipv6(address: host, port: port) : .ipv4(address: host, port: port)
        }
        let transport = try HTTP2ClientTransport.Posix(
            target: target,
            transportSecurity: .plaintext,
            config: .defaults { config in
                // A restarted service is found again quickly.
                config.backoff.initial = .milliseconds(100)
                config.backoff.max = .seconds(2)
            }
        )
        return GRPCClient(transport: transport)
    }

    /// Options for a request/response call. With `waitForReady` the call rides out a service restart (it waits
    /// for the connection until the deadline); without it, it fails at once when the service is down.
    public static func callOptions(timeout: Duration = .seconds(15), waitForReady: Bool = false) -> CallOptions {
        var options = CallOptions.defaults
        options.timeout = timeout
        options.waitForReady = waitForReady
        return options
    }

    static func removeStaleSocket(at path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        if UnixSocketProbe.isAnswering(path: path) {
            throw ConfigurationError(message: "another process already serves on \(path); stop it first")
        }
        try FileManager.default.removeItem(atPath: path)
    }
}

/// Runs a gRPC server inside a ServiceGroup and stops it gracefully on SIGTERM/SIGINT.
public struct RPCServerService: Service {
    let server: RPCEndpoints.Server
    let address: ServiceAddress

    public init(server: RPCEndpoints.Server, address: ServiceAddress) {
        self.server = server
        self.address = address
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await server.serve() }
                if case .unix(let path) = address, (try await server.listeningAddress) != nil {
                    chmod(path, 0o600)
                }
            }
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}

/// Keeps a client's connections running for the life of the process.
public struct RPCClientService: Service {
    let client: RPCEndpoints.Client
    public init(client: RPCEndpoints.Client) { self.client = client }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await client.runConnections()
        } onGracefulShutdown: {
            client.beginGracefulShutdown()
        }
    }
}

/// Whether something accepts connections on a Unix socket path.
public enum UnixSocketProbe {
    public static func isAnswering(path: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }
}
