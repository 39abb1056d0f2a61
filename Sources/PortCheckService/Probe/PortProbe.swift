import Logging
import NIOCore
import NIOPosix
import Shared

/// What one port's check found.
enum ProbeOutcome: Sendable, Equatable {
    case accessible
    case refused
    case timedOut
    /// Something accepted, but it did not answer the proof challenge.
    case noProof(String)
    case failed(String)

    var isAccessible: Bool { self == .accessible }

    /// The original checker's error texts, so its clients read ours the same way.
    var error: String? {
        switch self {
        case .accessible: nil
        case .refused: "Connection refused"
        case .timedOut: "Connection timed out"
        case .noProof(let reason): "No proof: \(reason)"
        case .failed(let message): message
        }
    }
}

/// Checks whether a TCP port accepts connections from here, optionally asking for the provider's proof.
struct PortProbe: Sendable {
    var connectTimeout: TimeAmount
    var attempts: Int
    var retryDelay: Duration
    var group: MultiThreadedEventLoopGroup = .singleton

    /// Up to `attempts` tries for a port that stays silent or fails on the way; a refusal (the host itself
    /// answered no) and an answered challenge are final, so a closed port costs one round trip, not seconds.
    func check(_ address: SocketAddress, proofKey: String?) async -> ProbeOutcome {
        var outcome = ProbeOutcome.failed("not tried")
        for attempt in 1...attempts {
            outcome = await attemptOnce(address, proofKey: proofKey)
            switch outcome {
            case .accessible, .noProof, .refused: return outcome
            case .timedOut, .failed: break
            }
            if attempt < attempts { try? await Task.sleep(for: retryDelay) }
        }
        return outcome
    }

    private func attemptOnce(_ address: SocketAddress, proofKey: String?) async -> ProbeOutcome {
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(connectTimeout)
                .connect(to: address)
                .get()
        } catch let error as IOError where error.errnoCode == ECONNREFUSED {
            return .refused
        } catch ChannelError.connectTimeout(_) {
            return .timedOut
        } catch let error as IOError where error.errnoCode == ETIMEDOUT {
            return .timedOut
        } catch {
            return .failed("\(error)")
        }
        guard let proofKey else {
            try? await channel.close()
            return .accessible
        }
        let nonce = PortCheckProof.randomHex()
        let answer = channel.eventLoop.makePromise(of: String.self)
        let timeout = connectTimeout
        do {
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(LineReader(answer: answer, timeout: timeout))
            }.get()
            try await channel.writeAndFlush(ByteBuffer(string: PortCheckProof.challenge(nonce: nonce)))
            let line = try await answer.futureResult.get()
            try? await channel.close()
            return PortCheckProof.isValid(answer: line, key: proofKey, nonce: nonce)
                ? .accessible : .noProof("the listener answered the challenge wrongly")
        } catch {
            // The handler may never have been added (the listener closed first); NIO ignores a second completion.
            answer.fail(error)
            try? await channel.close()
            return .noProof("the listener did not answer the challenge")
        }
    }
}

/// Collects the first line a listener sends back (bounded, within `timeout`), then completes `answer` once.
private final class LineReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let answer: EventLoopPromise<String>
    private let timeout: TimeAmount
    private var received = ByteBuffer()
    private var done = false
    private var timer: Scheduled<Void>?

    init(answer: EventLoopPromise<String>, timeout: TimeAmount) {
        self.answer = answer
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let timeout = self.timeout
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            finish(.failure(ChannelError.connectTimeout(timeout)))
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        received.writeBuffer(&chunk)
        let view = received.readableBytesView
        if let newline = view.firstIndex(of: UInt8(ascii: "\n")) {
            finish(.success(String(decoding: view[view.startIndex..<newline], as: UTF8.self)))
        } else if received.readableBytes > PortCheckProof.maxLineBytes {
            finish(.failure(ChannelError.inputClosed))
        }
    }

    func channelInactive(context: ChannelHandlerContext) { finish(.failure(ChannelError.inputClosed)) }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { finish(.failure(error)) }

    private func finish(_ result: Result<String, any Error>) {
        guard !done else { return }
        done = true
        timer?.cancel()
        answer.completeWith(result)
    }
}
