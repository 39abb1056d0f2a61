import Foundation

/// Loopback ports for QEMU's SSH forwards: the kernel picks a free one, and ports that the public SSH range
/// (or another VM) uses are passed over, so a VM's forward never takes a port golem-proxy needs.
struct LoopbackPorts: Sendable {
    let avoid: Range<Int>

    func allocate(excluding taken: Set<Int>) throws -> Int {
        for _ in 0..<64 {
            let port = try Self.kernelChosenPort()
            if !avoid.contains(port), !taken.contains(port) { return port }
        }
        throw DriverError("no free loopback port outside \(avoid.lowerBound)-\(avoid.upperBound - 1) after 64 tries")
    }

    static func kernelChosenPort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw DriverError("cannot create a socket: \(String(cString: strerror(errno)))") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
            }
        }
        guard bound else { throw DriverError("cannot bind a loopback port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Whether the guest's SSH daemon answers: QEMU's user-mode forward accepts connections before the guest
/// listens, so only the daemon's `SSH-` banner says the guest is ready.
enum SSHBanner {
    static func answers(host: String, port: Int, timeout: Duration = .seconds(2)) async -> Bool {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: check(host: host, port: port, timeout: timeout)) }
        }
    }

    private static func check(host: String, port: Int, timeout: Duration) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var time = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host)
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { return false }
        var bytes = [UInt8](repeating: 0, count: 4)
        var received = 0
        while received < 4 {
            let count = bytes.withUnsafeMutableBytes { recv(socket, $0.baseAddress! + received, 4 - received, 0) }
            guard count > 0 else { return false }
            received += count
        }
        return bytes == Array("SSH-".utf8)
    }
}
