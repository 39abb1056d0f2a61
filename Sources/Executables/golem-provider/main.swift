import ProviderCLI

await ProviderCLIMain.run()
