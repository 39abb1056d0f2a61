import Foundation
import Logging
import Shared

/// Decides KVM or TCG by running a tiny guest under KVM, not by looking at /dev/kvm alone: on some hosts
/// /dev/kvm is a paravirtual layer (the `kvm_pvm` module) under which a stock guest hangs or crawls.
/// The guest is a 512-byte boot sector that counts down ten million times and then writes to QEMU's
/// isa-debug-exit port, so QEMU exits with status 1 only if the guest really ran to the end.
struct AcceleratorProbe: Sendable {
    struct Outcome: Sendable, Equatable {
        let accelerator: QemuCommandLine.Accelerator
        let reason: String
    }

    let qemuBinary: String
    let runner: CommandRunner
    var timeout: Duration = .seconds(5)

    func decide(_ choice: ProviderSettings.AcceleratorChoice) async -> Outcome {
        switch choice {
        case .tcg: return Outcome(accelerator: .tcg, reason: "forced by GOLEM_PROVIDER_ACCELERATOR=tcg")
        case .kvm: return Outcome(accelerator: .kvm, reason: "forced by GOLEM_PROVIDER_ACCELERATOR=kvm")
        case .auto: break
        }
        guard access("/dev/kvm", R_OK | W_OK) == 0 else {
            return Outcome(accelerator: .tcg, reason: "/dev/kvm is missing or not accessible")
        }
        let paravirtual = FileManager.default.fileExists(atPath: "/sys/module/kvm_pvm")
        do {
            let elapsed = try await runProbeGuest(accelerator: "kvm")
            return Outcome(accelerator: .kvm, reason: "a probe guest ran under KVM in \(elapsed)")
        } catch {
            let layer = paravirtual ? " (/dev/kvm is provided by the paravirtual kvm_pvm module)" : ""
            return Outcome(accelerator: .tcg, reason: "a probe guest did not run under KVM: \(error)\(layer)")
        }
    }

    func runProbeGuest(accelerator: String) async throws -> Duration {
        let image = NSTemporaryDirectory() + "golem-kvm-probe-\(getpid()).img"
        guard FileManager.default.createFile(atPath: image, contents: Self.bootSector) else { throw DriverError("cannot write \(image)") }
        defer { try? FileManager.default.removeItem(atPath: image) }
        let started = ContinuousClock.now
        let result = try await runner.run(qemuBinary, [
            "-accel", accelerator, "-machine", "pc", "-m", "16", "-nodefaults", "-no-user-config", "-display", "none",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-drive", "file=\(image),format=raw,if=floppy", "-boot", "a",
        ], timeout: timeout)
        guard result.status == 1 else { throw DriverError("QEMU exited with status \(result.status): \(result.stderrText)") }
        return ContinuousClock.now - started
    }

    /// mov ecx, 10000000; 1: dec ecx; jnz 1b; mov al, 0; out 0xf4, al; 2: hlt; jmp 2b — then the boot signature.
    static let bootSector: Data = {
        var code: [UInt8] = [0x66, 0xB9] + withUnsafeBytes(of: UInt32(10_000_000).littleEndian, Array.init)
        code += [0x66, 0x49, 0x75, 0xFC, 0xB0, 0x00, 0xE6, 0xF4, 0xF4, 0xEB, 0xFD]
        return Data(code + [UInt8](repeating: 0, count: 510 - code.count) + [0x55, 0xAA])
    }()
}
