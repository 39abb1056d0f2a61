import ArgumentParser
import Foundation
import GRPCCore
import Shared

/// `golem-provider streams list|show|earnings|withdraw`: the payment streams behind the VMs, in the original's
/// `--json` shapes (reference section 2).
struct StreamsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streams",
        abstract: "Payment streams of the VMs: status, earnings, withdrawals.",
        subcommands: [StreamsListCommand.self, StreamsShowCommand.self, StreamsEarningsCommand.self, StreamsWithdrawCommand.self])
}

/// Prints machine output and the original's error objects; exits 1 on a refusal.
enum StreamsOutput {
    static func print(_ json: OrderedJSON) { Swift.print(json.rendered(pretty: true)) }

    /// Payments off → `{"error":"streaming_disabled"}` (JSON) or the message; other failures with their message.
    static func fail(_ error: any Error, json: Bool, vmID: String? = nil) throws -> Never {
        if let rpc = error as? RPCError {
            switch rpc.code {
            case .failedPrecondition:
                if json { print(.object([("error", .string("streaming_disabled"))])) } else { Swift.print(rpc.message) }
            case .notFound where vmID != nil:
                if json { print(.object([("error", .string("no_stream_mapping")), ("vm_id", .string(vmID!))])) } else {
                    Swift.print("No stream mapped for VM \(vmID!)")
                }
            case .unavailable:
                let message = rpc.message.hasPrefix("stream lookup failed") || rpc.message.hasPrefix("the payments chain")
                    ? rpc.message : "golem-payments is not running; start the node with `golem-provider start`"
                if json { print(.object([("error", .string(message))])) } else { Swift.print("Error: \(message)") }
            default:
                if json { print(.object([("error", .string(rpc.message))])) } else { Swift.print("Error: \(rpc.message)") }
            }
        } else if json {
            print(.object([("error", .string("\(error)"))]))
        } else {
            Swift.print("Error: \(error)")
        }
        throw ExitCode.failure
    }

    /// wei → "1.234567 ETH" (6 decimals, the original's table).
    static func amount(_ wei: String, token: String) -> String {
        let digits = wei.isEmpty ? "0" : wei
        let padded = String(repeating: "0", count: max(0, 19 - digits.count)) + digits
        let whole = padded.dropLast(18)
        let fraction = padded.suffix(18).prefix(6)
        let symbol = token.isEmpty || token == "0x0000000000000000000000000000000000000000" ? "ETH" : "GLM"
        return "\(whole).\(fraction) \(symbol)"
    }
}

struct StreamsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The stream of every live VM.")

    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var node: NodeOptions

    func run() async throws {
        let settings = try node.loadSettings()
        let answer: Golem_Provider_Payments_V1_ListStreamStatusesResponse
        do { answer = try await ServiceCall.payments(settings) { try await $0.listStreamStatuses(.init()) } } catch {
            try StreamsOutput.fail(error, json: json)
        }
        if json {
            StreamsOutput.print(.object([("streams", .array(answer.streams.map(Self.row)))]))
            return
        }
        guard !answer.streams.isEmpty else { print("No streams mapped to VMs"); return }
        print("VM".padding(toLength: 24, withPad: " ", startingAt: 0) + "Stream".padding(toLength: 10, withPad: " ", startingAt: 0)
              + "Remaining".padding(toLength: 12, withPad: " ", startingAt: 0) + "Verified".padding(toLength: 28, withPad: " ", startingAt: 0) + "Withdrawable")
        for status in answer.streams {
            let remaining = status.error.isEmpty ? "\(status.computed.remainingSeconds)s" : "error"
            let verified = status.error.isEmpty ? (status.verified ? "yes" : "no: \(status.reason)") : status.error
            print(status.vmID.padding(toLength: 24, withPad: " ", startingAt: 0) + status.streamID.padding(toLength: 10, withPad: " ", startingAt: 0)
                  + remaining.padding(toLength: 12, withPad: " ", startingAt: 0) + String(verified.prefix(27)).padding(toLength: 28, withPad: " ", startingAt: 0)
                  + (status.error.isEmpty ? StreamsOutput.amount(status.computed.withdrawableWei, token: status.chain.token) : "-"))
        }
    }

    /// The original's row: flat chain fields plus remaining, verified, reason, withdrawable; `{vm_id, stream_id, error}` when unreadable.
    static func row(_ status: Golem_Provider_Payments_V1_StreamStatus) -> OrderedJSON {
        guard status.error.isEmpty else {
            return .object([("vm_id", .string(status.vmID)), ("stream_id", .integer(status.streamID)), ("error", .string(status.error))])
        }
        return .object([
            ("vm_id", .string(status.vmID)), ("stream_id", .integer(status.streamID)),
            ("token", .string(status.chain.token)), ("recipient", .string(status.chain.recipient)),
            ("start", .integer(status.chain.startTime)), ("stop", .integer(status.chain.stopTime)),
            ("rate", .integer(status.chain.ratePerSecond)), ("deposit", .integer(status.chain.deposit)),
            ("withdrawn", .integer(status.chain.withdrawn)), ("remaining", .integer(status.computed.remainingSeconds)),
            ("verified", .bool(status.verified)), ("reason", .string(status.reason)),
            ("withdrawable", .integer(status.computed.withdrawableWei)),
        ])
    }
}

struct StreamsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One VM's stream, as the chain has it now.")

    @Argument(help: "The VM id.") var vmID: String
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var node: NodeOptions

    func run() async throws {
        let settings = try node.loadSettings()
        let id = vmID
        let status: Golem_Provider_Payments_V1_StreamStatus
        do { status = try await ServiceCall.payments(settings) { try await $0.getStreamStatus(.with { $0.vmID = id }) } } catch {
            try StreamsOutput.fail(error, json: json, vmID: vmID)
        }
        if json { StreamsOutput.print(StreamStatusJSON.status(status)); return }
        let token = status.chain.token
        print("""
            VM:            \(status.vmID)
            Stream:        \(status.streamID)
            Verified:      \(status.verified ? "yes" : "no (\(status.reason))")
            Sender:        \(status.chain.sender)
            Recipient:     \(status.chain.recipient)
            Rate:          \(status.chain.ratePerSecond) wei/s
            Deposit:       \(StreamsOutput.amount(status.chain.deposit, token: token))
            Withdrawn:     \(StreamsOutput.amount(status.chain.withdrawn, token: token))
            Vested:        \(StreamsOutput.amount(status.computed.vestedWei, token: token))
            Withdrawable:  \(StreamsOutput.amount(status.computed.withdrawableWei, token: token))
            Remaining:     \(status.computed.remainingSeconds) s\(status.chain.halted ? " (halted)" : "")
            """)
    }
}

struct StreamsEarningsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "earnings", abstract: "What every stream (ended ones too) has vested, paid out, and still owes.")

    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var node: NodeOptions

    func run() async throws {
        let settings = try node.loadSettings()
        let answer: Golem_Provider_Payments_V1_ListStreamStatusesResponse
        let ledger: Golem_Provider_Payments_V1_ListWithdrawalsResponse
        do {
            (answer, ledger) = try await ServiceCall.payments(settings) { client in
                (try await client.listStreamStatuses(.with { $0.includeFinished = true }), try await client.listWithdrawals(.init()))
            }
        } catch {
            try StreamsOutput.fail(error, json: json)
        }
        let readable = answer.streams.filter(\.error.isEmpty)
        func total(_ values: [String]) -> String { Decimal.sum(values) }
        let totals: [(String, String)] = [
            ("vested", total(readable.map(\.computed.vestedWei))),
            ("withdrawn", total(readable.map(\.chain.withdrawn))),
            ("withdrawable", total(readable.map(\.computed.withdrawableWei))),
        ]
        let confirmed = ledger.withdrawals.filter { $0.status == .confirmed }
        if json {
            StreamsOutput.print(.object([
                ("streams", .array(readable.map { status in
                    .object([
                        ("vm_id", .string(status.vmID)), ("stream_id", .integer(status.streamID)), ("token", .string(status.chain.token)),
                        ("vested", .integer(status.computed.vestedWei)), ("withdrawn", .integer(status.chain.withdrawn)),
                        ("withdrawable", .integer(status.computed.withdrawableWei)),
                    ])
                })),
                ("totals", .object(totals.map { ($0.0, .integer($0.1)) })),
                ("ledger", .object([
                    ("withdrawals", .integer(ledger.withdrawals.count)), ("confirmed", .integer(confirmed.count)),
                    ("paid_wei", .integer(total(confirmed.map(\.amountWei)))),
                    ("fees_wei", .integer(total(ledger.withdrawals.map(\.feeWei)))),
                ])),
            ]))
            return
        }
        let token = readable.first?.chain.token ?? ""
        for (name, value) in totals { print("\(name.capitalized.padding(toLength: 14, withPad: " ", startingAt: 0)) \(StreamsOutput.amount(value, token: token))") }
        print("Withdrawals:   \(confirmed.count) confirmed of \(ledger.withdrawals.count), fees \(StreamsOutput.amount(total(ledger.withdrawals.map(\.feeWei)), token: ""))")
        for status in readable {
            print("  \(status.vmID.padding(toLength: 24, withPad: " ", startingAt: 0)) stream \(status.streamID.padding(toLength: 8, withPad: " ", startingAt: 0)) withdrawable \(StreamsOutput.amount(status.computed.withdrawableWei, token: status.chain.token))")
        }
    }
}

struct StreamsWithdrawCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withdraw", abstract: "Withdraw what a VM's stream (--vm-id) or every stream (--all) owes now.")

    @Option(name: .customLong("vm-id"), help: "The VM whose stream to withdraw.") var vmID: String?
    @Flag(help: "Every stream with something to withdraw, ended ones too.") var all = false
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var node: NodeOptions

    func run() async throws {
        guard vmID != nil || all else {
            print("Specify --vm-id or --all")
            throw ExitCode.failure
        }
        let settings = try node.loadSettings()
        let (id, everything) = (vmID ?? "", all)
        let answer: Golem_Provider_Payments_V1_WithdrawResponse
        do {
            answer = try await ServiceCall.payments(settings) { client in
                try await client.withdraw(.with { $0.vmID = id; $0.all = everything },
                                          options: RPCEndpoints.callOptions(timeout: .seconds(settings.withdrawReceiptTimeoutSeconds * 4 + 30)))
            }
        } catch {
            try StreamsOutput.fail(error, json: json, vmID: vmID)
        }
        if json {
            StreamsOutput.print(.object([("withdrawals", .array(answer.withdrawals.map { w in
                .object([
                    ("vm_id", .string(w.vmID)), ("stream_id", .integer(w.streamID)),
                    ("status", .string(Self.statusName(w.status))),
                    ("tx_hash", w.txHash.isEmpty ? .null : .string(w.txHash)), ("amount_wei", .integer(w.amountWei)),
                    ("fee_wei", .integer(w.feeWei)), ("error", w.error.isEmpty ? .null : .string(w.error)),
                ])
            }))]))
        } else if answer.withdrawals.isEmpty {
            print("Nothing to withdraw")
        } else {
            for w in answer.withdrawals {
                if w.status == .confirmed {
                    print("Withdrew stream \(w.streamID) for VM \(w.vmID): tx=\(w.txHash) amount=\(w.amountWei) wei fee=\(w.feeWei) wei")
                } else {
                    print("Failed to withdraw stream \(w.streamID) for VM \(w.vmID): \(w.error)\(w.txHash.isEmpty ? "" : " (tx=\(w.txHash))")")
                }
            }
        }
        if answer.withdrawals.contains(where: { $0.status != .confirmed }) { throw ExitCode.failure }
    }

    static func statusName(_ status: Golem_Provider_Payments_V1_Withdrawal.Status) -> String {
        switch status {
        case .confirmed: "confirmed"
        case .reverted: "reverted"
        case .pending: "pending"
        default: "failed"
        }
    }
}

extension Decimal {
    /// Sums decimal wei strings exactly (Decimal keeps 38 digits; wei totals stay far below).
    static func sum(_ values: [String]) -> String {
        let total = values.compactMap { Decimal(string: $0) }.reduce(Decimal(0), +)
        return NSDecimalNumber(decimal: total).stringValue
    }
}
