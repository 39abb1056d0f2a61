import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The portable engine (SwiftNIO): each accepted connection is glued to a fresh connection to the listener's
/// target, and bytes pass through user space.
///
/// A requestor's channel: TrafficMeter → IdleStateHandler → IdleConnectionCloser → GlueHandler, glued to the
/// VM-side channel's GlueHandler. Both channels live on the accepted channel's event loop.
struct GlueForwarder: Forwarder {
    let bindHost: String
    let policy: ForwardingPolicy
    let group: MultiThreadedEventLoopGroup
    let logger: Logger

    init(bindHost: String, policy: ForwardingPolicy = ForwardingPolicy(),
         group: MultiThreadedEventLoopGroup = .singleton, logger: Logger) {
        self.bindHost = bindHost
        self.policy = policy
        self.group = group
        self.logger = logger
    }

    /// Binds `port` or throws (EADDRINUSE when something else holds it).
    func listen(port: Int, target: ForwardTarget, account: VMTrafficAccount) async throws -> any ForwardingListener {
        let policy = self.policy
        let logger = self.logger
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.autoRead, value: false)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { inbound in
                guard account.admit() else {
                    logger.debug("connection cap reached; refusing", metadata: ["port": "\(port)"])
                    return inbound.close()
                }
                inbound.closeFuture.whenComplete { _ in account.finish() }
                return Self.connect(inbound, to: target.current, policy: policy, account: account, logger: logger)
            }
            .bind(host: bindHost, port: port)
            .get()
        return GlueListener(channel: channel)
    }

    private static func connect(
        _ inbound: any Channel, to destination: (host: String, port: Int), policy: ForwardingPolicy,
        account: VMTrafficAccount, logger: Logger
    ) -> EventLoopFuture<Void> {
        // The accepted channel is registered (and reads) only once this future succeeds, so the requestor
        // cannot be gone before the glue is in place; the glue handles every close after that.
        let (inboundSide, outboundSide) = GlueHandler.matchedPair()
        let outboundHandler = NIOLoopBound(outboundSide, eventLoop: inbound.eventLoop)
        let inboundHandlers = NIOLoopBound(
            Self.requestorHandlers(inboundSide, policy: policy, account: account), eventLoop: inbound.eventLoop)
        return ClientBootstrap(group: inbound.eventLoop)
            .connectTimeout(policy.connectTimeout)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { outbound in
                outbound.eventLoop.makeCompletedFuture { try outbound.pipeline.syncOperations.addHandler(outboundHandler.value) }
            }
            .connect(host: destination.host, port: destination.port)
            .flatMap { outbound in
                inbound.eventLoop.makeCompletedFuture {
                    try inbound.pipeline.syncOperations.addHandlers(inboundHandlers.value)
                }
                .flatMap { inbound.setOption(.autoRead, value: true) }
                .flatMapErrorThrowing { error in
                    // Not glued: nothing else would ever close the VM side.
                    outbound.close(promise: nil)
                    throw error
                }
            }
            .flatMapError { error in
                logger.info("cannot reach VM; closing client connection",
                            metadata: ["target": "\(destination.host):\(destination.port)", "error": "\(error)"])
                return inbound.close()
            }
    }

    private static func requestorHandlers(
        _ glue: GlueHandler, policy: ForwardingPolicy, account: VMTrafficAccount
    ) -> [any ChannelHandler] {
        var handlers: [any ChannelHandler] = [TrafficMeter(account: account)]
        if let idle = policy.idleTimeout {
            handlers += [IdleStateHandler(allTimeout: idle), IdleConnectionCloser()]
        }
        return handlers + [glue]
    }
}

struct GlueListener: ForwardingListener {
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }
    func close() async { try? await channel.close() }
}
