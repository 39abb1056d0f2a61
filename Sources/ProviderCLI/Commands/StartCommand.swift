import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Shared

struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start the provider node (all five services) and keep it running.")

    enum VMExitPolicy: String, EnumerableFlag {
        case stopVmsOnExit, keepVmsOnExit
        static func help(for value: VMExitPolicy) -> ArgumentHelp? {
            value == .stopVmsOnExit ? "Stop every running VM when the node stops." : "Leave VMs running when the node stops (default)."
        }
    }

    @Option(help: "development, testnet or mainnet (GOLEM_PROVIDER_NETWORK).")
    var network: String?

    @Flag(help: "Run in the background; `golem-provider stop` stops it.")
    var daemon = false

    @Flag(name: .customLong("no-verify-port"), help: "Skip the external reachability check of the ports at start.")
    var noVerifyPort = false

    @Flag var vmExitPolicy: VMExitPolicy?

    @OptionGroup var node: NodeOptions

    func run() async throws {
        var overrides: [String: String] = [:]
        if let network { overrides["NETWORK"] = network }
        if noVerifyPort { overrides["SKIP_PORT_VERIFICATION"] = "true" }
        if let vmExitPolicy { overrides["STOP_VMS_ON_EXIT"] = vmExitPolicy == .stopVmsOnExit ? "true" : "false" }
        let arguments = node.flagArguments(extra: overrides)
        let source: SettingsSource
        let settings: ProviderSettings
        do {
            source = try SettingsSource.load(arguments: arguments)
            settings = try ProviderSettings(source: source)
        } catch {
            throw ValidationError("configuration error: \(error)")
        }
        try DataPaths.makeDirectory(settings.paths.dataDirectory, mode: 0o700)
        try DataPaths.makeDirectory(settings.paths.runtimeDirectory, mode: 0o700)
        let pidFile = PIDFile(path: settings.paths.pidFile)
        if let pid = pidFile.runningPID() {
            print("Provider already running (pid=\(pid))")
            return
        }
        if daemon {
            try await Daemonizer(settings: settings, arguments: arguments).start()
            return
        }
        LoggingSetup.bootstrap(format: settings.logFormat, level: settings.logLevel)
        let logger = Logger(label: "golem-provider")
        // Children get the command-line settings as variables, so they see exactly what this process saw.
        let childEnvironment = Dictionary(
            source.values.filter { source.origins[$0.key] == "the command line" }.map { ($0.key, $0.value) },
            uniquingKeysWith: { _, last in last })
            .merging([SettingsSource.prefix + "DATA_DIR": settings.paths.dataDirectory]) { _, new in new }
        try pidFile.write(getpid())
        defer { pidFile.remove() }
        let handOver = await verifyPorts(settings, logger: logger)
        let supervisor = Supervisor(
            settings: settings, binDirectory: Executables.directory, environment: childEnvironment, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: supervisor, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: handOver, successTerminationBehavior: .ignore),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch {
            logger.critical("provider node failed: \(error)")
            throw ExitCode(1)
        }
    }
}

extension StartCommand {
    /// Runs the external reachability check (unless skipped) and says what golem-proxy should enforce.
    func verifyPorts(_ settings: ProviderSettings, logger: Logger) async -> VerifiedPortsHandOver {
        let reportPath = PortVerificationReport.path(settings)
        guard !settings.skipPortVerification else {
            try? FileManager.default.removeItem(atPath: reportPath)
            logger.info("port verification skipped (--no-verify-port / GOLEM_PROVIDER_SKIP_PORT_VERIFICATION)")
            return VerifiedPortsHandOver(settings: settings, enforce: false, ports: [], logger: logger)
        }
        // Unbuffered, so the progress shows as it happens, also when stdout is a log file.
        let report = await PortVerifier(settings: settings, logger: logger) { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }.run()
        do {
            try report.save(settings)
        } catch {
            logger.warning("cannot save the port verification report", metadata: ["path": "\(reportPath)", "error": "\(error)"])
        }
        // Without any answer nothing is known: refusing every port would stop all VMs for a checker outage.
        return VerifiedPortsHandOver(
            settings: settings, enforce: report.anyCheckerAnswered, ports: report.sshReachable, logger: logger)
    }
}

enum Executables {
    /// The folder of the running golem-provider binary; the five service executables sit beside it.
    static var directory: String {
        if let override = ProcessInfo.processInfo.environment["GOLEM_PROVIDER_BIN_DIR"], !override.isEmpty { return override }
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (path as NSString).deletingLastPathComponent
    }
}

/// `start --daemon`: re-runs `start` in a new session with output to the log file, then waits until it serves.
struct Daemonizer {
    let settings: ProviderSettings
    let arguments: [String]

    func start() async throws {
        try FileManager.default.createDirectory(atPath: settings.paths.logDirectory, withIntermediateDirectories: true)
        let logPath = settings.paths.logDirectory + "/provider.log"
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw ValidationError("cannot open \(logPath)") }
        log.seekToEndOfFile()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        process.arguments = [Executables.directory + "/golem-provider", "start"] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let pid = process.processIdentifier
        let gateway = ManagedService.HealthProbe.http(host: ManagedService.loopback(settings.host), port: settings.port)
        let healthy = await HealthCheck.waitUntilHealthy(gateway, timeout: .seconds(120)) { process.isRunning }
        guard healthy else {
            if process.isRunning { kill(pid, SIGTERM) }
            print("Provider failed to start; see \(logPath)")
            throw ExitCode(1)
        }
        print("Started provider in background (pid=\(pid))")
    }
}
