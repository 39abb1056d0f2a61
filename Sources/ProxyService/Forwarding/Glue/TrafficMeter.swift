import NIOCore

/// Counts the bytes a requestor's connection carries: reads are requestor-to-VM, writes VM-to-requestor.
final class TrafficMeter: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let account: VMTrafficAccount

    init(account: VMTrafficAccount) { self.account = account }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        account.received(unwrapInboundIn(data).readableBytes)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        account.sent(unwrapOutboundIn(data).readableBytes)
        context.write(data, promise: promise)
    }
}

/// Closes a connection on which nothing moved either way for the idle timeout (fed by NIO's IdleStateHandler).
final class IdleConnectionCloser: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .all {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
