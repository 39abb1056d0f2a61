import Logging
import Shared

/// Picks the hypervisor driver from `GOLEM_PROVIDER_VM_DRIVER` (auto: Multipass where it is installed, QEMU
/// otherwise) and checks that it works before serving. `facts` go into golem-vm's health answer.
enum DriverSelection {
    struct Selected: Sendable {
        let driver: any HypervisorDriver
        let facts: [String: String]
    }

    static func makeDriver(settings: ProviderSettings, logger: Logger) async throws -> Selected {
        switch settings.vmDriver {
        case .multipass: return try await multipass(settings: settings, logger: logger)
        case .qemu: return try await qemu(settings: settings, logger: logger)
        case .auto:
            if MultipassDriver.locateBinary(configured: settings.multipassBinaryPath) != nil {
                return try await multipass(settings: settings, logger: logger)
            }
            return try await qemu(settings: settings, logger: logger)
        }
    }

    static func multipass(settings: ProviderSettings, logger: Logger) async throws -> Selected {
        guard let binary = MultipassDriver.locateBinary(configured: settings.multipassBinaryPath) else {
            let where_ = settings.multipassBinaryPath.map { "at \($0) (GOLEM_PROVIDER_MULTIPASS_BINARY_PATH)" }
                ?? "in /snap/bin, /usr/local/bin or /usr/bin"
            throw DriverError("no multipass executable \(where_); install Multipass or set GOLEM_PROVIDER_MULTIPASS_BINARY_PATH")
        }
        let driver = MultipassDriver(
            options: .init(
                binary: binary,
                cloudInitDirectory: settings.cloudInitDirectory,
                guestSSHPort: settings.guestSSHPort,
                launchTimeout: .seconds(settings.launchTimeoutSeconds),
                retryAttempts: settings.retryAttempts,
                retryDelay: .seconds(settings.retryDelaySeconds),
                retryBackoff: settings.retryBackoff),
            logger: logger)
        let version = try await driver.version()
        logger.info("using multipass", metadata: ["binary": "\(binary)", "version": "\(version.split(separator: "\n").first ?? "")"])
        return Selected(driver: driver, facts: ["driver": driver.name, "driver_version": version])
    }

    static func qemu(settings: ProviderSettings, logger: Logger) async throws -> Selected {
        let tools = try QemuDriver.locateTools(qemuBinary: settings.qemuBinaryPath)
        let outcome = await AcceleratorProbe(qemuBinary: tools.qemu, runner: CommandRunner()).decide(settings.accelerator)
        let driver = QemuDriver(
            tools: tools,
            options: .init(
                instancesDirectory: settings.paths.dataDirectory + "/vm/instances",
                images: GuestImageCatalog(directory: settings.imageDirectory),
                accelerator: outcome,
                guestSSHPort: settings.guestSSHPort,
                blockOutbound: settings.blockVMOutbound,
                publicPortRange: settings.portRangeStart..<settings.portRangeEnd,
                bootTimeout: .seconds(settings.launchTimeoutSeconds),
                stopTimeout: .seconds(settings.vmStopTimeoutSeconds)),
            logger: logger)
        let version = try await driver.version()
        logger.info("using qemu", metadata: [
            "binary": "\(tools.qemu)", "version": "\(version)", "accelerator": "\(outcome.accelerator.rawValue)",
            "reason": "\(outcome.reason)", "images": "\(settings.imageDirectory)",
        ])
        return Selected(driver: driver, facts: [
            "driver": driver.name, "driver_version": version,
            "accelerator": outcome.accelerator.rawValue, "accelerator_reason": outcome.reason,
        ])
    }
}
