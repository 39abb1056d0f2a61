import Logging
import Shared

/// Picks the hypervisor driver from `GOLEM_PROVIDER_VM_DRIVER` and checks that it works before serving.
enum DriverSelection {
    static func makeDriver(settings: ProviderSettings, logger: Logger) async throws -> (driver: any HypervisorDriver, version: String) {
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
        return (driver, version)
    }
}
