import Foundation
import Testing
@testable import VMService

/// Admission against a fixed host: 8 cores, 32 GB, 500 GB disk (400 GB free).
@Suite struct ResourceAdmissionTests {
    static let host = HostResources(cpuCores: 8, memoryGB: 32, storageGB: 500, freeStorageGB: 400)
    static let policy = ResourceAdmission.Policy(
        cpuThresholdPercent: 90, memoryThresholdPercent: 85, storageThresholdPercent: 90,
        reserve: .init(cpu: 0, memoryGB: 2, storageGB: 20), minimum: .init(cpu: 1, memoryGB: 1, storageGB: 10), maxVMs: 3)
    let admission = ResourceAdmission(host: host, policy: policy)

    func vm(_ id: String, cpu: Int, memory: Int, storage: Int, state: VMState = .running) -> VMRecord {
        VMRecord(id: id, hypervisorName: "golem-\(id)", state: state, cpu: cpu, memoryGB: memory, storageGB: storage,
                 image: "debian-12", sshPublicKey: "k", ipAddress: nil, sshHost: nil, sshPort: nil, errorMessage: nil,
                 createdAtMs: 0, updatedAtMs: 0)
    }

    @Test func capacityIsTotalLessReserveTimesThreshold() {
        #expect(admission.capacity == .init(cpu: 7, memoryGB: 25, storageGB: 432))
    }

    @Test func admitsWhatFitsAndCountsStoppedVMs() throws {
        try admission.admit(.init(cpu: 4, memoryGB: 8, storageGB: 100), existing: [vm("a", cpu: 3, memory: 8, storage: 100, state: .stopped)])
        #expect(throws: VMServiceError.self) {
            try admission.admit(.init(cpu: 5, memoryGB: 1, storageGB: 10), existing: [vm("a", cpu: 3, memory: 1, storage: 10, state: .stopped)])
        }
    }

    @Test func eachThresholdRefusesWithItsOwnMessage() {
        #expect(throws: VMServiceError.insufficientResources(
            rule: "CPU_THRESHOLD", hostWide: false,
            message: "not enough CPU cores: asked 4 cores, 3 free (90 % (GOLEM_PROVIDER_CPU_THRESHOLD) of 8 cores less 0 reserved, 1 VM holding the rest)")) {
            try admission.admit(.init(cpu: 4, memoryGB: 1, storageGB: 10), existing: [vm("a", cpu: 4, memory: 1, storage: 10)])
        }
        #expect(throws: VMServiceError.insufficientResources(
            rule: "MEMORY_THRESHOLD", hostWide: false,
            message: "not enough memory: asked 32 GB, 25 free (85 % (GOLEM_PROVIDER_MEMORY_THRESHOLD) of 32 GB less 2 reserved, 0 VMs holding the rest)")) {
            try admission.admit(.init(cpu: 1, memoryGB: 32, storageGB: 10), existing: [])
        }
        #expect(throws: VMServiceError.insufficientResources(
            rule: "STORAGE_THRESHOLD", hostWide: false,
            message: "not enough storage: asked 100 GB, 32 free (90 % (GOLEM_PROVIDER_STORAGE_THRESHOLD) of 500 GB less 20 reserved, 2 VMs holding the rest)")) {
            try admission.admit(.init(cpu: 1, memoryGB: 1, storageGB: 100),
                                existing: [vm("a", cpu: 1, memory: 1, storage: 200), vm("b", cpu: 1, memory: 1, storage: 200)])
        }
    }

    @Test func aHostWithoutRoomForTheSmallestVMIsFullNotJustTooSmall() {
        // 7 of 7 cores taken: not even a 1-core VM fits, so the refusal is host-wide (503).
        #expect(throws: VMServiceError.insufficientResources(
            rule: "CPU_THRESHOLD", hostWide: true,
            message: "not enough CPU cores: asked 1 cores, 0 free (90 % (GOLEM_PROVIDER_CPU_THRESHOLD) of 8 cores less 0 reserved, 1 VM holding the rest)")) {
            try admission.admit(.init(cpu: 1, memoryGB: 1, storageGB: 10), existing: [vm("a", cpu: 7, memory: 1, storage: 10)])
        }
    }

    @Test func maxVMsRefusesFirst() {
        let three = ["a", "b", "c"].map { vm($0, cpu: 1, memory: 1, storage: 10) }
        #expect(throws: VMServiceError.limitReached(maxVMs: 3)) {
            try admission.admit(.init(cpu: 1, memoryGB: 1, storageGB: 10), existing: three)
        }
    }

    @Test func aDiskThatWouldNotFitInTodaysFreeSpaceIsRefused() {
        let nearlyFull = ResourceAdmission(host: .init(cpuCores: 8, memoryGB: 32, storageGB: 500, freeStorageGB: 40), policy: Self.policy)
        #expect(throws: VMServiceError.insufficientResources(
            rule: "DISK_FREE", hostWide: false,
            message: "not enough free disk: asked 50 GB, 20 GB free on the data folder's file system after 20 GB reserved (GOLEM_PROVIDER_HOST_RESERVE_STORAGE_GB)")) {
            try nearlyFull.admit(.init(cpu: 1, memoryGB: 1, storageGB: 50), existing: [])
        }
    }

    @Test func measuresThisHost() {
        let measured = HostResources.measure(dataDirectory: NSTemporaryDirectory())
        #expect(measured.cpuCores == ProcessInfo.processInfo.activeProcessorCount)
        #expect(measured.memoryGB == Int(ProcessInfo.processInfo.physicalMemory >> 30))
        #expect(measured.storageGB > 0 && measured.freeStorageGB <= measured.storageGB)
    }
}
