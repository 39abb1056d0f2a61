import Foundation
import Shared

/// A base image in the image cache: a qcow2 disk, and a kernel + initrd when the image boots directly
/// (the offline Debian image); cloud images without them boot through their own boot loader.
struct GuestImage: Codable, Sendable, Equatable {
    var name: String
    var disk: String
    var kernel: String?
    var initrd: String?
}

/// Maps the API's `image` field (`24.04`, `22.04`, `debian-12`, ...) to files in the image cache folder.
/// A file `<name>.qcow2` is the image `<name>` (GuestImageName has the aliases).
struct GuestImageCatalog: Sendable {
    let directory: String

    func image(named requested: String) throws -> GuestImage {
        guard let name = GuestImageName.canonical(requested) else {
            throw DriverError("image '\(requested)' is not a valid image name")
        }
        let disk = Self.resolved(directory + "/\(name).qcow2")
        guard FileManager.default.fileExists(atPath: disk) else {
            let available = names()
            throw DriverError(
                "image '\(requested)' is not available on this provider (available: \(available.isEmpty ? "none" : available.joined(separator: ", "))); "
                    + "the operator can add it with `golem-provider image add \(name) <path or URL>`")
        }
        let kernel = Self.resolved(directory + "/\(name).vmlinuz")
        let initrd = Self.resolved(directory + "/\(name).initrd")
        let direct = FileManager.default.fileExists(atPath: kernel) && FileManager.default.fileExists(atPath: initrd)
        return GuestImage(name: name, disk: disk, kernel: direct ? kernel : nil, initrd: direct ? initrd : nil)
    }

    /// The file behind a symlink: a VM keeps the exact base it was made from (machine.json records this path),
    /// even when the image's name is later pointed at a rebuilt or replaced file.
    static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }

    func names() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".qcow2") }.map { String($0.dropLast(".qcow2".count)) }.sorted()
    }
}
