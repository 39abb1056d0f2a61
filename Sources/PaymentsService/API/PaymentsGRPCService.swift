import Ethereum
import Foundation
import GRPCCore
import Shared

/// The `golem.provider.payments.v1.PaymentsService` contract: the gate before a VM is created, the VM ↔ stream
/// bindings, stream status for the REST API and the CLI, withdrawals, and the wallet. With payments off (the
/// operator set a zero StreamPayment address) the gate lets every VM through and the stream calls answer
/// FAILED_PRECONDITION with the original's message.
struct PaymentsGRPCService: Golem_Provider_Payments_V1_PaymentsService.SimpleServiceProtocol {
    static let disabledMessage = "streaming payments not enabled on this provider"

    let bindings: StreamBindingStore
    let ledger: WithdrawalLedger
    let paymentsNetwork: String
    let provider: Address
    let node: EthereumNode?
    /// nil when payments are off.
    let chain: PaymentsChain?
    let vms: VMServiceClient

    func getProviderInfo(request: Golem_Provider_Payments_V1_ProviderInfoRequest, context: ServerContext) async throws -> Golem_Provider_Payments_V1_ProviderInfo {
        .with {
            $0.providerID = provider.checksummed
            $0.streamPaymentAddress = (chain?.deployment.streamPayment ?? .zero).checksummed
            $0.glmTokenAddress = (chain?.deployment.token ?? .zero).checksummed
            $0.paymentsEnabled = chain != nil
            $0.paymentsNetwork = paymentsNetwork
        }
    }

    func verifyStream(request: Golem_Provider_Payments_V1_VerifyStreamRequest, context: ServerContext) async throws -> Golem_Provider_Payments_V1_VerifyStreamResponse {
        guard let chain else { return .with { $0.paymentsEnabled = false; $0.ok = true } }
        func refused(_ reason: String) -> Golem_Provider_Payments_V1_VerifyStreamResponse {
            .with { $0.paymentsEnabled = true; $0.ok = false; $0.reason = reason }
        }
        guard !request.streamID.isEmpty else { return refused("stream_id required when payments are enabled") }
        guard let streamID = try? UInt256(decimal: request.streamID) else {
            return refused("stream_id must be a whole number below 2^256, got \(request.streamID)")
        }
        let (stream, now) = try await chain.readOne(streamID)
        let bound = try bindings.activeBinding(streamID: streamID.description).map(\.vmID).flatMap { $0 == request.vmID ? nil : $0 }
        let minimumRate = chain.price?.minimumRate(
            cpu: request.resources.cpu, memoryGB: request.resources.memoryGb, storageGB: request.resources.storageGb) ?? .zero
        if let reason = chain.gate.refusal(for: stream, streamID: streamID, at: now, minimumRate: minimumRate, boundTo: bound) {
            return refused(reason)
        }
        return .with { $0.paymentsEnabled = true; $0.ok = true }
    }

    func bindStream(request: Golem_Provider_Payments_V1_BindStreamRequest, context: ServerContext) async throws -> Golem_Provider_Payments_V1_Binding {
        guard !request.vmID.isEmpty, let streamID = try? UInt256(decimal: request.streamID) else {
            throw RPCError(code: .invalidArgument, message: "vm_id and a decimal stream_id are required")
        }
        if let existing = try bindings.binding(vmID: request.vmID), existing.isLive {
            guard try await !vmExists(request.vmID) else {
                throw RPCError(code: .alreadyExists, message: "VM \(request.vmID) already exists (paid by stream \(existing.streamID))")
            }
            // Left by a create that was interrupted before its VM existed: it must not block the name or the stream.
            _ = try bindings.finish(vmID: request.vmID, at: Self.nowMs, reason: "VM never created")
        }
        switch try bindings.bind(vmID: request.vmID, streamID: streamID.description, at: Self.nowMs) {
        case .bound(let binding): return binding.proto
        case .streamTaken(let other):
            throw RPCError(code: .failedPrecondition, message: "invalid stream: stream already pays for VM \(other)")
        }
    }

    func unbindStream(request: Golem_Provider_Payments_V1_UnbindStreamRequest, context: ServerContext) async throws -> Golem_Provider_Payments_V1_UnbindStreamResponse {
        let finished = try bindings.finish(vmID: request.vmID, at: Self.nowMs)
        return .with { $0.unbound = finished }
    }

    func getStreamStatus(request: Golem_Provider_Payments_V1_StreamStatusRequest, context: ServerContext) async throws -> Golem_Provider_Payments_V1_StreamStatus {
        guard let chain else { throw RPCError(code: .failedPrecondition, message: Self.disabledMessage) }
        guard let binding = try bindings.binding(vmID: request.vmID) else {
            throw RPCError(code: .notFound, message: "no stream mapped for this VM")
        }
        let status = try await chain.statuses(of: [binding])[0]
        if !status.error.isEmpty { throw RPCError(code: .unavailable, message: "stream lookup failed: \(status.error)") }
        return status
    }

    func listStreamStatuses(request: Golem_Provider_Payments_V1_ListStreamStatusesRequest, context: ServerContext) async throws -> Golem_Provider_Payments_V1_ListStreamStatusesResponse {
        guard let chain else { throw RPCError(code: .failedPrecondition, message: Self.disabledMessage) }
        let selected = try bindings.all().filter { request.includeFinished || $0.isLive }
        let statuses = try await chain.statuses(of: selected)
        return .with { $0.streams = statuses }
    }

    func withdraw(request: Golem_Provider_Payments_V1_WithdrawRequest, context: ServerContext) async throws -> Golem_Provider_Payments_V1_WithdrawResponse {
        guard let chain else { throw RPCError(code: .failedPrecondition, message: Self.disabledMessage) }
        let selected: [StreamBinding]
        if request.all {
            selected = try bindings.all()
        } else {
            guard !request.vmID.isEmpty else { throw RPCError(code: .invalidArgument, message: "Specify --vm-id or --all") }
            guard let binding = try bindings.binding(vmID: request.vmID) else {
                throw RPCError(code: .notFound, message: "no stream mapped for VM \(request.vmID)")
            }
            selected = [binding]
        }
        let records = try await chain.withdrawDue(selected, explicitVM: request.all ? nil : request.vmID)
        return .with { $0.withdrawals = records.map(\.proto) }
    }

    func listWithdrawals(request: Golem_Provider_Payments_V1_ListWithdrawalsRequest, context: ServerContext) async throws -> Golem_Provider_Payments_V1_ListWithdrawalsResponse {
        let records = try ledger.all()
        return .with { $0.withdrawals = records.map(\.proto) }
    }

    func getWallet(request: Golem_Provider_Payments_V1_WalletRequest, context: ServerContext) async throws -> Golem_Provider_Payments_V1_Wallet {
        guard let node else { throw RPCError(code: .failedPrecondition, message: "no RPC URL for payments network \(paymentsNetwork): set GOLEM_PROVIDER_L2_RPC_URL") }
        do {
            async let balance = node.balance(of: provider)
            async let chainID = node.chainID()
            let (wei, id) = try await (balance, chainID)
            return .with {
                $0.address = provider.checksummed
                $0.balanceWei = wei.description
                $0.chainID = id
                $0.paymentsNetwork = paymentsNetwork
            }
        } catch {
            throw RPCError(code: .unavailable, message: "the payments chain did not answer (\(node.rpc.url)): \(error)")
        }
    }

    private func vmExists(_ vmID: String) async throws -> Bool {
        do {
            _ = try await vms.get(.with { $0.vmID = vmID }, options: RPCEndpoints.callOptions(timeout: .seconds(5), waitForReady: true))
            return true
        } catch let error as RPCError where error.code == .notFound {
            return false
        } catch {
            throw RPCError(code: .unavailable, message: "golem-vm did not answer whether VM \(vmID) exists: \(error)")
        }
    }

    static var nowMs: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

extension StreamBinding {
    var proto: Golem_Provider_Payments_V1_Binding {
        .with {
            $0.vmID = vmID
            $0.streamID = streamID
            $0.boundAtUnixMs = boundAtMs
            $0.finishedAtUnixMs = finishedAtMs ?? 0
        }
    }
}

extension WithdrawalRecord {
    var proto: Golem_Provider_Payments_V1_Withdrawal {
        .with {
            $0.vmID = vmID
            $0.streamID = streamID
            $0.txHash = txHash ?? ""
            $0.amountWei = amountWei
            $0.feeWei = feeWei
            $0.status = switch status {
            case .confirmed: .confirmed
            case .reverted: .reverted
            case .failed: .failed
            case .pending: .pending
            }
            $0.error = error ?? ""
            $0.atUnixMs = atMs
            $0.initiator = initiator
        }
    }
}
