#if os(Linux)
import CForwarding
import Foundation
import Logging

/// The Linux engine: splice(2) moves bytes socket → pipe → socket inside the kernel, so forwarding costs
/// no copies through user space and no per-connection buffers in the process.
struct SpliceForwarder: Forwarder {
    let bindHost: String
    let policy: ForwardingPolicy
    private let loop: SpliceLoop

    init(bindHost: String, policy: ForwardingPolicy = ForwardingPolicy(), logger: Logger) throws {
        self.bindHost = bindHost
        self.policy = policy
        loop = try SpliceLoop(policy: policy, logger: logger)
    }

    func listen(port: Int, target: ForwardTarget, account: VMTrafficAccount) async throws -> any ForwardingListener {
        var boundPort: Int32 = 0
        let fd = gp_listen(bindHost, Int32(port), 256, &boundPort)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: -fd) ?? .EADDRINUSE) }
        await loop.addListener(fd: fd, SpliceListenerState(fd: fd, port: Int(boundPort), target: target, account: account))
        return SpliceListener(fd: fd, port: Int(boundPort), loop: loop)
    }
}

struct SpliceListener: ForwardingListener {
    let fd: Int32
    let port: Int
    let loop: SpliceLoop
    func close() async { await loop.removeListener(fd: fd) }
}
#endif
