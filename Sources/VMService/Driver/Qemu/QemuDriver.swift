import Foundation
import Logging

/// Runs each VM as its own QEMU process, started detached (`-daemonize`, PID file) so VMs outlive golem-vm;
/// a QMP socket per VM answers status and takes shutdown. Everything about a VM sits in its instance folder,
/// so a restarted golem-vm finds its VMs again from the folder alone.
public struct QemuDriver: HypervisorDriver {
    public struct Tools: Sendable {
        var qemu: String
        var qemuImg: String
        var genisoimage: String
    }

    struct Options: Sendable {
        var instancesDirectory: String
        var images: GuestImageCatalog
        var accelerator: AcceleratorProbe.Outcome
        var guestSSHPort: Int
        var blockOutbound: Bool
        var publicPortRange: Range<Int>
        var bootTimeout: Duration
        var stopTimeout: Duration
    }

    public let name = "qemu"
    let tools: Tools
    let options: Options
    let runner: CommandRunner
    let logger: Logger

    init(tools: Tools, options: Options, runner: CommandRunner = CommandRunner(), logger: Logger) {
        self.tools = tools
        self.options = options
        self.runner = runner
        self.logger = logger
    }

    /// The QEMU tools on the PATH of a Debian host, or where the setting says.
    static func locateTools(qemuBinary: String?) throws -> Tools {
        func find(_ name: String) -> String? {
            ["/usr/bin", "/usr/local/bin", "/bin"].map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }
        guard let qemu = qemuBinary ?? find("qemu-system-x86_64") else {
            throw DriverError("no qemu-system-x86_64; install it (apt-get install qemu-system-x86) or set GOLEM_PROVIDER_QEMU_BINARY_PATH")
        }
        guard let qemuImg = find("qemu-img") else { throw DriverError("no qemu-img; install it with apt-get install qemu-utils") }
        guard let genisoimage = find("genisoimage") else { throw DriverError("no genisoimage; install it with apt-get install genisoimage") }
        return Tools(qemu: qemu, qemuImg: qemuImg, genisoimage: genisoimage)
    }

    public func version() async throws -> String {
        let result = try await runner.run(tools.qemu, ["--version"], timeout: .seconds(10))
        guard result.status == 0 else { throw DriverError("\(tools.qemu) --version failed: \(result.stderrText)") }
        return result.stdoutText.split(separator: "\n").first.map(String.init) ?? ""
    }

    // MARK: Launch

    public func checkImage(_ image: String) throws { _ = try options.images.image(named: image) }

    public func launch(_ spec: LaunchSpec) async throws {
        let image = try options.images.image(named: spec.image)
        let folder = folder(spec.instanceName)
        // A launch that a restart interrupted may have left a half-made folder (or even a QEMU): start clean.
        if let pid = folder.runningPID() { try await terminate(pid, folder: folder) }
        try? FileManager.default.removeItem(atPath: folder.path)
        try FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try await createOverlay(on: image, storageGB: spec.storageGB, at: folder.disk)
        try await CloudInitSeed(
            userData: CloudInitUserData(hostname: spec.vmID, sshPublicKey: spec.sshPublicKey), instanceID: spec.instanceName
        ).write(to: folder, genisoimage: tools.genisoimage, runner: runner)
        let machine = QemuMachine(
            instanceName: spec.instanceName, vmID: spec.vmID, cpu: spec.cpu, memoryGB: spec.memoryGB,
            storageGB: spec.storageGB, image: image, sshForwardPort: try allocatePort())
        try await boot(machine, in: folder)
    }

    private func createOverlay(on image: GuestImage, storageGB: Int, at path: String) async throws {
        let info = try await runner.run(tools.qemuImg, ["info", "--output=json", image.disk], timeout: .seconds(30))
        guard info.status == 0, let json = try? JSONSerialization.jsonObject(with: info.stdout) as? [String: Any],
              let virtualSize = json["virtual-size"] as? Int
        else { throw DriverError("cannot read image \(image.disk): \(info.stderrText)") }
        let requested = storageGB << 30
        guard virtualSize <= requested else {
            throw DriverError("image \(image.name) needs \(Int((Double(virtualSize) / Double(1 << 30)).rounded(.up))) GB of disk; \(storageGB) GB were requested")
        }
        let result = try await runner.run(tools.qemuImg, [
            "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", image.disk, path, "\(storageGB)G",
        ], timeout: .seconds(60))
        guard result.status == 0 else { throw DriverError("qemu-img create failed (exit \(result.status)): \(result.stderrText)") }
    }

    /// Starts QEMU for `machine`; when its SSH forward port was taken meanwhile, picks another one.
    /// Returns when the guest's SSH daemon answers, as `multipass launch` does.
    private func boot(_ machine: QemuMachine, in folder: InstanceFolder) async throws {
        var machine = machine
        var result = try await runQemu(machine, folder)
        if result.status != 0, result.stderr.contains("host forwarding") {
            machine.sshForwardPort = try allocatePort()
            result = try await runQemu(machine, folder)
        }
        guard result.status == 0 else {
            throw DriverError("qemu failed to start \(machine.instanceName) (exit \(result.status)): \(result.stderr)")
        }
        try folder.write(machine)
        logger.info("qemu started", metadata: [
            "instance": "\(machine.instanceName)", "accelerator": "\(options.accelerator.accelerator.rawValue)",
            "ssh_forward": "127.0.0.1:\(machine.sshForwardPort)",
        ])
        try await waitForGuest(machine, folder)
    }

    private func runQemu(_ machine: QemuMachine, _ folder: InstanceFolder) async throws -> QemuSpawner.Outcome {
        try? FileManager.default.removeItem(atPath: folder.qmpSocket)
        let commandLine = QemuCommandLine(
            machine: machine, folder: folder, accelerator: options.accelerator.accelerator,
            guestSSHPort: options.guestSSHPort, blockOutbound: options.blockOutbound)
        return try await QemuSpawner.run(tools.qemu, commandLine.arguments, stderrFile: folder.qemuLog, timeout: .seconds(60))
    }

    private func waitForGuest(_ machine: QemuMachine, _ folder: InstanceFolder) async throws {
        let deadline = ContinuousClock.now + options.bootTimeout
        while ContinuousClock.now < deadline {
            if await SSHBanner.answers(host: "127.0.0.1", port: machine.sshForwardPort) { return }
            guard folder.runningPID() != nil else {
                throw DriverError("QEMU for \(machine.instanceName) exited while the guest booted; console: \(consoleTail(folder))")
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw DriverError("the guest of \(machine.instanceName) did not answer SSH within \(options.bootTimeout); console: \(consoleTail(folder))")
    }

    private func consoleTail(_ folder: InstanceFolder) -> String {
        let text = (try? String(contentsOfFile: folder.console, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(5).joined(separator: " | ")
    }

    private func allocatePort() throws -> Int {
        try LoopbackPorts(avoid: options.publicPortRange).allocate(excluding: Set(machines().map(\.sshForwardPort)))
    }

    private func machines() -> [QemuMachine] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: options.instancesDirectory)) ?? []
        return names.compactMap { folder($0).readMachine() }
    }

    // MARK: Inspect, start, stop, delete

    public func inspect(_ instanceName: String) async throws -> InstanceInfo? {
        let folder = folder(instanceName)
        guard let machine = folder.readMachine() else { return nil }
        guard folder.runningPID() != nil else {
            return InstanceInfo(state: .stopped, rawState: "not running", ipAddress: nil, sshEndpoint: nil)
        }
        let rawState: String
        do { rawState = try await QMPClient(socketPath: folder.qmpSocket).status() } catch {
            return InstanceInfo(state: .error, rawState: "QMP does not answer: \(error)", ipAddress: nil, sshEndpoint: nil)
        }
        let state = Self.state(for: rawState)
        guard state == .running else { return InstanceInfo(state: state, rawState: rawState, ipAddress: nil, sshEndpoint: nil) }
        let ready = await SSHBanner.answers(host: "127.0.0.1", port: machine.sshForwardPort)
        return InstanceInfo(
            state: .running, rawState: rawState, ipAddress: "127.0.0.1",
            sshEndpoint: SSHEndpoint(host: "127.0.0.1", port: machine.sshForwardPort), guestReady: ready)
    }

    /// Every QMP run state has a place; a guest that powered itself off makes QEMU exit (stopped).
    static func state(for qmpStatus: String) -> VMState {
        switch qmpStatus {
        case "running": .running
        case "paused", "suspended", "shutdown", "prelaunch", "inmigrate", "postmigrate", "finish-migrate",
             "save-vm", "restore-vm", "colo":
            .stopped
        default: .error  // internal-error, io-error, guest-panicked, watchdog, debug
        }
    }

    public func start(_ instanceName: String) async throws {
        let folder = folder(instanceName)
        guard let machine = folder.readMachine() else { throw DriverError("instance \(instanceName) has no machine file in \(folder.path)") }
        if folder.runningPID() != nil {
            // Paused or shut down inside QEMU: resume rather than start a second QEMU on the same disk.
            let status = try await QMPClient(socketPath: folder.qmpSocket).status()
            if status != "running" { _ = try await QMPClient(socketPath: folder.qmpSocket).execute("cont") }
            try await waitForGuest(machine, folder)
            return
        }
        try await boot(machine, in: folder)
    }

    /// ACPI power button first (the guest shuts down cleanly), then QEMU's quit, then SIGKILL.
    public func stop(_ instanceName: String) async throws {
        let folder = folder(instanceName)
        guard let pid = folder.runningPID() else { return }
        let qmp = QMPClient(socketPath: folder.qmpSocket)
        if (try? await qmp.execute("system_powerdown")) != nil, await waitForExit(pid, folder: folder, within: options.stopTimeout) {
            return
        }
        logger.warning("guest did not power off in time; stopping QEMU", metadata: ["instance": "\(instanceName)"])
        try await terminate(pid, folder: folder)
    }

    public func delete(_ instanceName: String) async throws {
        let folder = folder(instanceName)
        if let pid = folder.runningPID() { try await terminate(pid, folder: folder) }
        guard FileManager.default.fileExists(atPath: folder.path) else { return }
        do { try FileManager.default.removeItem(atPath: folder.path) } catch {
            throw DriverError("cannot remove \(folder.path): \(error.localizedDescription)")
        }
    }

    private func terminate(_ pid: pid_t, folder: InstanceFolder) async throws {
        _ = try? await QMPClient(socketPath: folder.qmpSocket, timeout: .seconds(2)).execute("quit")
        if await waitForExit(pid, folder: folder, within: .seconds(5)) { return }
        kill(pid, SIGKILL)
        guard await waitForExit(pid, folder: folder, within: .seconds(5)) else {
            throw DriverError("QEMU (pid \(pid)) of \(folder.path) does not exit")
        }
    }

    private func waitForExit(_ pid: pid_t, folder: InstanceFolder, within timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while folder.runningPID() == pid {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return true
    }

    private func folder(_ instanceName: String) -> InstanceFolder {
        InstanceFolder(root: options.instancesDirectory, instanceName: instanceName)
    }
}
