import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import Shared

/// `golem-provider image list|add`: the base images the QEMU driver boots VMs from.
struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "List or add the guest images VMs are created from (QEMU driver).",
        subcommands: [ImageListCommand.self, ImageAddCommand.self])
}

struct ImageListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Images in the image folder (GOLEM_PROVIDER_IMAGE_DIR).")

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var node: NodeOptions

    func run() async throws {
        let directory = try node.loadSettings().imageDirectory
        let images = ImageFolder(directory: directory).list()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(images), as: UTF8.self))
            return
        }
        guard !images.isEmpty else {
            print("no images in \(directory); add one with `golem-provider image add NAME PATH-OR-URL` or scripts/build-guest-image.sh")
            return
        }
        for image in images {
            let aliases = GuestImageName.aliases.filter { $0.value == image.name }.keys.sorted()
            let boot = image.directKernelBoot ? "kernel+initrd" : "boot loader"
            print("\(image.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(String(format: "%7.1f MB", Double(image.bytes) / 1e6))  \(boot)\(aliases.isEmpty ? "" : "  aliases: " + aliases.joined(separator: ", "))")
        }
    }
}

/// `golem-provider image add NAME SOURCE`: copies (or downloads, with progress) an image into the image folder,
/// converting it to qcow2 so VM disks can be copy-on-write overlays on it.
struct ImageAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a guest image from a file or an http(s) URL (e.g. an Ubuntu cloud image).",
        discussion: "NAME is what requests ask for (`24.04` files the image as ubuntu-24.04). Images with a kernel and initrd "
            + "beside them (--kernel/--initrd) boot directly; others boot through their own boot loader.")

    @Argument(help: "The image's name or alias, e.g. 24.04, ubuntu-22.04, debian-12.")
    var name: String

    @Argument(help: "A file path or an http(s) URL of a qcow2 or raw disk image.")
    var source: String

    @Option(help: "A kernel to boot the image with directly (path).")
    var kernel: String?

    @Option(help: "The initrd that goes with --kernel (path).")
    var initrd: String?

    @Flag(help: "Replace an image of the same name (VMs already created keep using the old disk only if it is not replaced: do not use while VMs run on it).")
    var force = false

    @OptionGroup var node: NodeOptions

    func validate() throws {
        guard GuestImageName.canonical(name) != nil else {
            throw ValidationError("'\(name)' cannot name an image: use letters, digits, '.', '_' and '-' (e.g. ubuntu-24.04)")
        }
        guard (kernel == nil) == (initrd == nil) else { throw ValidationError("--kernel and --initrd go together") }
    }

    func run() async throws {
        let settings = try node.loadSettings()
        let canonical = GuestImageName.canonical(name)!
        let folder = ImageFolder(directory: settings.imageDirectory)
        if folder.exists(canonical), !force {
            throw ValidationError("image \(canonical) already exists in \(settings.imageDirectory); pass --force to replace it")
        }
        try FileManager.default.createDirectory(atPath: settings.imageDirectory, withIntermediateDirectories: true)
        let staging = settings.imageDirectory + "/.\(canonical).\(getpid()).download"
        defer { try? FileManager.default.removeItem(atPath: staging) }
        if source.hasPrefix("http://") || source.hasPrefix("https://") {
            try await ImageDownload(url: source, destination: staging).run()
        } else {
            guard FileManager.default.fileExists(atPath: source) else { throw ValidationError("no file at \(source)") }
            print("copying \(source)")
            try FileManager.default.copyItem(atPath: source, toPath: staging)
        }
        try await folder.install(staging, as: canonical, kernel: kernel, initrd: initrd)
        print("image \(canonical) added to \(settings.imageDirectory)")
    }
}
