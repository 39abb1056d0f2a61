/// gRPC metadata by which golem-vm says why it refused a VM: `request` (this request does not fit: HTTP 409)
/// or `host` (the host cannot take any VM now: HTTP 503).
public enum AdmissionScope {
    public static let metadataKey = "golem-admission-scope"
    public static let request = "request"
    public static let host = "host"
}
