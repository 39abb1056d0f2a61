import Shared

/// What the gateway needs from the node's settings.
struct GatewaySettings: Sendable {
    let host: String
    let port: Int
    let publicIP: String?
    let country: String?
    let defaultImage: String
    let maxRequestBodyBytes: Int
    let syncCreateTimeoutSeconds: Double

    init(_ settings: ProviderSettings) {
        host = settings.host
        port = settings.port
        publicIP = settings.publicIP
        country = settings.providerCountry
        defaultImage = settings.defaultVMImage
        maxRequestBodyBytes = settings.maxRequestBodyBytes
        syncCreateTimeoutSeconds = settings.syncCreateTimeoutSeconds
    }
}
