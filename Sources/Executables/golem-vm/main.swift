import VMService

await VMServiceMain.run()
