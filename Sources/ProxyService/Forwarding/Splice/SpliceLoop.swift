#if os(Linux)
import CForwarding
import Dispatch
import Foundation
import Glibc
import Logging
import Synchronization

/// One thread, one epoll set: accepts on the public listeners, connects to VMs and splices both directions.
/// All connection state lives on the loop's thread; other threads talk to it through `commands` and an eventfd.
final class SpliceLoop: @unchecked Sendable {
    private enum Command {
        case addListener(fd: Int32, SpliceListenerState, CheckedContinuation<Void, Never>)
        case removeListener(fd: Int32, CheckedContinuation<Void, Never>)
    }

    private enum Owner {
        case listener(SpliceListenerState)
        case connection(SpliceConnection)
    }

    private let epoll: Int32
    private let wakeup: Int32
    private let policy: ForwardingPolicy
    private let logger: Logger
    private let commands = Mutex<[Command]>([])
    private let pipes = PipePool(capacity: 1 << 20)
    private var owners: [Int32: Owner] = [:]
    private var connectionCount = 0
    /// Connections that used their turn's budget with bytes still ready: served again without an event.
    private var yielded: [SpliceConnection] = []
    private let turnBudget = 4 << 20

    init(policy: ForwardingPolicy, logger: Logger) throws {
        gp_ignore_sigpipe()
        epoll = gp_epoll_create()
        wakeup = gp_eventfd()
        guard epoll >= 0, wakeup >= 0, gp_epoll_add(epoll, wakeup, UInt32(GP_EV_IN), 0) == 0 else {
            throw POSIXError(.EMFILE)
        }
        self.policy = policy
        self.logger = logger
        let thread = Thread { [self] in run() }
        thread.name = "golem-proxy splice"
        thread.start()
    }

    func addListener(fd: Int32, _ state: SpliceListenerState) async {
        await withCheckedContinuation { send(.addListener(fd: fd, state, $0)) }
    }

    func removeListener(fd: Int32) async {
        await withCheckedContinuation { send(.removeListener(fd: fd, $0)) }
    }

    private func send(_ command: Command) {
        commands.withLock { $0.append(command) }
        _ = gp_eventfd_signal(wakeup)
    }

    // MARK: The loop thread

    private func run() {
        var fds = [Int32](repeating: 0, count: 256)
        var events = [UInt32](repeating: 0, count: 256)
        var nextSweep = Self.nowNanoseconds()
        while true {
            let timeout = yielded.isEmpty ? Int32(sweepInterval / 1_000_000) : 0
            let count = gp_epoll_wait(epoll, &fds, &events, 256, timeout)
            if count < 0 && count != -EINTR {
                logger.error("epoll_wait failed", metadata: ["errno": "\(-count)"])
            }
            for index in 0..<max(0, Int(count)) {
                let fd = fds[index]
                if fd == wakeup {
                    _ = gp_eventfd_drain(wakeup)
                    runCommands()
                    continue
                }
                switch owners[fd] {
                case .listener(let listener): acceptAll(listener)
                case .connection(let connection): service(connection, readiness: Readiness(fd: fd, events: events[index], of: connection))
                case nil: continue
                }
            }
            let again = yielded
            yielded.removeAll(keepingCapacity: true)
            for connection in again where owners[connection.client] != nil {
                service(connection, readiness: .both)
            }
            let now = Self.nowNanoseconds()
            if now >= nextSweep {
                sweep(now: now)
                nextSweep = now + sweepInterval
            }
        }
    }

    /// Often enough to keep the idle timeout within a quarter of its length, at most once a second.
    private var sweepInterval: UInt64 {
        let second: UInt64 = 1_000_000_000
        guard let idle = policy.idleTimeout else { return second }
        return max(50_000_000, min(second, UInt64(idle.nanoseconds) / 4))
    }

    private func runCommands() {
        let pending = commands.withLock { queue -> [Command] in
            defer { queue.removeAll() }
            return queue
        }
        for command in pending {
            switch command {
            case .addListener(let fd, let state, let done):
                owners[fd] = .listener(state)
                _ = gp_epoll_add(epoll, fd, UInt32(GP_EV_IN), 0)
                done.resume()
            case .removeListener(let fd, let done):
                if case .listener = owners[fd] {
                    _ = gp_epoll_remove(epoll, fd)
                    owners[fd] = nil
                    close(fd)
                }
                done.resume()
            }
        }
    }

    private func acceptAll(_ listener: SpliceListenerState) {
        while true {
            let client = gp_accept(listener.fd)
            if client < 0 {
                if client == -ECONNABORTED || client == -EINTR { continue }
                if client == -EMFILE || client == -ENFILE {
                    logger.warning("out of file descriptors; raise the open-files limit", metadata: ["port": "\(listener.port)"])
                }
                return
            }
            guard listener.account.admit() else {
                close(client)
                logger.debug("connection cap reached; refusing", metadata: ["port": "\(listener.port)"])
                continue
            }
            let destination = listener.target.current
            let vm = gp_connect(destination.host, Int32(destination.port))
            guard vm >= 0 else {
                logger.info("cannot reach VM; closing client connection", metadata: [
                    "target": "\(destination.host):\(destination.port)", "errno": "\(-vm)",
                ])
                close(client)
                listener.account.finish()
                continue
            }
            let connection = SpliceConnection(
                client: client, vm: vm, account: listener.account, target: "\(destination.host):\(destination.port)",
                now: Self.nowNanoseconds(), connectTimeout: UInt64(policy.connectTimeout.nanoseconds))
            owners[client] = .connection(connection)
            owners[vm] = .connection(connection)
            connectionCount += 1
            // Edge-triggered on both sockets: each event pumps the directions it can move until they would block.
            let interest = UInt32(GP_EV_IN | GP_EV_OUT | GP_EV_RDHUP)
            _ = gp_epoll_add(epoll, client, interest, 1)
            _ = gp_epoll_add(epoll, vm, interest, 1)
        }
    }

    /// Which directions an event can move: input on a socket feeds the direction it is the source of,
    /// output space the direction it is the destination of; errors and hang-ups wake both.
    struct Readiness {
        var upstream: Bool
        var downstream: Bool
        var error = false
        static let both = Readiness(upstream: true, downstream: true)

        init(upstream: Bool, downstream: Bool) {
            self.upstream = upstream
            self.downstream = downstream
        }

        init(fd: Int32, events: UInt32, of connection: SpliceConnection) {
            let input = events & UInt32(GP_EV_IN | GP_EV_RDHUP) != 0
            let output = events & UInt32(GP_EV_OUT) != 0
            error = events & UInt32(GP_EV_ERR | GP_EV_HUP) != 0
            let fromClient = fd == connection.client
            upstream = error || (fromClient ? input : output)
            downstream = error || (fromClient ? output : input)
        }
    }

    private func service(_ connection: SpliceConnection, readiness: Readiness) {
        var readiness = readiness
        if !connection.connected {
            let error = gp_socket_error(connection.vm)
            if error == EINPROGRESS || (error == 0 && !readiness.error && !isConnected(connection.vm)) { return }
            guard error == 0 else {
                logger.info("cannot reach VM; closing client connection", metadata: [
                    "target": "\(connection.target)", "errno": "\(error)",
                ])
                finish(connection)
                return
            }
            connection.connected = true
            readiness = .both
        }
        let idle = SpliceDirection.Outcome.waiting(bytes: 0)
        let up = readiness.upstream
            ? connection.upstream.pump(from: connection.client, to: connection.vm, pool: pipes, budget: turnBudget) : idle
        let down = readiness.downstream
            ? connection.downstream.pump(from: connection.vm, to: connection.client, pool: pipes, budget: turnBudget) : idle
        // Per event, on the hot path: no collections built, just the two outcomes.
        guard let upBytes = up.bytes, let downBytes = down.bytes else {
            finish(connection)
            return
        }
        if upBytes > 0 { connection.account.received(upBytes) }
        if downBytes > 0 { connection.account.sent(downBytes) }
        if (up.isYielded || down.isYielded), !yielded.contains(where: { $0 === connection }) { yielded.append(connection) }
        let moved = upBytes > 0 || downBytes > 0
        if moved { connection.lastActivity = Self.nowNanoseconds() }
        if connection.isFinished { finish(connection) }
    }

    private func isConnected(_ fd: Int32) -> Bool {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        return withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) == 0 }
        }
    }

    /// Closes connections whose VM never answered and those idle past the timeout.
    private func sweep(now: UInt64) {
        guard connectionCount > 0 else { return }
        let idleLimit = policy.idleTimeout.map { UInt64($0.nanoseconds) }
        var expired: [SpliceConnection] = []
        for (fd, owner) in owners {
            guard case .connection(let connection) = owner, fd == connection.client else { continue }
            if !connection.connected, now >= connection.connectDeadline {
                logger.info("VM did not accept in time; closing client connection", metadata: ["target": "\(connection.target)"])
                expired.append(connection)
            } else if connection.connected, let idleLimit, now - connection.lastActivity >= idleLimit {
                expired.append(connection)
            }
        }
        expired.forEach(finish)
    }

    private func finish(_ connection: SpliceConnection) {
        guard owners[connection.client] != nil else { return }
        owners[connection.client] = nil
        owners[connection.vm] = nil
        connectionCount -= 1
        close(connection.client)
        close(connection.vm)
        connection.upstream.discard(to: pipes)
        connection.downstream.discard(to: pipes)
        connection.account.finish()
    }

    static func nowNanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}

/// What the loop knows about one public listener.
struct SpliceListenerState {
    let fd: Int32
    let port: Int
    let target: ForwardTarget
    let account: VMTrafficAccount
}
#endif
