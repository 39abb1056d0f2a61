import ArgumentParser
import Foundation
import GRPCCore
import Shared

/// `golem-provider wallet show|faucet-l2`: the provider's account on the payments chain.
struct WalletCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wallet", abstract: "The provider's payments account: address, balance, test-network gas.",
        subcommands: [WalletShowCommand.self, WalletFaucetCommand.self])
}

struct WalletShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "The provider address and its native balance.")

    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var node: NodeOptions

    func run() async throws {
        let settings = try node.loadSettings()
        let wallet: Golem_Provider_Payments_V1_Wallet
        do { wallet = try await ServiceCall.payments(settings) { try await $0.getWallet(.init()) } } catch {
            try StreamsOutput.fail(error, json: json)
        }
        if json {
            StreamsOutput.print(.object([
                ("address", .string(wallet.address)), ("balance_wei", .integer(wallet.balanceWei)),
                ("chain_id", .integer(wallet.chainID)), ("payments_network", .string(wallet.paymentsNetwork)),
            ]))
            return
        }
        print("Address:  \(wallet.address)")
        print("Balance:  \(StreamsOutput.amount(wallet.balanceWei, token: "")) (\(wallet.balanceWei) wei)")
        print("Network:  \(wallet.paymentsNetwork) (chain id \(wallet.chainID))")
    }
}

struct WalletFaucetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faucet-l2", abstract: "Ask the payments network's faucet for gas (proof of work + CAPTCHA); test networks only.")

    @OptionGroup var node: NodeOptions

    func run() async throws {
        let settings = try node.loadSettings()
        guard let faucetURL = settings.l2FaucetURL else {
            print("Faucet is disabled for current payments network.")
            throw ExitCode.failure
        }
        let wallet: Golem_Provider_Payments_V1_Wallet
        do { wallet = try await ServiceCall.payments(settings) { try await $0.getWallet(.init()) } } catch {
            try StreamsOutput.fail(error, json: false)
        }
        // The original's threshold: above 0.01 of the native token there is enough gas.
        if let balance = Decimal(string: wallet.balanceWei), balance > Decimal(string: "10000000000000000")! {
            print("Balance is \(StreamsOutput.amount(wallet.balanceWei, token: "")): enough gas, faucet not asked.")
            return
        }
        let faucet = L2Faucet(faucetURL: faucetURL, captchaURL: settings.l2CaptchaURL, apiKey: settings.l2CaptchaAPIKey)
        do {
            let hash = try await faucet.request(for: wallet.address)
            print("Faucet tx: \(hash)")
        } catch {
            print("Error: \(error)")
            throw ExitCode.failure
        }
    }
}
