import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing
@testable import ProxyService

/// Real sockets on loopback: an echo "VM", a listener of ours in front, a client through it.
@Suite struct ForwardingTests {
    final class Echo: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.writeAndFlush(data, promise: nil) }
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .some(.inputClosed) = event as? ChannelEvent { context.close(mode: .output, promise: nil) }
        }
    }

    func echoServer() async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { $0.pipeline.addHandler(Echo()) }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    @Test func bytesArriveIntactBothWaysAndHalfClosePassesThrough() async throws {
        let vm = try await echoServer()
        let forwarder = SSHForwarder(bindHost: "127.0.0.1", logger: Logger(label: "test"))
        let target = ForwardTarget(host: "127.0.0.1", port: vm.localAddress!.port!)
        let listener = try await forwarder.listen(port: 0, target: target)
        let port = listener.localAddress!.port!

        // 8 MiB of patterned bytes through the proxy to the echo server and back; the client half-closes.
        let payload = (0..<(8 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let received = try await Task.detached { try Self.roundTrip(port: port, payload: payload) }.value
        #expect(received.count == payload.count)
        #expect(received == payload)
        try await listener.close()
        try await vm.close()
    }

    @Test func unreachableVMClosesTheClientPromptly() async throws {
        let closedPort = try await { () async throws -> Int in
            let channel = try await echoServer()
            let port = channel.localAddress!.port!
            try await channel.close()
            return port
        }()
        let forwarder = SSHForwarder(bindHost: "127.0.0.1", logger: Logger(label: "test"))
        let listener = try await forwarder.listen(port: 0, target: ForwardTarget(host: "127.0.0.1", port: closedPort))
        let started = ContinuousClock.now
        let received = try await Task.detached { try Self.roundTrip(port: listener.localAddress!.port!, payload: []) }.value
        #expect(received.isEmpty)
        #expect(ContinuousClock.now - started < .seconds(3))
        try await listener.close()
    }

    /// Blocking client: writes everything, shuts down its output, reads until EOF.
    static func roundTrip(port: Int, payload: [UInt8]) throws -> [UInt8] {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { throw POSIXError(.ECONNREFUSED) }
        let writer = Thread {
            var offset = 0
            while offset < payload.count {
                let written = payload[offset...].withUnsafeBytes { send(socket, $0.baseAddress, min($0.count, 65536), Int32(MSG_NOSIGNAL)) }
                if written <= 0 { break }
                offset += written
            }
            shutdown(socket, Int32(SHUT_WR))
        }
        writer.start()
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return received
    }
}
