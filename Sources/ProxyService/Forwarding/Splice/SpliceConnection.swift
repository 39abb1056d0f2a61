#if os(Linux)
import CForwarding
import Glibc

/// Pipes lent to directions only while they carry bytes: idle connections hold none, so a thousand idle
/// connections cost no pipe memory and stay clear of the per-user pipe limits.
final class PipePool {
    struct Pipe {
        let read: Int32
        let write: Int32
        /// What the kernel granted (F_SETPIPE_SZ may refuse the size asked for).
        let capacity: Int
    }

    let capacity: Int
    private var spare: [Pipe] = []
    private let maxSpare = 64

    init(capacity: Int) { self.capacity = capacity }

    func take() -> Pipe? {
        if let pipe = spare.popLast() { return pipe }
        var fds: [Int32] = [-1, -1]
        let granted = gp_pipe(&fds, Int32(capacity))
        guard granted > 0 else { return nil }
        return Pipe(read: fds[0], write: fds[1], capacity: Int(granted))
    }

    /// Only empty pipes come back here.
    func give(_ pipe: Pipe) {
        if spare.count < maxSpare { spare.append(pipe) } else { discard(pipe) }
    }

    func discard(_ pipe: Pipe) {
        close(pipe.read)
        close(pipe.write)
    }
}

/// One direction of a forwarded connection: bytes go source socket → pipe → destination socket, never
/// through user space. The pipe is the only buffer, so a slow destination stops reads from the source.
struct SpliceDirection {
    private var pipe: PipePool.Pipe?
    /// Bytes in the pipe, not yet written to the destination.
    private var buffered = 0
    private(set) var sourceEnded = false
    private(set) var destinationShut = false

    enum Outcome: Equatable {
        /// Moved `bytes` in; waiting for more input or for the destination to drain.
        case waiting(bytes: Int)
        /// Moved `bytes`, its fair share for one turn; more is ready, so it needs another turn without an event.
        case yielded(bytes: Int)
        /// The source ended and everything reached the destination, whose output is now shut.
        case finished(bytes: Int)
        case failed(errno: Int32)

        /// Bytes moved in; nil when the connection failed.
        var bytes: Int? {
            switch self {
            case .waiting(let bytes), .yielded(let bytes), .finished(let bytes): bytes
            case .failed: nil
            }
        }

        var isYielded: Bool { if case .yielded = self { true } else { false } }
    }

    /// Moves what can move now without blocking, up to `budget` bytes so one busy connection cannot starve
    /// the others sharing the loop.
    mutating func pump(from source: Int32, to destination: Int32, pool: PipePool, budget: Int) -> Outcome {
        var moved = 0
        while true {
            if moved >= budget { return .yielded(bytes: moved) }
            if let pipe {
                while buffered > 0 {
                    let written = gp_splice(pipe.read, destination, buffered)
                    if written > 0 {
                        buffered -= written
                    } else if written == -Int(EAGAIN) {
                        return .waiting(bytes: moved)
                    } else {
                        return .failed(errno: Int32(-written))
                    }
                }
            }
            if sourceEnded {
                release(to: pool)
                if !destinationShut {
                    _ = gp_shutdown_write(destination)
                    destinationShut = true
                }
                return .finished(bytes: moved)
            }
            guard let pipe = pipe ?? pool.take() else { return .failed(errno: EMFILE) }
            self.pipe = pipe
            let read = gp_splice(source, pipe.write, pipe.capacity)
            if read > 0 {
                buffered += read
                moved += read
            } else if read == 0 {
                sourceEnded = true
            } else if read == -Int(EAGAIN) {
                release(to: pool)
                return .waiting(bytes: moved)
            } else {
                return .failed(errno: Int32(-read))
            }
        }
    }

    private mutating func release(to pool: PipePool) {
        guard let pipe, buffered == 0 else { return }
        pool.give(pipe)
        self.pipe = nil
    }

    /// On a failed or abandoned connection: the pipe may hold bytes, so it is closed, not reused.
    mutating func discard(to pool: PipePool) {
        guard let pipe else { return }
        if buffered == 0 { pool.give(pipe) } else { pool.discard(pipe) }
        self.pipe = nil
        buffered = 0
    }
}

/// A requestor's connection and its connection to the VM, owned by one SpliceLoop.
final class SpliceConnection {
    let client: Int32
    let vm: Int32
    let account: VMTrafficAccount
    let target: String
    var connected = false
    var connectDeadline: UInt64
    var lastActivity: UInt64
    /// Requestor to VM.
    var upstream = SpliceDirection()
    /// VM to requestor.
    var downstream = SpliceDirection()

    init(client: Int32, vm: Int32, account: VMTrafficAccount, target: String, now: UInt64, connectTimeout: UInt64) {
        self.client = client
        self.vm = vm
        self.account = account
        self.target = target
        connectDeadline = now + connectTimeout
        lastActivity = now
    }

    var isFinished: Bool { upstream.destinationShut && downstream.destinationShut }
}
#endif
