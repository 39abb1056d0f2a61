import ArgumentParser
import Shared

/// `golem-provider`: runs and operates the provider node.
public struct GolemProviderCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "golem-provider",
        abstract: "Rent out this machine's CPU, memory and disk as VMs on the Golem VM market.",
        version: "0.1.0",
        subcommands: [StartCommand.self, StopCommand.self, StatusCommand.self, ProxyCommand.self, ImageCommand.self,
                      StreamsCommand.self, WalletCommand.self, ConfigCommand.self]
    )

    public init() {}
}

/// Options every command that reads the node's settings shares.
struct NodeOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "The node's data folder (default ~/.golem/provider; GOLEM_PROVIDER_DATA_DIR).")
    var dataDirectory: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Any setting, e.g. --set PORT=7466 (repeatable).", valueName: "NAME=VALUE"))
    var settings: [String] = []

    /// Command-line settings as SettingsSource flags.
    func flagArguments(extra: [String: String] = [:]) -> [String] {
        var arguments: [String] = []
        if let dataDirectory { arguments += ["--data-dir", dataDirectory] }
        for (name, value) in extra.sorted(by: { $0.key < $1.key }) { arguments += ["--set", "\(name)=\(value)"] }
        for setting in settings { arguments += ["--set", setting] }
        return arguments
    }

    /// The node's settings, or a usage error that names the bad value.
    func loadSettings(extra: [String: String] = [:]) throws -> ProviderSettings {
        do {
            return try ProviderSettings(source: SettingsSource.load(arguments: flagArguments(extra: extra)))
        } catch {
            throw ValidationError("configuration error: \(error)")
        }
    }
}

/// The entry point; called from an async function so the async `main()` overload is the one chosen.
public enum ProviderCLIMain {
    public static func run() async {
        await GolemProviderCommand.main()
    }
}
