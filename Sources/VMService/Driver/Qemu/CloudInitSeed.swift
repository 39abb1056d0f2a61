import Foundation
import Shared

/// The NoCloud seed of one VM: `user-data` and `meta-data` on an ISO 9660 volume labelled `cidata`,
/// built with genisoimage (Debian's package of the same name). cloud-init images read both; the offline image's
/// golem-firstboot reads `meta-data` only, so that file carries the key too (`public-keys`, a NoCloud field),
/// one value per line and without the key's comment, which keeps it trivial to read from a shell.
struct CloudInitSeed: Sendable {
    let userData: CloudInitUserData
    let instanceID: String

    var metaData: String {
        let key = (try? SSHPublicKey(parsing: userData.sshPublicKey)).map { $0.type + " " + $0.blob.base64EncodedString() }
        var text = "instance-id: \(CloudInitUserData.quoted(instanceID))\nlocal-hostname: \(CloudInitUserData.quoted(userData.hostname))\n"
        if let key { text += "public-keys:\n- \(CloudInitUserData.quoted(key))\n" }
        return text
    }

    func write(to folder: InstanceFolder, genisoimage: String, runner: CommandRunner) async throws {
        let source = folder.seedSource
        try? FileManager.default.removeItem(atPath: source)
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: source) }
        for (name, text) in [("user-data", userData.yaml), ("meta-data", metaData)] {
            guard FileManager.default.createFile(atPath: source + "/" + name, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw DriverError("cannot write the cloud-init \(name) in \(source)")
            }
        }
        let result = try await runner.run(genisoimage, [
            "-quiet", "-output", folder.seed, "-volid", "cidata", "-joliet", "-rock",
            source + "/user-data", source + "/meta-data",
        ], timeout: .seconds(60))
        guard result.status == 0 else { throw DriverError("genisoimage failed (exit \(result.status)): \(result.stderrText)") }
    }
}
