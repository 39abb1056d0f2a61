import PaymentsService

await PaymentsServiceMain.run()
