import Foundation

/// The files and folders of one node, all under its data folder.
public struct DataPaths: Sendable, Equatable {
    public let dataDirectory: String

    public init(dataDirectory: String) { self.dataDirectory = dataDirectory }

    /// `GOLEM_PROVIDER_DATA_DIR`, else `~/.golem/provider`.
    public static func dataDirectory(explicit: String?, environment: [String: String]) -> String {
        if let explicit, !explicit.isEmpty { return expand(explicit, environment: environment) }
        return home(environment) + "/.golem/provider"
    }

    static func home(_ environment: [String: String]) -> String {
        environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    }

    static func expand(_ path: String, environment: [String: String]) -> String {
        if path == "~" { return home(environment) }
        if path.hasPrefix("~/") { return home(environment) + path.dropFirst(1) }
        if path.hasPrefix("/") { return path }
        return FileManager.default.currentDirectoryPath + "/" + path
    }

    /// Sockets and PID files: readable by the operator only (0700).
    public var runtimeDirectory: String { dataDirectory + "/run" }
    public var dotEnvFile: String { dataDirectory + "/.env" }
    public var pidFile: String { runtimeDirectory + "/provider.pid" }
    public var logDirectory: String { dataDirectory + "/logs" }
    public func socket(_ service: String) -> String { runtimeDirectory + "/\(service).sock" }
    public func servicePIDFile(_ service: String) -> String { runtimeDirectory + "/\(service).pid" }
    public func database(_ service: String) -> String { dataDirectory + "/\(service)/\(service).sqlite" }
    public func serviceDirectory(_ service: String) -> String { dataDirectory + "/\(service)" }

    /// Creates a folder (and its parents) and sets its mode, so a pre-existing folder is tightened too.
    public static func makeDirectory(_ path: String, mode: mode_t) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard chmod(path, mode) == 0 else {
            throw ConfigurationError(message: "cannot set mode of \(path): \(String(cString: strerror(errno)))")
        }
    }
}
