import Foundation
import Logging
import Shared

/// Creates, starts, stops and deletes VMs on the driver and keeps the store and the event stream in step.
/// One operation per VM at a time; reads never wait for the hypervisor (they answer from the store).
public actor VMLifecycle {
    public struct Limits: Sendable {
        public var readinessAttempts: Int
        public var readinessDelay: Duration
    }

    let store: VMStore
    let driver: any HypervisorDriver
    let events: VMEventHub
    let admission: ResourceAdmission
    let limits: Limits
    let logger: Logger
    private var operations: [String: String] = [:]
    private var launches: [String: Task<Void, Never>] = [:]

    init(store: VMStore, driver: any HypervisorDriver, events: VMEventHub, admission: ResourceAdmission, limits: Limits, logger: Logger) {
        self.store = store
        self.driver = driver
        self.events = events
        self.admission = admission
        self.limits = limits
        self.logger = logger
    }

    // MARK: Create

    public func create(id: String, cpu: Int, memoryGB: Int, storageGB: Int, image: String, sshPublicKey: String)
        async throws -> (VMRecord, JobRecord)
    {
        do { try driver.checkImage(image) } catch { throw VMServiceError.invalidRequest("\(error)") }
        let now = Clock.nowMs()
        let vm = VMRecord(
            id: id, hypervisorName: "golem-" + UUID().uuidString.lowercased(), state: .creating,
            cpu: cpu, memoryGB: memoryGB, storageGB: storageGB, image: image, sshPublicKey: sshPublicKey,
            ipAddress: nil, sshHost: nil, sshPort: nil, errorMessage: nil, createdAtMs: now, updatedAtMs: now)
        let job = JobRecord(jobID: UUID().uuidString.lowercased(), vmID: id, status: .creating, error: nil,
                            createdAtMs: now, updatedAtMs: now)
        let request = ResourceAdmission.Request(cpu: cpu, memoryGB: memoryGB, storageGB: storageGB)
        try store.insertCreation(vm, job) { existing in try admission.admit(request, existing: existing) }
        await events.publish(.updated(vm))
        logger.info("creating VM", metadata: ["vm": "\(id)", "instance": "\(vm.hypervisorName)", "job": "\(job.jobID)"])
        beginLaunch(vm, jobID: job.jobID, alreadyLaunched: false)
        return (vm, job)
    }

    private func beginLaunch(_ vm: VMRecord, jobID: String?, alreadyLaunched: Bool) {
        operations[vm.id] = "creating"
        launches[vm.id] = Task { await self.launch(vm, jobID: jobID, alreadyLaunched: alreadyLaunched) }
    }

    private func launch(_ vm: VMRecord, jobID: String?, alreadyLaunched: Bool) async {
        defer {
            operations[vm.id] = nil
            launches[vm.id] = nil
        }
        do {
            if !alreadyLaunched {
                try await driver.launch(LaunchSpec(
                    instanceName: vm.hypervisorName, vmID: vm.id, image: vm.image, cpu: vm.cpu,
                    memoryGB: vm.memoryGB, storageGB: vm.storageGB, sshPublicKey: vm.sshPublicKey))
            }
            let info = try await waitUntilReady(vm)
            try Task.checkCancellation()
            var ready = vm
            apply(info, to: &ready)
            try store.save(ready)
            if let jobID { try finishJob(jobID, status: .ready, error: nil) }
            await events.publish(.updated(ready))
            logger.info("VM running", metadata: ["vm": "\(vm.id)", "address": "\(ready.ipAddress ?? "-")"])
        } catch {
            if Task.isCancelled { return }  // deleted while being created: delete cleaned up
            let message = "Failed to create VM \(vm.id): \(error)"
            logger.error("\(message)")
            try? await driver.delete(vm.hypervisorName)
            _ = try? store.deleteVM(vm.id)
            if let jobID { try? finishJob(jobID, status: .failed, error: message) }
            var gone = vm
            gone.state = .deleted
            gone.errorMessage = message
            await events.publish(.deleted(gone))
        }
    }

    private func waitUntilReady(_ vm: VMRecord) async throws -> InstanceInfo {
        for attempt in 1...limits.readinessAttempts {
            if let info = try await driver.inspect(vm.hypervisorName), info.isReady { return info }
            if attempt < limits.readinessAttempts { try await Task.sleep(for: limits.readinessDelay) }
        }
        throw DriverError("VM \(vm.id) did not become ready or get an IP in time.")
    }

    private func finishJob(_ jobID: String, status: JobRecord.Status, error: String?) throws {
        guard var job = try store.job(jobID) else { return }
        job.status = status
        job.error = error
        job.updatedAtMs = Clock.nowMs()
        try store.save(job)
    }

    // MARK: Start / stop / delete

    public func stop(_ id: String) async throws -> VMRecord {
        var vm = try claim(id, for: "stopping")
        defer { operations[id] = nil }
        if vm.state == .stopped { return vm }
        vm.state = .stopping
        vm.updatedAtMs = Clock.nowMs()
        try store.save(vm)
        await events.publish(.updated(vm))
        do {
            try await driver.stop(vm.hypervisorName)
        } catch {
            try await refresh(&vm)
            throw VMServiceError.driverFailed("\(error)")
        }
        try await refresh(&vm)
        return vm
    }

    public func start(_ id: String) async throws -> VMRecord {
        var vm = try claim(id, for: "starting")
        defer { operations[id] = nil }
        if vm.state == .running { return vm }
        do {
            try await driver.start(vm.hypervisorName)
            let info = try await waitUntilReady(vm)
            apply(info, to: &vm)
            try store.save(vm)
            await events.publish(.updated(vm))
        } catch {
            try await refresh(&vm)
            throw VMServiceError.driverFailed("\(error)")
        }
        return vm
    }

    /// Deletes the instance (cancelling a creation in flight) and forgets the VM; its jobs stay answerable.
    public func delete(_ id: String) async throws -> VMRecord {
        guard var vm = try store.vm(id) else { throw VMServiceError.notFound(vmID: id) }
        if let launch = launches[id] {
            launch.cancel()
            await launch.value
        } else if let operation = operations[id] {
            throw VMServiceError.busy(vmID: id, operation: operation)
        }
        operations[id] = "deleting"
        defer { operations[id] = nil }
        do {
            try await driver.delete(vm.hypervisorName)
        } catch {
            // Keep the record while the instance may still exist, so nothing runs unmanaged.
            if (try? await driver.inspect(vm.hypervisorName)) != nil {
                vm.state = .error
                vm.errorMessage = "delete failed: \(error)"
                vm.updatedAtMs = Clock.nowMs()
                try store.save(vm)
                await events.publish(.updated(vm))
                throw VMServiceError.driverFailed("\(error)")
            }
        }
        try store.deleteVM(id)
        for job in try store.jobs(status: .creating) where job.vmID == id {
            try finishJob(job.jobID, status: .failed, error: "VM \(id) was deleted before it was ready")
        }
        vm.state = .deleted
        vm.updatedAtMs = Clock.nowMs()
        await events.publish(.deleted(vm))
        logger.info("VM deleted", metadata: ["vm": "\(id)", "instance": "\(vm.hypervisorName)"])
        return vm
    }

    // MARK: Reconciliation

    /// At start: adopt what the hypervisor runs, resume creations a restart interrupted, fail orphaned jobs.
    public func recover() async {
        let records: [VMRecord]
        do { records = try store.vms() } catch {
            logger.error("cannot read VM records: \(error)")
            return
        }
        let openJobs = (try? store.jobs(status: .creating)) ?? []
        for var vm in records {
            if vm.state == .creating {
                let job = openJobs.first { $0.vmID == vm.id }
                let known = (try? await driver.inspect(vm.hypervisorName)) != nil
                logger.info("resuming interrupted creation", metadata: ["vm": "\(vm.id)", "instance_known": "\(known)"])
                beginLaunch(vm, jobID: job?.jobID, alreadyLaunched: known)
                continue
            }
            do { try await refresh(&vm) } catch {
                logger.warning("cannot read state of VM from the hypervisor", metadata: ["vm": "\(vm.id)", "error": "\(error)"])
            }
        }
        let live = Set(records.map(\.id))
        for job in openJobs where !live.contains(job.vmID) {
            try? finishJob(job.jobID, status: .failed, error: "creation of VM \(job.vmID) was interrupted and its VM is gone")
        }
    }

    /// Re-reads every idle VM from the hypervisor (the periodic refresh).
    public func refreshAll() async {
        for vm in (try? store.vms()) ?? [] where operations[vm.id] == nil {
            var current = vm
            try? await refresh(&current)
        }
    }

    private func refresh(_ vm: inout VMRecord) async throws {
        let info = try await driver.inspect(vm.hypervisorName)
        var updated = vm
        if let info {
            apply(info, to: &updated)
        } else {
            updated.state = .error
            updated.ipAddress = nil
            updated.sshHost = nil
            updated.sshPort = nil
            updated.errorMessage = "instance \(vm.hypervisorName) no longer exists in \(driver.name)"
        }
        guard let stored = try store.vm(vm.id) else { return }  // deleted meanwhile
        if !updated.sameObservableState(as: stored) {
            updated.updatedAtMs = Clock.nowMs()
            try store.save(updated)
            await events.publish(.updated(updated))
        }
        vm = updated
    }

    private func apply(_ info: InstanceInfo, to vm: inout VMRecord) {
        vm.state = info.state
        vm.ipAddress = info.ipAddress
        vm.sshHost = info.sshEndpoint?.host
        vm.sshPort = info.sshEndpoint?.port
        vm.errorMessage = info.state == .error ? "\(driver.name) reports state '\(info.rawState)'" : nil
        vm.updatedAtMs = Clock.nowMs()
    }

    private func claim(_ id: String, for operation: String) throws -> VMRecord {
        guard let vm = try store.vm(id) else { throw VMServiceError.notFound(vmID: id) }
        if let current = operations[id] { throw VMServiceError.busy(vmID: id, operation: current) }
        operations[id] = operation
        return vm
    }
}

extension VMRecord {
    func sameObservableState(as other: VMRecord) -> Bool {
        state == other.state && ipAddress == other.ipAddress && sshHost == other.sshHost
            && sshPort == other.sshPort && errorMessage == other.errorMessage
    }
}
