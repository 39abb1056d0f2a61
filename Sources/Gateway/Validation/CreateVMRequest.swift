/// A validated `POST /api/v1/vms` body.
public struct CreateVMRequest: Sendable, Equatable {
    public var name: String
    public var cpu: Int
    public var memoryGB: Int
    public var storageGB: Int
    public var image: String
    public var sshKey: String
    /// Decimal uint256, when the requestor sent one.
    public var streamID: String?
}

/// One problem with a request body, in FastAPI's 422 shape so existing clients can show it.
public struct ValidationIssue: Sendable, Equatable, Encodable {
    public var type: String
    public var loc: [String]
    public var msg: String
}

/// Sizes the original accepts instead of explicit resources.
enum VMSize: String, CaseIterable {
    case small, medium, large, xlarge

    var resources: (cpu: Int, memory: Int, storage: Int) {
        switch self {
        case .small: (1, 1, 10)
        case .medium: (2, 4, 20)
        case .large: (4, 8, 40)
        case .xlarge: (8, 16, 80)
        }
    }
}

/// Every problem found in one request body.
public struct ValidationFailure: Error, Sendable, Equatable, Encodable {
    public var detail: [ValidationIssue]
}
