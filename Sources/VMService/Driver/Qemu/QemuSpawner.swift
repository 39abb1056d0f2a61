import Foundation

/// Starts `qemu-system-x86_64 ... -daemonize` so that the daemon inherits nothing of golem-vm: stdin and
/// stdout are /dev/null, stderr goes to a file in the instance folder, the environment is minimal, and every other
/// descriptor is closed
/// (a daemon holding golem-vm's sockets or pipes would keep them open for as long as the VM runs).
/// Returns when QEMU's foreground process exits, which `-daemonize` does once the VM is set up.
enum QemuSpawner {
    struct Outcome: Sendable {
        let status: Int32
        let stderr: String
    }

    static func run(_ executable: String, _ arguments: [String], stderrFile: String, timeout: Duration) async throws -> Outcome {
        let pid = try spawn(executable, arguments, stderrFile: stderrFile)
        let status = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: waitForExit(pid, timeout: timeout)) }
        }
        let stderr = ((try? String(contentsOfFile: stderrFile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard let status else { throw DriverError("\(executable) did not daemonize within \(timeout); \(stderr)") }
        return Outcome(status: status, stderr: stderr)
    }

    private static func spawn(_ executable: String, _ arguments: [String], stderrFile: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderrFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        closeInheritedDescriptors(&actions)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        // QEMU needs none of golem-vm's settings (some of which may be secrets): a minimal environment.
        let variables: [String] = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"]
        let environment = variables.map { strdup($0) } + [nil]
        defer { (argv + environment).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, environment)
        guard result == 0 else { throw DriverError("cannot start \(executable): \(String(cString: strerror(result)))") }
        return pid
    }

    /// glibc 2.34+ closes every descriptor from 3 up in the child; Swift's Glibc module does not export that
    /// call, so it is looked up at run time, with a close action per open descriptor where it is missing.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
            return
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap(Int32.init) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
    }

    /// The exit status, or nil (after SIGKILL) when the process outlived `timeout`.
    private static func waitForExit(_ pid: pid_t, timeout: Duration) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f) }
            if result < 0 { return -1 }
            if ContinuousClock.now >= deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                return nil
            }
            usleep(20_000)
        }
    }
}
