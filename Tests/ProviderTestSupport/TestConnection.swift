import Foundation

/// A blocking TCP client on 127.0.0.1 for tests that need to hold, stall or half-close a connection.
public final class TestConnection: @unchecked Sendable {
    public let descriptor: Int32

    /// nil when the connection is refused.
    public init?(port: Int, receiveTimeoutSeconds: Int = 10) {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = LoopbackSocket.socketAddress(port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            Foundation.close(descriptor)
            return nil
        }
    }

    deinit { Foundation.close(descriptor) }

    /// Sends everything; false when the peer is gone.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.send(descriptor, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    @discardableResult
    public func send(_ text: String) -> Bool { Array(text.utf8).withUnsafeBytes { send($0) } }

    /// Up to `into.count` bytes; 0 at EOF, nil on a timeout or an error.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let count = recv(descriptor, buffer.baseAddress, buffer.count, 0)
        return count < 0 ? nil : count
    }

    /// Whatever arrives until `count` bytes, EOF or the timeout.
    public func receive(count: Int) -> [UInt8] {
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.count < count {
            guard let read = buffer.withUnsafeMutableBytes({ receive(into: $0) }), read > 0 else { break }
            received += buffer[0..<read]
        }
        return received
    }

    /// True when the peer closed the connection (EOF or reset) before the receive timeout.
    public func isClosedByPeer() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    public func shutdownWrite() { shutdown(descriptor, Int32(SHUT_WR)) }
}

/// A deterministic, non-repeating byte stream (xorshift64*), so a reordered, lost or duplicated chunk shows.
public struct PatternStream: Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed | 1 }

    public mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        let words = buffer.count / 8
        let typed = buffer.bindMemory(to: UInt64.self)
        for index in 0..<words { typed[index] = next() }
        var tail = next()
        for index in (words * 8)..<buffer.count {
            buffer[index] = UInt8(truncatingIfNeeded: tail)
            tail >>= 8
        }
    }

    private mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
}
