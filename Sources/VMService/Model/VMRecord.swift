import Foundation
import GRDB

/// The states of the original node; every hypervisor state maps onto one of them.
public enum VMState: String, Codable, Sendable, CaseIterable {
    case creating, running, stopping, stopped, error, deleted
}

/// One VM as VMService remembers it; the requested resources are kept (not re-derived from the hypervisor,
/// which reports blanks for a stopped instance).
public struct VMRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "vms"

    public var id: String
    public var hypervisorName: String
    public var state: VMState
    public var cpu: Int
    public var memoryGB: Int
    public var storageGB: Int
    public var image: String
    public var sshPublicKey: String
    public var ipAddress: String?
    public var sshHost: String?
    public var sshPort: Int?
    public var errorMessage: String?
    public var createdAtMs: Int64
    public var updatedAtMs: Int64

    enum CodingKeys: String, CodingKey {
        case id, state, cpu, image
        case hypervisorName = "hypervisor_name"
        case memoryGB = "memory_gb"
        case storageGB = "storage_gb"
        case sshPublicKey = "ssh_public_key"
        case ipAddress = "ip_address"
        case sshHost = "ssh_host"
        case sshPort = "ssh_port"
        case errorMessage = "error_message"
        case createdAtMs = "created_at_ms"
        case updatedAtMs = "updated_at_ms"
    }
}

/// An asynchronous creation; outlives restarts so callers can always learn how it ended.
public struct JobRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "jobs"

    public enum Status: String, Codable, Sendable { case creating, ready, failed }

    public var jobID: String
    public var vmID: String
    public var status: Status
    public var error: String?
    public var createdAtMs: Int64
    public var updatedAtMs: Int64

    enum CodingKeys: String, CodingKey {
        case status, error
        case jobID = "job_id"
        case vmID = "vm_id"
        case createdAtMs = "created_at_ms"
        case updatedAtMs = "updated_at_ms"
    }
}

enum Clock {
    static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}
