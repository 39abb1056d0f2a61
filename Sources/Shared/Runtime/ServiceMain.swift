import Foundation
import Logging
import ServiceLifecycle

/// The start-up every service executable shares: settings (exit 2 on a bad value), logging, the runtime
/// folder (0700), then the service's parts in one ServiceGroup that shuts down gracefully on SIGTERM/SIGINT.
public enum ServiceMain {
    public static func run(
        name: String,
        arguments: [String] = Array(CommandLine.arguments.dropFirst()),
        build: (ProviderSettings, Logger) async throws -> [any Service]
    ) async {
        if arguments.contains("--help") || arguments.contains("-h") {
            print("""
            usage: \(name) [--NAME VALUE ...] [--set NAME=VALUE ...]
            Every GOLEM_PROVIDER_<NAME> setting can be given as a flag: --port-range-start 50800.
            Precedence: flags, then the environment, then <data dir>/.env. Normally started by `golem-provider start`.
            """)
            exit(0)
        }
        let settings = ProviderSettings.loadOrExit(arguments: arguments)
        LoggingSetup.bootstrap(format: settings.logFormat, level: settings.logLevel)
        let logger = Logger(label: name)
        do {
            try DataPaths.makeDirectory(settings.paths.dataDirectory, mode: 0o700)
            try DataPaths.makeDirectory(settings.paths.runtimeDirectory, mode: 0o700)
            let services = try await build(settings, logger)
            let group = ServiceGroup(
                configuration: .init(
                    services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger
                )
            )
            logger.info("\(name) started", metadata: ["pid": "\(getpid())", "version": "\(ProviderVersion.current)"])
            try await group.run()
            logger.info("\(name) stopped")
        } catch {
            logger.critical("\(name) failed: \(error)")
            exit(1)
        }
    }
}
