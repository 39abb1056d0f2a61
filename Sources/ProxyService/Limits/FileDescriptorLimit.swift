#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// Every forwarded connection holds two descriptors; the usual soft limit of 1024 would cap the proxy near
/// 500 connections, far below its configured cap. Raise the soft limit as far as the hard limit allows.
enum FileDescriptorLimit {
    static func raiseToHardLimit(need: Int, logger: Logger) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        if Int(clamping: limit.rlim_cur) < need {
            logger.warning("the open-files limit is below what the connection caps need; raise LimitNOFILE / ulimit -n", metadata: [
                "limit": "\(limit.rlim_cur)", "need": "\(need)",
            ])
        }
    }
}
