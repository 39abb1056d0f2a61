import Foundation
import GRPCCore
import Shared

/// The `golem.provider.vm.v1.VMService` contract on top of VMLifecycle; nothing but translation happens here.
struct VMGRPCService: Golem_Provider_Vm_V1_VMService.SimpleServiceProtocol {
    typealias Proto = Golem_Provider_Vm_V1_VM

    let lifecycle: VMLifecycle
    let store: VMStore
    let events: VMEventHub
    let defaultImage: String

    func create(request: Golem_Provider_Vm_V1_CreateRequest, context: ServerContext) async throws -> Golem_Provider_Vm_V1_CreateResponse {
        try await translatingErrors {
            let resources = request.resources
            guard !request.vmID.isEmpty, resources.cpu > 0, resources.memoryGb > 0, resources.storageGb > 0,
                  !request.sshPublicKey.isEmpty
            else { throw VMServiceError.invalidRequest("vm_id, resources and ssh_public_key are required") }
            // The key reaches cloud-init: parse it here too, whoever the caller is.
            let key: SSHPublicKey
            do { key = try SSHPublicKey(parsing: request.sshPublicKey) } catch {
                throw VMServiceError.invalidRequest("ssh_public_key: \(error)")
            }
            let (vm, job) = try await lifecycle.create(
                id: request.vmID, cpu: Int(resources.cpu), memoryGB: Int(resources.memoryGb),
                storageGB: Int(resources.storageGb), image: request.image.isEmpty ? defaultImage : request.image,
                sshPublicKey: key.line)
            return .with {
                $0.vm = vm.proto
                $0.job = job.proto
            }
        }
    }

    func get(request: Golem_Provider_Vm_V1_GetRequest, context: ServerContext) async throws -> Proto {
        try await translatingErrors {
            guard let vm = try store.vm(request.vmID) else { throw VMServiceError.notFound(vmID: request.vmID) }
            return vm.proto
        }
    }

    func list(request: Golem_Provider_Vm_V1_ListRequest, context: ServerContext) async throws -> Golem_Provider_Vm_V1_ListResponse {
        try await translatingErrors {
            let vms = try store.vms()
            return .with { $0.vms = vms.map(\.proto) }
        }
    }

    func stop(request: Golem_Provider_Vm_V1_StopRequest, context: ServerContext) async throws -> Proto {
        try await translatingErrors { try await lifecycle.stop(request.vmID).proto }
    }

    func start(request: Golem_Provider_Vm_V1_StartRequest, context: ServerContext) async throws -> Proto {
        try await translatingErrors { try await lifecycle.start(request.vmID).proto }
    }

    func delete(request: Golem_Provider_Vm_V1_DeleteRequest, context: ServerContext) async throws -> Golem_Provider_Vm_V1_DeleteResponse {
        try await translatingErrors {
            let vm = try await lifecycle.delete(request.vmID)
            return .with { $0.vm = vm.proto }
        }
    }

    func getJob(request: Golem_Provider_Vm_V1_GetJobRequest, context: ServerContext) async throws -> Golem_Provider_Vm_V1_Job {
        try await translatingErrors {
            guard let job = try store.job(request.jobID) else { throw VMServiceError.jobNotFound(jobID: request.jobID) }
            return job.proto
        }
    }

    func watch(
        request: Golem_Provider_Vm_V1_WatchRequest,
        response: RPCWriter<Golem_Provider_Vm_V1_VMEvent>,
        context: ServerContext
    ) async throws {
        try await events.serveWatch(
            snapshot: { try store.vms() },
            existing: { vm in try await response.write(.with { $0.kind = .existing; $0.vm = vm.proto }) },
            synced: { try await response.write(.with { $0.kind = .synced }) },
            change: { change in
                try await response.write(.with {
                    switch change {
                    case .updated(let vm): $0.kind = .updated; $0.vm = vm.proto
                    case .deleted(let vm): $0.kind = .deleted; $0.vm = vm.proto
                    }
                })
            })
    }

    private func translatingErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as VMServiceError {
            throw RPCError(code: error.rpcCode, message: error.description, metadata: error.rpcMetadata)
        } catch let error as RPCError {
            throw error
        } catch {
            throw RPCError(code: .internalError, message: "\(error)")
        }
    }
}

extension VMServiceError {
    var rpcCode: RPCError.Code {
        switch self {
        case .notFound, .jobNotFound: .notFound
        case .alreadyExists: .alreadyExists
        case .limitReached, .insufficientResources: .resourceExhausted
        case .busy: .failedPrecondition
        case .invalidRequest: .invalidArgument
        case .driverFailed: .internalError
        }
    }
}

extension VMServiceError {
    /// Tells the gateway that the host as a whole is full (503) rather than this request too big (409).
    var rpcMetadata: Metadata {
        switch self {
        case .limitReached: [AdmissionScope.metadataKey: .string(AdmissionScope.host)]
        case .insufficientResources(_, let hostWide, _):
            [AdmissionScope.metadataKey: .string(hostWide ? AdmissionScope.host : AdmissionScope.request)]
        default: [:]
        }
    }
}

extension VMRecord {
    var proto: Golem_Provider_Vm_V1_VM {
        .with {
            $0.id = id
            $0.hypervisorName = hypervisorName
            $0.state = state.proto
            $0.resources = .with {
                $0.cpu = UInt32(cpu)
                $0.memoryGb = UInt32(memoryGB)
                $0.storageGb = UInt32(storageGB)
            }
            $0.image = image
            $0.ipAddress = ipAddress ?? ""
            if let sshHost, let sshPort {
                $0.sshEndpoint = .with {
                    $0.host = sshHost
                    $0.port = UInt32(sshPort)
                }
            }
            $0.errorMessage = errorMessage ?? ""
            $0.createdAtUnixMs = createdAtMs
            $0.updatedAtUnixMs = updatedAtMs
        }
    }
}

extension VMState {
    var proto: Golem_Provider_Vm_V1_VMState {
        switch self {
        case .creating: .creating
        case .running: .running
        case .stopping: .stopping
        case .stopped: .stopped
        case .error: .error
        case .deleted: .deleted
        }
    }
}

extension JobRecord {
    var proto: Golem_Provider_Vm_V1_Job {
        .with {
            $0.jobID = jobID
            $0.vmID = vmID
            $0.status = switch status {
            case .creating: .creating
            case .ready: .ready
            case .failed: .failed
            }
            $0.error = error ?? ""
            $0.createdAtUnixMs = createdAtMs
            $0.updatedAtUnixMs = updatedAtMs
        }
    }
}
