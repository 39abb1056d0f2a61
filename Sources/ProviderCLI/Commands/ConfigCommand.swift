import ArgumentParser
import Foundation
import Shared

/// `golem-provider config withdraw|monitor`: writes the original's `.env` keys into the node's `.env`.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Change payment monitor and withdrawal settings (written to <data dir>/.env).",
        subcommands: [ConfigWithdrawCommand.self, ConfigMonitorCommand.self])

    /// Writes the changes and says where; the running node reads them at its next start.
    static func write(_ changes: [(key: String, value: String)], settings: ProviderSettings, what: String) throws {
        let path = settings.paths.dotEnvFile
        try DotEnvFile.update(at: path, with: changes.map { (SettingsSource.prefix + $0.key, $0.value) })
        print("Updated \(what) settings in \(path)")
        print("Restart the node to apply them (golem-provider stop; golem-provider start).")
    }
}

/// `--enable`/`--disable` as flags; `--enable true|false` (the original README's form) is accepted too.
struct EnableSwitch: ParsableArguments {
    @Flag(name: .customLong("enable"), help: "Turn it on.") var enable = false
    @Flag(name: .customLong("disable"), help: "Turn it off.") var disable = false

    func validate() throws {
        if enable && disable { throw ValidationError("--enable and --disable contradict each other") }
    }

    var value: Bool? { enable ? true : disable ? false : nil }
}

struct ConfigWithdrawCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "withdraw", abstract: "Automatic withdrawals by the monitor.")

    @OptionGroup var toggle: EnableSwitch
    @Option(help: "Seconds between withdrawals from one stream (≥ 0).") var interval: Int?
    @Option(name: .customLong("min-wei"), help: "Withdraw only from this many wei up (≥ 0).") var minWei: String?
    @Flag(help: "Accepted for compatibility with the original; there is one .env per data folder.") var dev = false
    @OptionGroup var node: NodeOptions

    func validate() throws {
        if let interval, interval < 0 { throw ValidationError("--interval must be ≥ 0 seconds") }
        if let minWei, minWei.isEmpty || !minWei.allSatisfy({ $0.isASCII && $0.isNumber }) || minWei.count > 78 {
            throw ValidationError("--min-wei must be a whole number of wei ≥ 0")
        }
    }

    func run() async throws {
        var changes: [(key: String, value: String)] = []
        if let enabled = toggle.value { changes.append(("STREAM_WITHDRAW_ENABLED", enabled ? "true" : "false")) }
        if let interval { changes.append(("STREAM_WITHDRAW_INTERVAL_SECONDS", String(interval))) }
        if let minWei { changes.append(("STREAM_MIN_WITHDRAW_WEI", minWei)) }
        guard !changes.isEmpty else { print("No changes (use --enable/--interval/--min-wei)"); return }
        try ConfigCommand.write(changes, settings: try node.loadSettings(), what: "withdraw")
    }
}

struct ConfigMonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "monitor", abstract: "The stream monitor.")

    @OptionGroup var toggle: EnableSwitch
    @Option(help: "Seconds between monitor ticks (> 0).") var interval: Int?
    @Option(name: .customLong("min-remaining"), help: "Seconds of runway a stream needs to pay for a new VM (≥ 0).") var minRemaining: Int?
    @Flag(help: "Accepted for compatibility with the original; there is one .env per data folder.") var dev = false
    @OptionGroup var node: NodeOptions

    func validate() throws {
        if let interval, interval <= 0 { throw ValidationError("--interval must be > 0 seconds") }
        if let minRemaining, minRemaining < 0 { throw ValidationError("--min-remaining must be ≥ 0 seconds") }
    }

    func run() async throws {
        var changes: [(key: String, value: String)] = []
        if let enabled = toggle.value { changes.append(("STREAM_MONITOR_ENABLED", enabled ? "true" : "false")) }
        if let interval { changes.append(("STREAM_MONITOR_INTERVAL_SECONDS", String(interval))) }
        if let minRemaining { changes.append(("STREAM_MIN_REMAINING_SECONDS", String(minRemaining))) }
        guard !changes.isEmpty else { print("No changes (use --enable/--interval/--min-remaining)"); return }
        try ConfigCommand.write(changes, settings: try node.loadSettings(), what: "monitor")
    }
}
