/// `golem-provider status --json`: every key of the original (../shared/reference/status-contract.md) in its
/// order, plus new keys only (`vm_driver`, `services`, `error` fields). Encoded in declaration order.
struct StatusReport: Encodable {
    struct Version: Encodable {
        var installed: String
        var latest: String?
        var updateAvailable: Bool
        /// Why `latest` is null (new).
        var error: String?
        enum CodingKeys: String, CodingKey { case installed, latest, updateAvailable = "update_available", error }
    }

    struct Environment: Encodable {
        var environment: String
        var network: String
        var devMode: Bool
        enum CodingKeys: String, CodingKey { case environment, network, devMode = "dev_mode" }
    }

    struct Multipass: Encodable {
        var ok: Bool
        var path: String?
        var version: String?
        var error: String?
    }

    /// New: the driver VMService uses and whether it works.
    struct VMDriver: Encodable {
        var name: String
        var ok: Bool
        var version: String?
        var error: String?
        /// `kvm` or `tcg` (QEMU only), with why the probe chose it; null when golem-vm does not answer.
        var accelerator: String? = nil
        var acceleratorReason: String? = nil
    }

    struct External: Encodable {
        enum Status: String, Encodable { case reachable, unreachable, notVerified = "not_verified", checkFailed = "check_failed" }
        var status: Status
        var verifiedBy: String?
        var error: String?
        enum CodingKeys: String, CodingKey { case status, verifiedBy = "verified_by", error }
    }

    struct ProviderPort: Encodable {
        var port: Int
        var host: String
        var localOK: Bool
        var localDetail: String
        var external: External
        /// "reachable" | "unreachable"
        var status: String
        enum CodingKeys: String, CodingKey {
            case port, host, localOK = "local_ok", localDetail = "local_detail", external, status
        }
    }

    struct SSHPort: Encodable {
        var port: Int
        /// "reachable" | "unreachable" | "unknown"
        var status: String
        var listening: Bool
    }

    struct SSHPorts: Encodable {
        struct Issues: Encodable {
            var unreachable: Int
            var notListening: Int
            enum CodingKeys: String, CodingKey { case unreachable, notListening = "not_listening" }
        }

        var range: [Int]
        /// "ok" | "limited" | "blocked"
        var status: String
        var usableFree: Int
        var inUse: Int
        var issues: Issues
        var ports: [SSHPort]
        enum CodingKeys: String, CodingKey { case range, status, usableFree = "usable_free", inUse = "in_use", issues, ports }
    }

    struct Ports: Encodable {
        var provider: ProviderPort
        var ssh: SSHPorts
    }

    struct Overall: Encodable {
        /// "healthy" | "issues" | "error"
        var status: String
        var issues: [String]
    }

    /// New: whether the node runs and each service answers its health call.
    struct Services: Encodable {
        var nodeRunning: Bool
        var health: [String: String]
        enum CodingKeys: String, CodingKey { case nodeRunning = "node_running", health }
    }

    var version: Version
    var environment: Environment
    var multipass: Multipass
    var ports: Ports
    var overall: Overall
    var vmDriver: VMDriver
    var services: Services
    /// New: golem-payments' own account of itself (payments on/off, provider id, contract, token, monitor
    /// counters); null when it does not answer.
    var payments: [String: String]?

    enum CodingKeys: String, CodingKey {
        case version, environment, multipass, ports, overall, vmDriver = "vm_driver", services, payments
    }

    /// 0 healthy, 1 issues, 2 error: scripts can branch on it.
    var exitCode: Int32 {
        switch overall.status {
        case "healthy": 0
        case "issues": 1
        default: 2
        }
    }
}

// The contract shows `null` for missing values, so optionals are encoded as null, not left out.
extension StatusReport.Version {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(installed, forKey: .installed)
        try container.encode(latest, forKey: .latest)
        try container.encode(updateAvailable, forKey: .updateAvailable)
        try container.encode(error, forKey: .error)
    }
}

extension StatusReport.Multipass {
    enum CodingKeys: String, CodingKey { case ok, path, version, error }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ok, forKey: .ok)
        try container.encode(path, forKey: .path)
        try container.encode(version, forKey: .version)
        try container.encode(error, forKey: .error)
    }
}

extension StatusReport.VMDriver {
    enum CodingKeys: String, CodingKey { case name, ok, version, error, accelerator, acceleratorReason = "accelerator_reason" }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(ok, forKey: .ok)
        try container.encode(version, forKey: .version)
        try container.encode(error, forKey: .error)
        try container.encode(accelerator, forKey: .accelerator)
        try container.encode(acceleratorReason, forKey: .acceleratorReason)
    }
}

extension StatusReport.External {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(verifiedBy, forKey: .verifiedBy)
        try container.encode(error, forKey: .error)
    }
}
