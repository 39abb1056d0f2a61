import ProxyService

await ProxyServiceMain.run()
