import Foundation

/// What a VM was launched with, kept beside its disk (`machine.json`) so that VMService can start it again
/// from its disk after QEMU exited, and so a restarted VMService knows the VM without asking anyone.
struct QemuMachine: Codable, Sendable, Equatable {
    var instanceName: String
    var vmID: String
    var cpu: Int
    var memoryGB: Int
    var storageGB: Int
    var image: GuestImage
    /// The loopback port that QEMU forwards to the guest's SSH daemon.
    var sshForwardPort: Int
}

/// The files of one instance, all in one folder (`<data>/vm/instances/<instance>/`, mode 0700).
struct InstanceFolder: Sendable {
    let path: String

    init(root: String, instanceName: String) { path = root + "/" + instanceName }

    var machineFile: String { path + "/machine.json" }
    var disk: String { path + "/disk.qcow2" }
    var seed: String { path + "/seed.iso" }
    var seedSource: String { path + "/seed" }
    var qmpSocket: String { path + "/qmp.sock" }
    var pidFile: String { path + "/qemu.pid" }
    var console: String { path + "/console.log" }
    var qemuLog: String { path + "/qemu.log" }

    func readMachine() -> QemuMachine? {
        guard let data = FileManager.default.contents(atPath: machineFile) else { return nil }
        return try? JSONDecoder().decode(QemuMachine.self, from: data)
    }

    /// Written through a temporary file and rename, so a crash never leaves half a file.
    func write(_ machine: QemuMachine) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let temporary = machineFile + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: try encoder.encode(machine), attributes: [.posixPermissions: 0o600]) else {
            throw DriverError("cannot write \(temporary)")
        }
        guard rename(temporary, machineFile) == 0 else { throw DriverError("cannot rename \(temporary): \(String(cString: strerror(errno)))") }
    }

    /// The PID in QEMU's PID file when that process is alive and is this instance's QEMU (not a reused PID).
    func runningPID() -> pid_t? {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0, kill(pid, 0) == 0,
              let commandLine = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline")
        else { return nil }
        return String(decoding: commandLine, as: UTF8.self).contains(path + "/") ? pid : nil
    }
}
