/// The QEMU argument list for one machine; pure, so its shape is unit-tested without QEMU.
struct QemuCommandLine: Sendable {
    enum Accelerator: String, Sendable { case kvm, tcg }

    let machine: QemuMachine
    let folder: InstanceFolder
    let accelerator: Accelerator
    let guestSSHPort: Int
    let blockOutbound: Bool

    var arguments: [String] {
        var arguments = [
            "-name", "\(machine.instanceName),process=\(machine.instanceName.prefix(15))",
            "-machine", "q35,accel=\(accelerator.rawValue)",
            // KVM passes the host CPU through; TCG emulates every feature it can.
            "-cpu", accelerator == .kvm ? "host" : "max",
            "-smp", String(machine.cpu),
            "-m", "\(machine.memoryGB * 1024)M",
            "-nodefaults", "-no-user-config", "-vga", "none", "-display", "none",
        ]
        if let kernel = machine.image.kernel, let initrd = machine.image.initrd {
            // Under TCG every page-table switch is emulated, so the guest's own Spectre/Meltdown defences (which
            // only separate the requestor's processes from the requestor's kernel) cost boot seconds; KVM keeps them.
            let mitigations = accelerator == .tcg ? " mitigations=off" : ""
            arguments += ["-kernel", kernel, "-initrd", initrd,
                          "-append", "root=LABEL=golem-root rw console=ttyS0 quiet" + mitigations]
        }
        let restrict = blockOutbound ? "on" : "off"
        arguments += [
            "-drive", "file=\(folder.disk),if=virtio,format=qcow2,discard=unmap",
            "-drive", "file=\(folder.seed),if=virtio,format=raw,media=cdrom,readonly=on",
            "-netdev", "user,id=net0,restrict=\(restrict),hostfwd=tcp:127.0.0.1:\(machine.sshForwardPort)-:\(guestSSHPort)",
            "-device", "virtio-net-pci,netdev=net0",
            // Entropy for the guest: sshd's key generation otherwise waits on a starved pool under TCG.
            "-device", "virtio-rng-pci",
            "-serial", "file:\(folder.console)",
            "-qmp", "unix:\(folder.qmpSocket),server=on,wait=off",
            "-pidfile", folder.pidFile,
            "-daemonize",
        ]
        return arguments
    }
}
