import ProviderCLI

await GolemProviderCommand.main()
