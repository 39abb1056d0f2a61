import Foundation
import Logging
import ServiceLifecycle
import Shared

/// `golem-vm`: the VM lifecycle service.
public enum VMServiceMain {
    public static func run() async {
        await ServiceMain.run(name: "golem-vm") { settings, logger in
            let (driver, version) = try await DriverSelection.makeDriver(settings: settings, logger: logger)
            let store = try VMStore(path: settings.paths.database("vm"))
            let events = VMEventHub()
            let lifecycle = VMLifecycle(
                store: store, driver: driver, events: events,
                limits: .init(
                    maxVMs: settings.maxVMs,
                    readinessAttempts: settings.createVMMaxRetries,
                    readinessDelay: .seconds(settings.createVMRetryDelaySeconds)),
                logger: logger)
            await lifecycle.recover()

            let health = HealthService(serviceName: "golem-vm") {
                (true, ["driver": driver.name, "driver_version": version, "vms": "\((try? store.vms().count) ?? 0)"])
            }
            let api = VMGRPCService(lifecycle: lifecycle, store: store, events: events, defaultImage: settings.defaultVMImage)
            let server = try RPCEndpoints.makeServer(address: settings.vmServiceAddress, services: [api, health])
            logger.info("serving VM API", metadata: ["address": "\(settings.vmServiceAddress)", "driver": "\(driver.name)"])
            var services: [any Service] = [
                RPCServerService(server: server, address: settings.vmServiceAddress),
                EventHubShutdown(hub: events),
            ]
            if settings.vmStateRefreshSeconds > 0 {
                services.append(PeriodicRefresh(lifecycle: lifecycle, interval: .seconds(settings.vmStateRefreshSeconds)))
            }
            return services
        }
    }
}

/// Re-reads VM states from the hypervisor now and then, so a VM that stopped by itself is noticed.
struct PeriodicRefresh: Service {
    let lifecycle: VMLifecycle
    let interval: Duration

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: interval)
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
            await lifecycle.refreshAll()
        }
    }
}

