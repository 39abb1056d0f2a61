import Foundation
import GRPCCore
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import Shared

/// Runs the five executables, waits until each answers its health call, restarts one that dies (with backoff),
/// and stops them all, in reverse order, on SIGTERM/SIGINT.
final class Supervisor: Service, Sendable {
    struct StartFailure: Error, CustomStringConvertible {
        let description: String
    }

    let settings: ProviderSettings
    let binDirectory: String
    /// Settings given on the command line, passed to every child as GOLEM_PROVIDER_* variables.
    let environment: [String: String]
    let logger: Logger
    let startTimeout: Duration
    private let running = NIOLockedValueBox<[String: Process]>([:])
    private let stopping = NIOLockedValueBox(false)

    init(settings: ProviderSettings, binDirectory: String, environment: [String: String], logger: Logger,
         startTimeout: Duration = .seconds(60)) {
        self.settings = settings
        self.binDirectory = binDirectory
        self.environment = environment
        self.logger = logger
        self.startTimeout = startTimeout
    }

    func run() async throws {
        let services = ManagedService.all(settings: settings)
        for service in services where !FileManager.default.isExecutableFile(atPath: binDirectory + "/" + service.executable) {
            throw StartFailure(description: "\(service.executable) not found in \(binDirectory); build all products with `swift build`")
        }
        try await withThrowingDiscardingTaskGroup { group in
            for service in services {
                let firstStart = AsyncStream<Bool>.makeStream()
                group.addTask { await self.supervise(service, firstStart: firstStart.continuation) }
                var healthy = false
                for await result in firstStart.stream {
                    healthy = result
                    break
                }
                guard healthy else {
                    beginStopping()
                    await stopAll(services.reversed())
                    throw StartFailure(description: "\(service.executable) did not become healthy within \(startTimeout); see its log above")
                }
                logger.info("\(service.executable) is up")
            }
            logger.info("provider node running", metadata: [
                "api": "http://\(settings.host):\(settings.port)/api/v1", "data": "\(settings.paths.dataDirectory)",
            ])
            // Until SIGTERM/SIGINT; then stop in reverse order, which ends every supervise loop.
            try? await gracefulShutdown()
            beginStopping()
            logger.info("stopping provider node")
            await stopAll(services.reversed())
        }
    }

    /// Keeps one executable running until the node stops.
    private func supervise(_ service: ManagedService, firstStart: AsyncStream<Bool>.Continuation) async {
        var backoff = Duration.seconds(1)
        var reported = false
        while !isStopping {
            let startedAt = ContinuousClock.now
            let exit = AsyncStream<Int32>.makeStream()
            let process: Process
            do {
                process = try spawn(service) { status in
                    exit.continuation.yield(status)
                    exit.continuation.finish()
                }
            } catch {
                logger.error("cannot start \(service.executable): \(error)")
                if !reported { firstStart.yield(false); reported = true }
                return
            }
            if !reported {
                let healthy = await HealthCheck.waitUntilHealthy(service.probe, timeout: startTimeout) { process.isRunning }
                firstStart.yield(healthy)
                firstStart.finish()
                reported = true
                if !healthy { return }
            }
            var status: Int32 = -1
            for await value in exit.stream { status = value }
            running.withLockedValue { $0[service.executable] = nil }
            if isStopping { return }
            if ContinuousClock.now - startedAt > .seconds(60) { backoff = .seconds(1) }
            logger.warning("\(service.executable) exited (status \(status)); restarting in \(backoff)")
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(30))
        }
    }

    private func spawn(_ service: ManagedService, onExit: @escaping @Sendable (Int32) -> Void) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binDirectory + "/" + service.executable)
        process.arguments = []
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, override in override }
        process.standardInput = FileHandle.nullDevice
        process.terminationHandler = { onExit($0.terminationStatus) }
        try process.run()
        running.withLockedValue { $0[service.executable] = process }
        try? PIDFile(path: settings.paths.servicePIDFile(service.executable)).write(process.processIdentifier)
        logger.info("started \(service.executable)", metadata: ["pid": "\(process.processIdentifier)"])
        return process
    }

    private var isStopping: Bool { stopping.withLockedValue { $0 } }

    private func beginStopping() {
        stopping.withLockedValue { $0 = true }
    }

    private func stopAll(_ services: [ManagedService]) async {
        if settings.stopVMsOnExit { await stopVMs() }
        for service in services {
            guard let process = running.withLockedValue({ $0[service.executable] }) else { continue }
            process.terminate()
            let deadline = ContinuousClock.now + .seconds(10)
            while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
            if process.isRunning {
                logger.warning("\(service.executable) did not stop in time; killing it")
                kill(process.processIdentifier, SIGKILL)
            }
            PIDFile(path: settings.paths.servicePIDFile(service.executable)).remove()
            logger.info("stopped \(service.executable)")
        }
    }

    /// `--stop-vms-on-exit`: stop every running VM before VMService goes down.
    private func stopVMs() async {
        guard let client = try? RPCEndpoints.makeClient(address: settings.vmServiceAddress) else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await client.runConnections() }
            group.addTask { [logger] in
                defer { client.beginGracefulShutdown() }
                let vms = VMServiceClient(wrapping: client)
                guard let list = try? await vms.list(.init(), options: RPCEndpoints.callOptions()) else { return }
                for vm in list.vms where vm.state == .running {
                    logger.info("stopping VM before exit", metadata: ["vm": "\(vm.id)"])
                    _ = try? await vms.stop(.with { $0.vmID = vm.id }, options: RPCEndpoints.callOptions(timeout: .seconds(330)))
                }
            }
        }
    }
}
