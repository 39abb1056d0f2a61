/// What VMService needs from a hypervisor: QemuDriver and MultipassDriver implement it.
/// Instances are named by VMService (`golem-<uuid4>`); the driver owns nothing else about them.
public protocol HypervisorDriver: Sendable {
    /// Short name shown by health and status (`multipass`, `qemu`).
    var name: String { get }
    /// Checks that the hypervisor can be used; answers its version.
    func version() async throws -> String
    /// Refuses an image the driver cannot launch, before anything is created; the message says what exists.
    func checkImage(_ image: String) throws
    /// Creates and boots an instance; returns when the hypervisor accepted it (it may still be booting).
    func launch(_ spec: LaunchSpec) async throws
    /// The instance's current state, or nil when the hypervisor does not know it.
    func inspect(_ instanceName: String) async throws -> InstanceInfo?
    func start(_ instanceName: String) async throws
    func stop(_ instanceName: String) async throws
    /// Removes the instance and its disks; removing an unknown instance is not an error.
    func delete(_ instanceName: String) async throws
}

extension HypervisorDriver {
    /// Multipass resolves image names itself (and may download them), so by default every name may be tried.
    public func checkImage(_ image: String) throws {}
}

public struct LaunchSpec: Sendable, Equatable {
    public var instanceName: String
    public var vmID: String
    public var image: String
    public var cpu: Int
    public var memoryGB: Int
    public var storageGB: Int
    public var sshPublicKey: String
}

public struct InstanceInfo: Sendable, Equatable {
    public var state: VMState
    /// The hypervisor's own word for the state, for messages.
    public var rawState: String
    public var ipAddress: String?
    /// Where the guest's SSH daemon answers from this host, once known.
    public var sshEndpoint: SSHEndpoint?
    /// Whether the guest's SSH daemon answers at the endpoint (QEMU knows the endpoint before the guest boots).
    public var guestReady: Bool = true

    public var isReady: Bool { state == .running && sshEndpoint != nil && guestReady }
}

public struct SSHEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
}

public struct DriverError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
