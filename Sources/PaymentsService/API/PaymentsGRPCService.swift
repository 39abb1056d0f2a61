import Foundation
import GRPCCore
import Shared

/// The `golem.provider.payments.v1.PaymentsService` contract. The provider id is the wallet's address; stream
/// verification and the monitor come with the rest of the payments work: until then payments are reported off and
/// bindings are only recorded.
struct PaymentsGRPCService: Golem_Provider_Payments_V1_PaymentsService.SimpleServiceProtocol {
    static let zeroAddress = "0x0000000000000000000000000000000000000000"
    static let disabledMessage = "streaming payments not enabled on this provider"

    let bindings: StreamBindingStore
    let paymentsNetwork: String
    /// The provider id: the wallet's address (never the key).
    let providerID: String

    func getProviderInfo(request: Golem_Provider_Payments_V1_ProviderInfoRequest, context: ServerContext) async throws -> Golem_Provider_Payments_V1_ProviderInfo {
        .with {
            $0.providerID = providerID
            $0.streamPaymentAddress = Self.zeroAddress
            $0.glmTokenAddress = Self.zeroAddress
            $0.paymentsEnabled = false
            $0.paymentsNetwork = paymentsNetwork
        }
    }

    func verifyStream(request: Golem_Provider_Payments_V1_VerifyStreamRequest, context: ServerContext) async throws -> Golem_Provider_Payments_V1_VerifyStreamResponse {
        .with {
            $0.paymentsEnabled = false
            $0.ok = true
        }
    }

    func bindStream(request: Golem_Provider_Payments_V1_BindStreamRequest, context: ServerContext) async throws -> Golem_Provider_Payments_V1_Binding {
        guard !request.vmID.isEmpty, !request.streamID.isEmpty, request.streamID.allSatisfy(\.isASCIIDigit) else {
            throw RPCError(code: .invalidArgument, message: "vm_id and a decimal stream_id are required")
        }
        let binding = StreamBinding(vmID: request.vmID, streamID: request.streamID,
                                    boundAtMs: Int64(Date().timeIntervalSince1970 * 1000), finishedAtMs: nil)
        try bindings.save(binding)
        return binding.proto
    }

    func unbindStream(request: Golem_Provider_Payments_V1_UnbindStreamRequest, context: ServerContext) async throws -> Golem_Provider_Payments_V1_UnbindStreamResponse {
        let finished = try bindings.finish(vmID: request.vmID, at: Int64(Date().timeIntervalSince1970 * 1000))
        return .with { $0.unbound = finished }
    }

    func getStreamStatus(request: Golem_Provider_Payments_V1_StreamStatusRequest, context: ServerContext) async throws -> Golem_Provider_Payments_V1_StreamStatus {
        throw RPCError(code: .failedPrecondition, message: Self.disabledMessage)
    }

    func listStreamStatuses(request: Golem_Provider_Payments_V1_ListStreamStatusesRequest, context: ServerContext) async throws -> Golem_Provider_Payments_V1_ListStreamStatusesResponse {
        throw RPCError(code: .failedPrecondition, message: Self.disabledMessage)
    }
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

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
