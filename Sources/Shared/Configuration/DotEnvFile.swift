import Foundation

/// The `KEY=value` file in the data folder that `golem-provider config ...` writes and every process reads at start.
public enum DotEnvFile {
    /// A missing file is empty; comments, blank lines and `export ` prefixes are allowed; quotes are stripped.
    public static func read(at path: String) throws -> [String: String] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(message: "cannot read \(path): \(error.localizedDescription)")
        }
        var result: [String: String] = [:]
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)) }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationError(message: "\(path) line \(number + 1): expected KEY=value, got '\(line)'")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            result[key] = value
        }
        return result
    }

    /// Replaces the line of each key or appends it, keeping every other line; written atomically, mode 0600.
    public static func update(at path: String, with changes: [(key: String, value: String)]) throws {
        var lines = (try? String(contentsOfFile: path, encoding: .utf8))?
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init) ?? []
        if lines.last == "" { lines.removeLast() }
        for change in changes {
            let entry = "\(change.key)=\(change.value)"
            if let index = lines.firstIndex(where: { $0.hasPrefix(change.key + "=") }) {
                lines[index] = entry
            } else {
                lines.append(entry)
            }
        }
        let data = Data((lines.joined(separator: "\n") + "\n").utf8)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        chmod(path, 0o600)
    }
}
