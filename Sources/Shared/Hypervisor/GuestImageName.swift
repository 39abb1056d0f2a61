/// How the API's `image` field names a file in the image cache: `<name>.qcow2`, with well-known aliases
/// (`24.04` is `ubuntu-24.04`). golem-vm resolves requests with it; `golem-provider image add` files images by it.
public enum GuestImageName {
    public static let aliases: [String: String] = [
        "24.04": "ubuntu-24.04", "noble": "ubuntu-24.04", "ubuntu:24.04": "ubuntu-24.04",
        "22.04": "ubuntu-22.04", "jammy": "ubuntu-22.04", "ubuntu:22.04": "ubuntu-22.04",
        "20.04": "ubuntu-20.04", "focal": "ubuntu-20.04", "ubuntu:20.04": "ubuntu-20.04",
        "12": "debian-12", "bookworm": "debian-12", "debian:12": "debian-12",
    ]

    /// The canonical name, or nil when the text cannot name a file (path separators, leading dots, ...).
    public static func canonical(_ requested: String) -> String? {
        let name = aliases[requested.lowercased()] ?? requested.lowercased()
        return name.range(of: "^[a-z0-9][a-z0-9._-]{0,63}$", options: .regularExpression) != nil ? name : nil
    }
}
