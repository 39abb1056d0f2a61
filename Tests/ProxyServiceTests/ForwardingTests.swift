import Foundation
import Logging
import NIOCore
import NIOPosix
import ProviderTestSupport
import Shared
import Testing
@testable import ProxyService

/// Real sockets on loopback: an echo "VM", a listener of ours in front, blocking clients through it.
@Suite(.serialized) struct ForwardingTests {
    final class Echo: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.writeAndFlush(data, promise: nil) }
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            // Close the output after the echoes queued so far are written (an output close of a channel whose
            // input is shut becomes a full close, which drops queued writes).
            if case .some(.inputClosed) = event as? ChannelEvent {
                context.writeAndFlush(NIOAny(context.channel.allocator.buffer(capacity: 0)))
                    .assumeIsolated().whenComplete { _ in context.close(mode: .output, promise: nil) }
            }
        }
    }

    static func echoServer() async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { $0.pipeline.addHandler(Echo()) }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// Both engines must behave the same; every test runs on each.
    static let engines: [ProviderSettings.ProxyEngine] = [.splice, .glue]

    /// A listener on a free port in front of `vm`, accounting to `account`.
    static func proxy(
        _ engine: ProviderSettings.ProxyEngine, to vm: any Channel, policy: ForwardingPolicy = ForwardingPolicy(),
        account: VMTrafficAccount
    ) async throws -> (listener: any ForwardingListener, port: Int) {
        let forwarder = try ForwardingEngine.make(engine, bindHost: "127.0.0.1", policy: policy, logger: Logger(label: "test"))
        #expect(ForwardingEngine.name(of: forwarder) == engine.rawValue)
        let target = ForwardTarget(host: "127.0.0.1", port: vm.localAddress!.port!)
        let listener = try await forwarder.listen(port: 0, target: target, account: account)
        return (listener, listener.port)
    }

    static func account(perVM: Int = 64, host: HostTrafficAccount = HostTrafficAccount(maxConnections: 1000)) -> VMTrafficAccount {
        VMTrafficAccount(maxConnections: perVM, host: host)
    }

    /// Polls until the counters show no open connection (closing is asynchronous).
    static func waitUntilIdle(_ account: VMTrafficAccount) async throws -> TrafficStats {
        for _ in 0..<50 where account.vm.snapshot.connectionsOpen != 0 { try await Task.sleep(for: .milliseconds(100)) }
        return account.vm.snapshot
    }

    @Test("100 MB each way arrive intact; the client's half-close reaches the VM and the VM's comes back", arguments: ForwardingTests.engines)
    func integrityAndHalfClose(engine: ProviderSettings.ProxyEngine) async throws {
        let vm = try await Self.echoServer()
        let account = Self.account()
        let (listener, port) = try await Self.proxy(engine, to: vm, account: account)
        let size = 100 << 20

        let result = try await Task.detached { () throws -> (received: Int, mismatchAt: Int?) in
            let connection = try #require(TestConnection(port: port, receiveTimeoutSeconds: 30))
            let writer = Thread {
                var pattern = PatternStream(seed: 42)
                var chunk = [UInt8](repeating: 0, count: 64 << 10)
                var sent = 0
                while sent < size {
                    chunk.withUnsafeMutableBytes { pattern.fill($0) }
                    guard chunk.withUnsafeBytes({ connection.send($0) }) else { return }
                    sent += chunk.count
                }
                connection.shutdownWrite()
            }
            writer.start()
            // Compares what comes back with the same stream, generated in the writer's chunk size.
            var expected = PatternStream(seed: 42)
            var reference = [UInt8](repeating: 0, count: 64 << 10)
            var referenceOffset = reference.count
            var buffer = [UInt8](repeating: 0, count: 64 << 10)
            var received = 0
            var mismatch: Int?
            while let count = buffer.withUnsafeMutableBytes({ connection.receive(into: $0) }), count > 0 {
                for index in 0..<count {
                    if referenceOffset == reference.count {
                        reference.withUnsafeMutableBytes { expected.fill($0) }
                        referenceOffset = 0
                    }
                    if mismatch == nil, buffer[index] != reference[referenceOffset] { mismatch = received + index }
                    referenceOffset += 1
                }
                received += count
            }
            return (received, mismatch)
        }.value

        #expect(result.received == size, "EOF must come back only after everything was echoed")
        #expect(result.mismatchAt == nil)
        let stats = try await Self.waitUntilIdle(account)
        #expect(stats == TrafficStats(connectionsOpen: 0, connectionsTotal: 1, connectionsRefused: 0, bytesIn: size, bytesOut: size))
        await listener.close()
        try await vm.close()
    }

    @Test("a VM that does not listen closes the client promptly", arguments: ForwardingTests.engines)
    func unreachableVMClosesTheClientPromptly(engine: ProviderSettings.ProxyEngine) async throws {
        let vm = try await Self.echoServer()
        let account = Self.account()
        let (listener, port) = try await Self.proxy(engine, to: vm, account: account)
        try await vm.close()
        let started = ContinuousClock.now
        let closed = try await Task.detached { try #require(TestConnection(port: port)).isClosedByPeer() }.value
        #expect(closed)
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(try await Self.waitUntilIdle(account).connectionsOpen == 0)
        await listener.close()
    }

    @Test("an idle connection is closed after the idle timeout; one that keeps talking stays open", arguments: ForwardingTests.engines)
    func idleTimeout(engine: ProviderSettings.ProxyEngine) async throws {
        let vm = try await Self.echoServer()
        let account = Self.account()
        let policy = ForwardingPolicy(idleTimeout: .milliseconds(800))
        let (listener, port) = try await Self.proxy(engine, to: vm, policy: policy, account: account)

        let (idleClosed, idleAfter, talkerAlive) = try await Task.detached { () throws -> (Bool, Duration, Bool) in
            let idle = try #require(TestConnection(port: port, receiveTimeoutSeconds: 5))
            let talker = try #require(TestConnection(port: port, receiveTimeoutSeconds: 5))
            let started = ContinuousClock.now
            let closer = Thread { _ = idle.isClosedByPeer() }
            closer.start()
            var alive = true
            // 2 s of traffic every 300 ms: never idle for 800 ms.
            for _ in 0..<7 {
                alive = alive && talker.send("ping") && talker.receive(count: 4) == Array("ping".utf8)
                usleep(300_000)
            }
            let idleClosed = idle.isClosedByPeer()
            return (idleClosed, ContinuousClock.now - started, alive && talker.send("more") && talker.receive(count: 4).count == 4)
        }.value
        #expect(idleClosed)
        #expect(idleAfter < .seconds(4))
        #expect(talkerAlive)
        await listener.close()
        try await vm.close()
    }

    @Test("the per-VM and host caps refuse the excess, serve the rest, and count the refusals", arguments: ForwardingTests.engines)
    func connectionCaps(engine: ProviderSettings.ProxyEngine) async throws {
        let vm = try await Self.echoServer()
        let host = HostTrafficAccount(maxConnections: 3)
        let accountA = Self.account(perVM: 2, host: host)
        let accountB = Self.account(perVM: 2, host: host)
        let (listenerA, portA) = try await Self.proxy(engine, to: vm, account: accountA)
        let (listenerB, portB) = try await Self.proxy(engine, to: vm, account: accountB)

        let outcome = try await Task.detached { () throws -> [String: Bool] in
            func works(_ connection: TestConnection) -> Bool {
                connection.send("hi") && connection.receive(count: 2) == Array("hi".utf8)
            }
            var outcome: [String: Bool] = [:]
            let a1 = try #require(TestConnection(port: portA, receiveTimeoutSeconds: 3))
            let a2 = try #require(TestConnection(port: portA, receiveTimeoutSeconds: 3))
            outcome["a1, a2 served"] = works(a1) && works(a2)
            let a3 = try #require(TestConnection(port: portA, receiveTimeoutSeconds: 3))
            outcome["a3 refused by the VM cap"] = a3.isClosedByPeer()
            let b1 = try #require(TestConnection(port: portB, receiveTimeoutSeconds: 3))
            outcome["b1 served"] = works(b1)
            let b2 = try #require(TestConnection(port: portB, receiveTimeoutSeconds: 3))
            outcome["b2 refused by the host cap"] = b2.isClosedByPeer()
            outcome["a1 still served"] = works(a1)
            return outcome
        }.value
        #expect(outcome == [
            "a1, a2 served": true, "a3 refused by the VM cap": true, "b1 served": true,
            "b2 refused by the host cap": true, "a1 still served": true,
        ])
        #expect(accountA.vm.snapshot.connectionsRefused == 1)
        #expect(accountB.vm.snapshot.connectionsRefused == 1)
        #expect(host.counters.snapshot.connectionsRefused == 2)
        #expect(host.counters.snapshot.connectionsTotal == 3)
        // Everything was closed when the clients went away: the caps are free again.
        for _ in 0..<50 where host.limit.current != 0 { try await Task.sleep(for: .milliseconds(100)) }
        #expect(host.limit.current == 0)
        #expect(accountA.vmLimit.current == 0)
        await listenerA.close()
        await listenerB.close()
        try await vm.close()
    }
}
