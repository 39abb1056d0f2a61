import Foundation
import Shared
import Testing
@testable import VMService

@Suite struct QemuDriverTests {
    static let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILBqHcrP8rNurmeMBSKbFKAVMXhAXjw2QGeRyHAch0AE alice \"laptop\""
    let folder = InstanceFolder(root: "/data/vm/instances", instanceName: "golem-1234")
    let machine = QemuMachine(
        instanceName: "golem-1234", vmID: "vm-a", cpu: 2, memoryGB: 1, storageGB: 10,
        image: GuestImage(name: "debian-12", disk: "/img/debian-12.qcow2", kernel: "/img/debian-12.vmlinuz", initrd: "/img/debian-12.initrd"),
        sshForwardPort: 40022)

    func pairs(_ arguments: [String]) -> [String: [String]] {
        var result: [String: [String]] = [:]
        var index = 0
        while index < arguments.count {
            let flag = arguments[index]
            if index + 1 < arguments.count, !arguments[index + 1].hasPrefix("-") {
                result[flag, default: []].append(arguments[index + 1])
                index += 2
            } else {
                result[flag, default: []].append("")
                index += 1
            }
        }
        return result
    }

    @Test func commandLineUnderTCGWithOutboundBlocked() {
        let line = QemuCommandLine(machine: machine, folder: folder, accelerator: .tcg, guestSSHPort: 22, blockOutbound: true)
        let flags = pairs(line.arguments)
        #expect(flags["-machine"] == ["q35,accel=tcg"])
        #expect(flags["-cpu"] == ["max"])
        #expect(flags["-smp"] == ["2"])
        #expect(flags["-m"] == ["1024M"])
        #expect(flags["-kernel"] == ["/img/debian-12.vmlinuz"])
        #expect(flags["-netdev"] == ["user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:40022-:22"])
        #expect(flags["-drive"] == [
            "file=/data/vm/instances/golem-1234/disk.qcow2,if=virtio,format=qcow2,discard=unmap",
            "file=/data/vm/instances/golem-1234/seed.iso,if=virtio,format=raw,media=cdrom,readonly=on",
        ])
        #expect(flags["-qmp"] == ["unix:/data/vm/instances/golem-1234/qmp.sock,server=on,wait=off"])
        #expect(flags["-pidfile"] == ["/data/vm/instances/golem-1234/qemu.pid"])
        #expect(flags["-daemonize"] != nil)
    }

    @Test func commandLineUnderKVMWithOutboundOpenAndFirmwareBoot() {
        var cloudImage = machine
        cloudImage.image = GuestImage(name: "ubuntu-24.04", disk: "/img/ubuntu-24.04.qcow2", kernel: nil, initrd: nil)
        let flags = pairs(QemuCommandLine(machine: cloudImage, folder: folder, accelerator: .kvm, guestSSHPort: 2222, blockOutbound: false).arguments)
        #expect(flags["-cpu"] == ["host"])
        #expect(flags["-kernel"] == nil)
        #expect(flags["-netdev"] == ["user,id=net0,restrict=off,hostfwd=tcp:127.0.0.1:40022-:2222"])
    }

    @Test func everyQMPRunStateHasAPlace() {
        #expect(QemuDriver.state(for: "running") == .running)
        for status in ["paused", "shutdown", "suspended", "prelaunch", "inmigrate", "postmigrate"] {
            #expect(QemuDriver.state(for: status) == .stopped)
        }
        for status in ["internal-error", "io-error", "guest-panicked", "watchdog", "debug"] {
            #expect(QemuDriver.state(for: status) == .error)
        }
    }

    @Test func seedCarriesTheKeyWithoutItsCommentInMetaData() {
        let seed = CloudInitSeed(userData: CloudInitUserData(hostname: "vm-a", sshPublicKey: Self.key), instanceID: "golem-1234")
        #expect(seed.metaData == """
            instance-id: "golem-1234"
            local-hostname: "vm-a"
            public-keys:
            - "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILBqHcrP8rNurmeMBSKbFKAVMXhAXjw2QGeRyHAch0AE"

            """)
        #expect(seed.userData.yaml.contains(#"- "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILBqHcrP8rNurmeMBSKbFKAVMXhAXjw2QGeRyHAch0AE alice \"laptop\"""#))
        #expect(seed.userData.yaml.contains("disable_root: false"))
    }

    @Test func imageNamesAndAliases() throws {
        let directory = NSTemporaryDirectory() + "images-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for file in ["debian-12.qcow2", "debian-12.vmlinuz", "debian-12.initrd", "ubuntu-24.04.qcow2"] {
            FileManager.default.createFile(atPath: directory + "/" + file, contents: Data())
        }
        let catalog = GuestImageCatalog(directory: directory)
        #expect(try catalog.image(named: "bookworm").kernel == directory + "/debian-12.vmlinuz")
        #expect(try catalog.image(named: "24.04") == GuestImage(name: "ubuntu-24.04", disk: directory + "/ubuntu-24.04.qcow2", kernel: nil, initrd: nil))
        #expect(catalog.names() == ["debian-12", "ubuntu-24.04"])
        #expect(throws: DriverError.self) { try catalog.image(named: "22.04") }
        #expect(throws: DriverError.self) { try catalog.image(named: "../etc/passwd") }
    }

    @Test func probeGuestRunsToItsEndUnderTCG() async throws {
        let qemu = try QemuDriver.locateTools(qemuBinary: nil).qemu
        let probe = AcceleratorProbe(qemuBinary: qemu, runner: CommandRunner())
        // The probe guest itself works (exit through isa-debug-exit), so a KVM failure means KVM.
        _ = try await probe.runProbeGuest(accelerator: "tcg")
        #expect(await probe.decide(.tcg) == .init(accelerator: .tcg, reason: "forced by GOLEM_PROVIDER_ACCELERATOR=tcg"))
        if FileManager.default.fileExists(atPath: "/sys/module/kvm_pvm") {
            let outcome = await probe.decide(.auto)
            #expect(outcome.accelerator == .tcg)
            #expect(outcome.reason.contains("kvm_pvm"))
        }
    }
}
