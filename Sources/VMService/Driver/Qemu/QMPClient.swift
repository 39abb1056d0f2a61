import Foundation

/// One QEMU Machine Protocol exchange over the instance's Unix socket: greeting, capabilities, one command.
/// Blocking socket calls with a timeout, run off the cooperative pool; QMP answers in milliseconds.
struct QMPClient: Sendable {
    let socketPath: String
    var timeout: Duration = .seconds(5)

    /// Runs `command` and answers its `return` value; a QMP `error` becomes a DriverError.
    func execute(_ command: String) async throws -> Any {
        let path = socketPath
        let seconds = Int(timeout.components.seconds)
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Self.exchange(path: path, command: command, timeoutSeconds: max(1, seconds)) })
            }
        }
    }

    /// `query-status`'s `status` (`running`, `paused`, `shutdown`, `internal-error`, ...).
    func status() async throws -> String {
        guard let answer = try await execute("query-status") as? [String: Any], let status = answer["status"] as? String else {
            throw DriverError("QMP query-status answered without a status")
        }
        return status
    }

    private static func exchange(path: String, command: String, timeoutSeconds: Int) throws -> Any {
        let socket = try connect(path: path, timeoutSeconds: timeoutSeconds)
        defer { close(socket) }
        var reader = LineReader(socket: socket)
        _ = try reader.nextMessage()  // greeting
        try send(#"{"execute":"qmp_capabilities"}"#, to: socket)
        _ = try reader.reply()
        try send(#"{"execute":"\#(command)"}"#, to: socket)
        return try reader.reply()
    }

    private static func connect(path: String, timeoutSeconds: Int) throws -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw DriverError("QMP socket path is too long for a Unix socket (\(bytes.count) bytes): \(path); use a shorter GOLEM_PROVIDER_DATA_DIR")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let socket = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw DriverError("cannot create a Unix socket: \(String(cString: strerror(errno)))") }
        var time = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(socket)
            throw DriverError("cannot connect to QMP at \(path): \(reason)")
        }
        return socket
    }

    private static func send(_ line: String, to socket: Int32) throws {
        let bytes = Array((line + "\n").utf8)
        let written = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard written == bytes.count else { throw DriverError("QMP write failed: \(String(cString: strerror(errno)))") }
    }

    /// Splits the socket's bytes into JSON messages, one per line.
    struct LineReader {
        let socket: Int32
        var buffer: [UInt8] = []

        mutating func nextMessage() throws -> [String: Any] {
            while true {
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = Array(buffer[..<newline])
                    buffer.removeFirst(newline + 1)
                    if let message = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] { return message }
                    continue
                }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let count = recv(socket, &chunk, chunk.count, 0)
                guard count > 0 else { throw DriverError(count == 0 ? "QMP closed the connection" : "QMP read failed: \(String(cString: strerror(errno)))") }
                buffer += chunk[..<count]
            }
        }

        /// The next `return` or `error`, skipping asynchronous events.
        mutating func reply() throws -> Any {
            while true {
                let message = try nextMessage()
                if let value = message["return"] { return value }
                if let error = message["error"] as? [String: Any] {
                    throw DriverError("QMP error: \(error["desc"] as? String ?? "\(error)")")
                }
            }
        }
    }
}
