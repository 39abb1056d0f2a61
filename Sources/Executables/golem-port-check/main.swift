import PortCheckService

await PortCheckServiceMain.run()
