/// Where a gRPC service listens: a Unix domain socket (default, operator-only) or TCP for multi-host set-ups.
///
/// Written as `unix:/path/to.sock` or `host:port` in `GOLEM_PROVIDER_*_ADDRESS` settings.
public enum ServiceAddress: Sendable, Equatable, CustomStringConvertible {
    case unix(String)
    case tcp(host: String, port: Int)

    public init?(parsing text: String) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard path.hasPrefix("/"), path.utf8.count < 108 else { return nil }
            self = .unix(path)
            return
        }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (1...65535).contains(port), colon > text.startIndex
        else { return nil }
        self = .tcp(host: String(text[..<colon]), port: port)
    }

    public var description: String {
        switch self {
        case .unix(let path): "unix:\(path)"
        case .tcp(let host, let port): "\(host):\(port)"
        }
    }

    static func setting(_ name: String, in source: SettingsSource, default defaultValue: ServiceAddress) throws -> ServiceAddress {
        guard let text = source.optionalString(name) else { return defaultValue }
        guard let address = ServiceAddress(parsing: text) else {
            throw source.invalid(name, text, allowed: "unix:/absolute/path.sock (under 108 bytes) or host:port")
        }
        return address
    }
}
