import NIOCore
import NIOPosix
import Shared

/// The node's temporary listener during port verification: it answers a checker's proof challenge with
/// HMAC(key, nonce), so a checker can tell our listener from a middlebox or another service on the port.
/// A plain connect (the original checker's way) just sees an open port.
struct ChallengeResponder: Sendable {
    let key: String

    /// Listens on `host:port` until the returned channel is closed.
    func listen(host: String, port: Int, group: MultiThreadedEventLoopGroup = .singleton) async throws -> any Channel {
        let key = self.key
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ChallengeAnswerer(key: key))
                }
            }
            .bind(host: host, port: port)
            .get()
    }

    /// Listens on each of `ports` that can be bound; the others are held by someone else.
    func listenOnFree(_ ports: [Int], host: String) async -> (listeners: [any Channel], free: [Int], occupied: [Int]) {
        var listeners: [any Channel] = []
        var free: [Int] = []
        var occupied: [Int] = []
        for port in ports {
            if let listener = try? await listen(host: host, port: port) {
                listeners.append(listener)
                free.append(port)
            } else {
                occupied.append(port)
            }
        }
        return (listeners, free, occupied)
    }
}

/// Reads one line; a challenge gets its answer, anything else (or too much) a close.
private final class ChallengeAnswerer: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let key: String
    private var received = ByteBuffer()

    init(key: String) { self.key = key }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        received.writeBuffer(&chunk)
        let view = received.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if received.readableBytes > PortCheckProof.maxLineBytes { context.close(promise: nil) }
            return
        }
        let line = String(decoding: view[view.startIndex..<newline], as: UTF8.self)
        guard let nonce = PortCheckProof.nonce(inChallenge: Substring(line)) else {
            context.close(promise: nil)
            return
        }
        let answer = ByteBuffer(string: PortCheckProof.answer(key: key, nonce: nonce) + "\n")
        context.writeAndFlush(wrapOutboundOut(answer)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
