import Foundation

/// Where each setting comes from, in order of precedence: command-line flags, the process environment,
/// the `.env` file in the data folder. Read once at start; nothing reads the environment later.
///
/// ```swift
/// let source = try SettingsSource.load(arguments: ["--port", "8080"])
/// let port = try source.int("PORT", default: 7466, in: 1...65535)
/// ```
public struct SettingsSource: Sendable {
    public static let prefix = "GOLEM_PROVIDER_"

    /// Values by full variable name (`GOLEM_PROVIDER_PORT`), already merged by precedence.
    public private(set) var values: [String: String]
    /// Where each value came from, for error messages.
    public private(set) var origins: [String: String]

    public init(values: [String: String] = [:], origins: [String: String] = [:]) {
        self.values = values
        self.origins = origins
    }

    /// Merges the `.env` file of the data folder, the environment and `--kebab-name value` flags.
    public static func load(
        arguments: [String] = Array(CommandLine.arguments.dropFirst()),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> SettingsSource {
        let flags = try parseFlags(arguments)
        var source = SettingsSource()
        let dataDirectory = flags[prefix + "DATA_DIR"] ?? environment[prefix + "DATA_DIR"]
        let dotEnvPath = DataPaths.dataDirectory(explicit: dataDirectory, environment: environment) + "/.env"
        for (key, value) in try DotEnvFile.read(at: dotEnvPath) { source.set(key, value, origin: dotEnvPath) }
        for (key, value) in environment where key.hasPrefix(prefix) || key == "GOLEM_ENVIRONMENT" {
            source.set(key, value, origin: "the environment")
        }
        // The original port checker's own names (PORT_CHECKER_HOST, PORT_CHECKER_PORT) still work.
        for (key, value) in environment where key.hasPrefix("PORT_CHECKER_") && environment[prefix + key] == nil {
            source.set(prefix + key, value, origin: key)
        }
        for (key, value) in flags { source.set(key, value, origin: "the command line") }
        return source
    }

    public mutating func set(_ key: String, _ value: String, origin: String) {
        values[key] = value
        origins[key] = origin
    }

    /// `--port 8080`, `--port=8080` and `--set PORT=8080` all set `GOLEM_PROVIDER_PORT`.
    static func parseFlags(_ arguments: [String]) throws -> [String: String] {
        var result: [String: String] = [:]
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            guard argument.hasPrefix("--") else {
                throw ConfigurationError(message: "unexpected argument '\(argument)': settings are given as --name value")
            }
            var name = String(argument.dropFirst(2))
            var value: String
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            } else {
                index += 1
                guard index < arguments.endIndex else {
                    throw ConfigurationError(message: "flag --\(name) needs a value")
                }
                value = arguments[index]
            }
            if name == "set" {
                guard let equals = value.firstIndex(of: "=") else {
                    throw ConfigurationError(message: "--set needs NAME=VALUE, got '\(value)'")
                }
                name = String(value[..<equals])
                value = String(value[value.index(after: equals)...])
            }
            result[variableName(forFlag: name)] = value
            index += 1
        }
        return result
    }

    /// `port-range-start` → `GOLEM_PROVIDER_PORT_RANGE_START`; a full variable name stays as it is.
    static func variableName(forFlag flag: String) -> String {
        let upper = flag.uppercased().replacingOccurrences(of: "-", with: "_")
        return upper.hasPrefix(prefix) || upper == "GOLEM_ENVIRONMENT" ? upper : prefix + upper
    }

    // MARK: Typed reads

    public func raw(_ name: String) -> String? {
        values[Self.prefix + name].map { $0.trimmingCharacters(in: .whitespaces) }
    }

    public func string(_ name: String, default defaultValue: String) -> String {
        raw(name).flatMap { $0.isEmpty ? nil : $0 } ?? defaultValue
    }

    public func optionalString(_ name: String) -> String? {
        raw(name).flatMap { $0.isEmpty ? nil : $0 }
    }

    public func int(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = optionalString(name) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw invalid(name, text, allowed: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    public func double(_ name: String, default defaultValue: Double, in range: ClosedRange<Double>) throws -> Double {
        guard let text = optionalString(name) else { return defaultValue }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw invalid(name, text, allowed: "a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    public func bool(_ name: String, default defaultValue: Bool) throws -> Bool {
        guard let text = optionalString(name) else { return defaultValue }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw invalid(name, text, allowed: "true or false (also 1/0, yes/no, on/off)")
        }
    }

    public func choice<T: RawRepresentable & CaseIterable>(_ name: String, default defaultValue: T) throws -> T
    where T.RawValue == String {
        guard let text = optionalString(name) else { return defaultValue }
        guard let value = T(rawValue: text.lowercased()) else {
            throw invalid(name, text, allowed: "one of " + T.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return value
    }

    public func invalid(_ name: String, _ value: String, allowed: String) -> ConfigurationError {
        let origin = origins[Self.prefix + name].map { " (from \($0))" } ?? ""
        return ConfigurationError(message: "\(Self.prefix)\(name)='\(value)'\(origin) is not valid: allowed is \(allowed)")
    }
}

public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
