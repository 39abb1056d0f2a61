import Foundation
import Shared

/// `VMInfo` of the original API. Optional fields are written as `null`, never left out.
struct VMInfoBody: Encodable {
    struct Resources: Encodable { let cpu: Int; let memory: Int; let storage: Int }
    let id: String
    let name: String
    let status: String
    let resources: Resources
    let ipAddress: String?
    let sshPort: Int?
    let createdAt: String
    let updatedAt: String
    let errorMessage: String?

    enum CodingKeys: String, CodingKey {
        case id, name, status, resources
        case ipAddress = "ip_address"
        case sshPort = "ssh_port"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case errorMessage = "error_message"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(status, forKey: .status)
        try container.encode(resources, forKey: .resources)
        try container.encode(ipAddress, forKey: .ipAddress)
        try container.encode(sshPort, forKey: .sshPort)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(errorMessage, forKey: .errorMessage)
    }

    /// The VM as a requestor sees it: `running` only once its SSH port is exposed, so a requestor polling
    /// for `running` always gets a usable port (the original answered `running` with `ssh_port: null`).
    init(vm: Golem_Provider_Vm_V1_VM, mapping: Golem_Provider_Proxy_V1_PortMapping?) {
        id = vm.id
        name = vm.id
        let exposed = mapping?.listening ?? false
        status = vm.state == .running && !exposed ? "creating" : vm.state.apiName
        resources = Resources(cpu: Int(vm.resources.cpu), memory: Int(vm.resources.memoryGb), storage: Int(vm.resources.storageGb))
        ipAddress = vm.ipAddress.isEmpty ? nil : vm.ipAddress
        sshPort = mapping.map { Int($0.publicPort) }
        createdAt = Timestamps.naiveUTC(milliseconds: vm.createdAtUnixMs)
        updatedAt = Timestamps.naiveUTC(milliseconds: vm.updatedAtUnixMs)
        errorMessage = vm.errorMessage.isEmpty ? nil : vm.errorMessage
    }
}

struct CreateJobBody: Encodable {
    let jobID: String
    let vmID: String
    let status: String
    enum CodingKeys: String, CodingKey {
        case status
        case jobID = "job_id"
        case vmID = "vm_id"
    }
}

struct JobBody: Encodable {
    let jobID: String
    let vmID: String
    let status: String
    let error: String?
    let createdAt: String
    let updatedAt: String

    enum CodingKeys: String, CodingKey {
        case status, error
        case jobID = "job_id"
        case vmID = "vm_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(jobID, forKey: .jobID)
        try container.encode(vmID, forKey: .vmID)
        try container.encode(status, forKey: .status)
        try container.encode(error, forKey: .error)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}

struct AccessBody: Encodable {
    let sshHost: String
    let sshPort: Int
    let vmID: String
    let multipassName: String
    enum CodingKeys: String, CodingKey {
        case sshHost = "ssh_host"
        case sshPort = "ssh_port"
        case vmID = "vm_id"
        case multipassName = "multipass_name"
    }
}

/// `/access` while the VM has no port yet (202).
struct AccessPendingBody: Encodable {
    let vmID: String
    let multipassName: String
    let status = "creating"
    enum CodingKeys: String, CodingKey {
        case status
        case vmID = "vm_id"
        case multipassName = "multipass_name"
        case sshPort = "ssh_port"
    }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(vmID, forKey: .vmID)
        try container.encode(multipassName, forKey: .multipassName)
        try container.encode(status, forKey: .status)
        try container.encodeNil(forKey: .sshPort)
    }
}

struct ProviderInfoBody: Encodable {
    let providerID: String
    let streamPaymentAddress: String
    let glmTokenAddress: String
    let ipAddress: String?
    let country: String?
    let platform: String?

    enum CodingKeys: String, CodingKey {
        case country, platform
        case providerID = "provider_id"
        case streamPaymentAddress = "stream_payment_address"
        case glmTokenAddress = "glm_token_address"
        case ipAddress = "ip_address"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(providerID, forKey: .providerID)
        try container.encode(streamPaymentAddress, forKey: .streamPaymentAddress)
        try container.encode(glmTokenAddress, forKey: .glmTokenAddress)
        try container.encode(ipAddress, forKey: .ipAddress)
        try container.encode(country, forKey: .country)
        try container.encode(platform, forKey: .platform)
    }
}

extension Golem_Provider_Vm_V1_VMState {
    var apiName: String {
        switch self {
        case .creating: "creating"
        case .running: "running"
        case .stopping: "stopping"
        case .stopped: "stopped"
        case .error, .unspecified, .UNRECOGNIZED: "error"
        case .deleted: "deleted"
        }
    }
}

/// The original's timestamp shapes, without a shared DateFormatter on the hot path.
enum Timestamps {
    /// `2026-11-29T16:49:08.665000` (VMInfo: naive UTC).
    static func naiveUTC(milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let micros = Int(milliseconds % 1000) * 1000
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06d",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), micros)
    }

    /// `2026-11-29T16:49:23.033000+00:00` (jobs).
    static func utcWithOffset(milliseconds: Int64) -> String {
        naiveUTC(milliseconds: milliseconds) + "+00:00"
    }
}
