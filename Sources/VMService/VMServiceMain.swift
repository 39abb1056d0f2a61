import Foundation
import Logging
import ServiceLifecycle
import Shared

/// `golem-vm`: the VM lifecycle service.
public enum VMServiceMain {
    public static func run() async {
        await ServiceMain.run(name: "golem-vm") { settings, logger in
            let selected = try await DriverSelection.makeDriver(settings: settings, logger: logger)
            let driver = selected.driver
            let store = try VMStore(path: settings.paths.database("vm"))
            let events = VMEventHub()
            let admission = ResourceAdmission(
                host: HostResources.measure(dataDirectory: settings.paths.dataDirectory), policy: .init(settings))
            logger.info("admission", metadata: [
                "host": "\(admission.host.cpuCores) cores, \(admission.host.memoryGB) GB memory, \(admission.host.storageGB) GB disk",
                "capacity": "\(admission.capacity.cpu) cores, \(admission.capacity.memoryGB) GB memory, \(admission.capacity.storageGB) GB disk",
            ])
            let lifecycle = VMLifecycle(
                store: store, driver: driver, events: events, admission: admission,
                limits: .init(
                    readinessAttempts: settings.createVMMaxRetries,
                    readinessDelay: .seconds(settings.createVMRetryDelaySeconds)),
                logger: logger)
            await lifecycle.recover()

            let health = HealthService(serviceName: "golem-vm") {
                (true, selected.facts.merging(["vms": "\((try? store.vms().count) ?? 0)"]) { $1 })
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


extension ResourceAdmission.Policy {
    init(_ settings: ProviderSettings) {
        self.init(
            cpuThresholdPercent: settings.cpuThresholdPercent,
            memoryThresholdPercent: settings.memoryThresholdPercent,
            storageThresholdPercent: settings.storageThresholdPercent,
            reserve: .init(cpu: settings.hostReserveCPUCores, memoryGB: settings.hostReserveMemoryGB, storageGB: settings.hostReserveStorageGB),
            minimum: .init(cpu: settings.minCPUCores, memoryGB: settings.minMemoryGB, storageGB: settings.minStorageGB),
            maxVMs: settings.maxVMs)
    }
}
