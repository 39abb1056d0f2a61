import ArgumentParser
import Foundation
import Shared

/// `golem-provider status [--json]`: is this node healthy, and can requestors reach it?
/// Exit code 0 healthy, 1 issues, 2 error.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Check the node: hypervisor, services, and whether its API and SSH ports are reachable from outside.")

    @Flag(help: "Print JSON (the original node's keys, plus new ones).")
    var json = false

    @OptionGroup var node: NodeOptions

    func run() async throws {
        let settings = try node.loadSettings()
        let report = await StatusProbe(settings: settings).run()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(StatusRenderer(colour: isatty(STDOUT_FILENO) == 1).render(report))
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}

/// The human layout of the contract: ✅/❌ and colour on a terminal, the same words without colour otherwise.
struct StatusRenderer {
    let colour: Bool

    private func paint(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    private func good(_ text: String) -> String { paint("✅ " + text, "32") }
    private func bad(_ text: String) -> String { paint("❌ " + text, "31") }
    private func row(_ label: String, _ value: String) -> String { label.padding(toLength: 16, withPad: " ", startingAt: 0) + value }

    func render(_ report: StatusReport) -> String {
        var lines: [String] = []
        let overall: String
        switch report.overall.status {
        case "healthy": overall = paint("Healthy", "32")
        case "issues": overall = paint("Issues detected", "33")
        default: overall = paint("Error", "31")
        }
        lines.append(row("Overall", overall))
        for issue in report.overall.issues { lines.append(row("", "- " + issue)) }
        lines.append("")
        let latest = report.version.latest.map { report.version.updateAvailable ? "update available: \($0)" : "latest" } ?? "latest: unknown"
        lines.append(row("Version", "\(report.version.installed) (\(latest))"))
        lines.append(row("Multipass", report.multipass.ok ? good("OK") : bad("Missing")))
        let driver = report.vmDriver
        let accelerator = driver.accelerator.map { " (\($0.uppercased()))" } ?? ""
        lines.append(row("VM Driver", driver.ok ? good(driver.name + accelerator) : bad(driver.name + ": " + (driver.error ?? "not available"))))
        let down = report.services.health.filter { $0.value != "ok" }.keys.sorted()
        lines.append(row("Services", !report.services.nodeRunning ? "node not running"
            : down.isEmpty ? good("all 5 running") : bad("down: " + down.joined(separator: ", "))))
        lines.append("")
        let provider = report.ports.provider
        lines.append(row("Provider Port", "\(provider.host):\(provider.port)"))
        lines.append(row("  Local", provider.localOK ? good(provider.localDetail) : bad(provider.localDetail)))
        let external = provider.external
        lines.append(row("  External", external.status == .reachable ? good("reachable")
            : bad("unreachable" + (external.error.map { " — \($0)" } ?? ""))))
        lines.append("")
        let ssh = report.ports.ssh
        let problems = ssh.issues.unreachable + ssh.issues.notListening
        let summary: String
        switch ssh.status {
        case "ok": summary = good("OK")
        case "limited": summary = paint("limited — \(problems) issue(s)", "33")
        default: summary = bad("blocked")
        }
        lines.append(row("SSH Ports", "\(ssh.range[0])-\(ssh.range[1] - 1) — \(summary)"))
        lines.append(row("  Usable free", "\(ssh.usableFree)"))
        lines.append(row("  In use", "\(ssh.inUse)"))
        if problems > 0 {
            var parts: [String] = []
            if ssh.issues.unreachable > 0 { parts.append("\(ssh.issues.unreachable) not reachable externally") }
            if ssh.issues.notListening > 0 { parts.append("\(ssh.issues.notListening) not listening") }
            lines.append(row("  Issues", parts.joined(separator: ", ")))
        }
        return lines.joined(separator: "\n")
    }
}
