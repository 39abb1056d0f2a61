/// What can go wrong in VMService, each with a message an operator or requestor can act on.
public enum VMServiceError: Error, CustomStringConvertible, Equatable {
    case notFound(vmID: String)
    case jobNotFound(jobID: String)
    case alreadyExists(vmID: String)
    case limitReached(maxVMs: Int)
    /// A resource rule refused; `hostWide` when the host cannot take even the smallest VM (503, not 409).
    case insufficientResources(rule: String, hostWide: Bool, message: String)
    case busy(vmID: String, operation: String)
    case invalidRequest(String)
    case driverFailed(String)

    public var description: String {
        switch self {
        case .notFound(let id): "VM \(id) not found"
        case .jobNotFound: "job not found"
        case .alreadyExists(let id): "VM \(id) already exists; choose another name or delete it first"
        case .limitReached(let max): "the provider already runs its maximum of \(max) VMs (GOLEM_PROVIDER_MAX_VMS)"
        case .insufficientResources(_, _, let message): message
        case .busy(let id, let operation): "VM \(id) is busy (\(operation)); try again when it finishes"
        case .invalidRequest(let message): message
        case .driverFailed(let message): message
        }
    }
}
