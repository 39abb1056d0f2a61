import Foundation

/// Small blocking socket helpers for tests on 127.0.0.1.
public enum LoopbackSocket {
    public static func isFree(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = socketAddress(port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Connects and reads until `expected` bytes arrived, EOF or the timeout; nil when the connect is refused.
    public static func connectAndRead(port: Int, send: String? = nil, expected: Int = 14, timeoutSeconds: Int = 5) -> String? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = socketAddress(port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { return nil }
        if let send { _ = send.withCString { Foundation.send(descriptor, $0, strlen($0), 0) } }
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.count < expected {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    static func socketAddress(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return address
    }
}

/// A stand-in for a VM's sshd: greets every connection with an SSH banner, then echoes what it receives.
public final class BannerServer: @unchecked Sendable {
    private let process: Process

    /// A "VM" that, on every connection, sends `bytes` bytes (a repeating 1 MiB block) and then closes.
    public static func byteSource(port: Int, bytes: Int) throws -> BannerServer {
        try BannerServer(port: port, script: """
        import socket, threading
        block = bytes(range(256)) * 4096
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", \(port))); s.listen(64)
        def serve(c):
            left = \(bytes)
            try:
                while left > 0:
                    n = min(left, len(block)); c.sendall(block[:n]); left -= n
            finally:
                c.close()
        while True:
            c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
        """)
    }

    private init(port: Int, script: String) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        try process.run()
        for _ in 0..<100 where LoopbackSocket.isFree(port) { usleep(50_000) }
    }

    public init(port: Int) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
        import socket, threading
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", \(port))); s.listen(64)
        def serve(c):
            c.sendall(b"SSH-2.0-fakevm\\r\\n")
            while True:
                d = c.recv(65536)
                if not d: break
                c.sendall(d)
            c.close()
        while True:
            c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
        """]
        try process.run()
        for _ in 0..<100 where LoopbackSocket.isFree(port) { usleep(50_000) }
    }

    /// SIGKILL: a child of the test runner inherits its blocked signal mask, so SIGTERM would not reach it.
    public func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
