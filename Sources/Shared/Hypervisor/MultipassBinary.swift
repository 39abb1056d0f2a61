import Foundation

/// Where Multipass is: VMService runs it, `golem-provider status` reports it.
public enum MultipassBinary {
    /// The binary from the setting, else the first of the original's Linux locations that exists.
    public static func locate(configured: String?) -> String? {
        if let configured { return FileManager.default.isExecutableFile(atPath: configured) ? configured : nil }
        let candidates = ["/snap/bin/multipass", "/usr/local/bin/multipass", "/usr/bin/multipass"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
