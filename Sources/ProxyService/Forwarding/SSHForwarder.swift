import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Where a listener forwards to; changes take effect for the next connection.
final class ForwardTarget: Sendable {
    private let box: NIOLockedValueBox<(host: String, port: Int)>
    init(host: String, port: Int) { box = NIOLockedValueBox((host, port)) }
    var current: (host: String, port: Int) { box.withLockedValue { $0 } }
    func update(host: String, port: Int) { box.withLockedValue { $0 = (host, port) } }
}

/// Opens public listeners; each accepted connection is glued to a fresh connection to the listener's target.
struct SSHForwarder: Sendable {
    let bindHost: String
    let connectTimeout: TimeAmount
    let group: MultiThreadedEventLoopGroup
    let logger: Logger

    init(bindHost: String, connectTimeout: TimeAmount = .seconds(10), group: MultiThreadedEventLoopGroup = .singleton, logger: Logger) {
        self.bindHost = bindHost
        self.connectTimeout = connectTimeout
        self.group = group
        self.logger = logger
    }

    /// Binds `port` or throws (EADDRINUSE when something else holds it).
    func listen(port: Int, target: ForwardTarget) async throws -> any Channel {
        let connectTimeout = self.connectTimeout
        let logger = self.logger
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                let destination = target.current
                let (inboundSide, outboundSide) = GlueHandler.matchedPair()
                // Both channels live on the accepted channel's event loop, as the glue handlers require.
                let outboundHandler = NIOLoopBound(outboundSide, eventLoop: inbound.eventLoop)
                let inboundHandler = NIOLoopBound(inboundSide, eventLoop: inbound.eventLoop)
                return ClientBootstrap(group: inbound.eventLoop)
                    .connectTimeout(connectTimeout)
                    .channelOption(.allowRemoteHalfClosure, value: true)
                    .channelInitializer { outbound in
                        outbound.eventLoop.makeCompletedFuture { try outbound.pipeline.syncOperations.addHandler(outboundHandler.value) }
                    }
                    .connect(host: destination.host, port: destination.port)
                    .flatMap { _ in
                        inbound.eventLoop.makeCompletedFuture {
                            try inbound.pipeline.syncOperations.addHandler(inboundHandler.value)
                        }
                    }
                    .flatMap { inbound.setOption(.autoRead, value: true) }
                    .flatMapError { error in
                        logger.info("cannot reach VM; closing client connection",
                                    metadata: ["target": "\(destination.host):\(destination.port)", "error": "\(error)"])
                        return inbound.close()
                    }
            }
            .bind(host: bindHost, port: port)
            .get()
    }
}
