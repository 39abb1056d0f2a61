import Foundation

/// Decides whether a new VM fits. Capacity per dimension = (host total − reserve) × threshold; what is
/// allocated is summed from the VM records in the same transaction as the insert, so it survives restarts
/// and is never counted twice. Stopped VMs keep their share: they may be started again at any time.
struct ResourceAdmission: Sendable {
    struct Policy: Sendable, Equatable {
        var cpuThresholdPercent: Int
        var memoryThresholdPercent: Int
        var storageThresholdPercent: Int
        var reserve: Request
        var minimum: Request
        var maxVMs: Int
    }

    struct Request: Sendable, Equatable {
        var cpu: Int
        var memoryGB: Int
        var storageGB: Int
    }

    let host: HostResources
    let policy: Policy

    var capacity: Request {
        Request(
            cpu: max(0, host.cpuCores - policy.reserve.cpu) * policy.cpuThresholdPercent / 100,
            memoryGB: max(0, host.memoryGB - policy.reserve.memoryGB) * policy.memoryThresholdPercent / 100,
            storageGB: max(0, host.storageGB - policy.reserve.storageGB) * policy.storageThresholdPercent / 100)
    }

    func allocated(_ vms: [VMRecord]) -> Request {
        Request(cpu: vms.reduce(0) { $0 + $1.cpu }, memoryGB: vms.reduce(0) { $0 + $1.memoryGB },
                storageGB: vms.reduce(0) { $0 + $1.storageGB })
    }

    /// Throws the first rule that refuses, naming what was asked, what is free and the setting behind it.
    func admit(_ request: Request, existing vms: [VMRecord]) throws(VMServiceError) {
        if vms.count >= policy.maxVMs { throw .limitReached(maxVMs: policy.maxVMs) }
        let capacity = capacity
        let used = allocated(vms)
        let free = Request(cpu: capacity.cpu - used.cpu, memoryGB: capacity.memoryGB - used.memoryGB,
                           storageGB: capacity.storageGB - used.storageGB)
        let dimensions: [(Int, Int, Int, Int, Int, Int, String, String, String)] = [
            (request.cpu, free.cpu, policy.minimum.cpu, host.cpuCores, policy.reserve.cpu, policy.cpuThresholdPercent,
             "CPU cores", "CPU_THRESHOLD", "cores"),
            (request.memoryGB, free.memoryGB, policy.minimum.memoryGB, host.memoryGB, policy.reserve.memoryGB,
             policy.memoryThresholdPercent, "memory", "MEMORY_THRESHOLD", "GB"),
            (request.storageGB, free.storageGB, policy.minimum.storageGB, host.storageGB, policy.reserve.storageGB,
             policy.storageThresholdPercent, "storage", "STORAGE_THRESHOLD", "GB"),
        ]
        for (asked, available, minimum, total, reserve, threshold, what, setting, unit) in dimensions where asked > available {
            let basis = "\(threshold) % (GOLEM_PROVIDER_\(setting)) of \(total) \(unit) less \(reserve) reserved, "
                + "\(vms.count) VM\(vms.count == 1 ? "" : "s") holding the rest"
            throw .insufficientResources(
                rule: setting, hostWide: available < minimum,
                message: "not enough \(what): asked \(asked) \(unit), \(max(0, available)) free (\(basis))")
        }
        // Disks are thin, but a VM whose whole disk would not fit in today's free space is refused at once.
        let freeNow = host.freeStorageGB - policy.reserve.storageGB
        if request.storageGB > freeNow {
            throw .insufficientResources(
                rule: "DISK_FREE", hostWide: freeNow < policy.minimum.storageGB,
                message: "not enough free disk: asked \(request.storageGB) GB, \(max(0, freeNow)) GB free on the data folder's file system "
                    + "after \(policy.reserve.storageGB) GB reserved (GOLEM_PROVIDER_HOST_RESERVE_STORAGE_GB)")
        }
    }
}
