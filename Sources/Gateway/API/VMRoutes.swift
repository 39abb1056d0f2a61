import Foundation
import GRPCCore
import Hummingbird
import Logging
import Shared

/// The original node's VM routes (reference/original-provider.md 1.3), answered from the services' state.
struct VMRoutes<Context: RequestContext>: Sendable {
    let backends: Backends
    let catalog: NodeCatalog
    let settings: GatewaySettings
    let listCache = EncodedListCache()

    func register(on router: Router<Context>) {
        let vms = router.group("api/v1/vms")
        vms.post { request, context in try await create(request, context) }
        vms.get { _, _ in try await list() }
        vms.get("jobs/:job_id") { _, context in try await job(try context.parameters.require("job_id")) }
        vms.get(":id") { _, context in try await show(try context.parameters.require("id")) }
        vms.get(":id/access") { _, context in try await access(try context.parameters.require("id")) }
        vms.post(":id/stop") { _, context in try await stop(try context.parameters.require("id")) }
        vms.post(":id/start") { _, context in try await start(try context.parameters.require("id")) }
        vms.delete(":id") { _, context in try await delete(try context.parameters.require("id")) }
    }

    // MARK: Create

    func create(_ request: Request, _ context: Context) async throws -> Response {
        let body = try await request.body.collect(upTo: settings.maxRequestBodyBytes)
        let parsed = CreateVMRequestValidator.validate(Array(buffer: body), defaultImage: settings.defaultImage)
        let create: CreateVMRequest
        switch parsed {
        case .failure(let failure):
            return try JSONResponse.make(failure, status: .unprocessableContent)
        case .success(let value):
            create = value
        }
        try await checkPayment(create)
        if let streamID = create.streamID {
            do {
                _ = try await backends.payments.bindStream(.with {
                    $0.vmID = create.name
                    $0.streamID = streamID
                }, options: backends.options)
            } catch let error as RPCError where error.code == .failedPrecondition {
                throw APIError.badRequest(error.message)   // another create took the stream first
            } catch let error as RPCError {
                throw APIError(error, service: "the payments service")
            }
        }
        let created: Golem_Provider_Vm_V1_CreateResponse
        do {
            created = try await backends.call("the VM service") {
                try await backends.vms.create(.with {
                    $0.vmID = create.name
                    $0.resources = .with {
                        $0.cpu = UInt32(create.cpu)
                        $0.memoryGb = UInt32(create.memoryGB)
                        $0.storageGb = UInt32(create.storageGB)
                    }
                    $0.image = create.image
                    $0.sshPublicKey = create.sshKey
                }, options: backends.options)
            }
        } catch {
            // Nothing was created: the binding must not outlive the refusal.
            if create.streamID != nil {
                _ = try? await backends.payments.unbindStream(.with { $0.vmID = create.name }, options: backends.options)
            }
            throw error
        }
        catalog.vmUpdated(created.vm)
        context.logger.info("VM creation accepted", metadata: ["vm": "\(create.name)", "job": "\(created.job.jobID)"])
        if request.uri.queryParameters.get("async").map(Self.isTrue) ?? false {
            return try JSONResponse.make(
                CreateJobBody(jobID: created.job.jobID, vmID: create.name, status: "creating"), status: .accepted)
        }
        return try await waitUntilReachable(vmID: create.name, jobID: created.job.jobID)
    }

    private func checkPayment(_ create: CreateVMRequest) async throws {
        let verdict: Golem_Provider_Payments_V1_VerifyStreamResponse
        do {
            verdict = try await backends.payments.verifyStream(.with {
                $0.vmID = create.name
                $0.streamID = create.streamID ?? ""
                $0.resources = .with {
                    $0.cpu = UInt32(create.cpu)
                    $0.memoryGb = UInt32(create.memoryGB)
                    $0.storageGb = UInt32(create.storageGB)
                }
            }, options: backends.options)
        } catch let error as RPCError where error.message.hasPrefix("stream lookup failed") || error.message.hasPrefix("invalid stream") {
            // The chain, not our service: say so (503 to retry when it did not answer, 400 for a bad stream).
            throw APIError(status: error.code == .unavailable ? .serviceUnavailable : .badRequest, detail: error.message)
        } catch let error as RPCError {
            throw APIError(error, service: "the payments service")
        }
        guard verdict.paymentsEnabled else { return }
        guard create.streamID != nil else { throw APIError.badRequest("stream_id required when payments are enabled") }
        guard verdict.ok else { throw APIError.badRequest("invalid stream: \(verdict.reason)") }
    }

    /// Synchronous create: answers once the VM runs and its SSH port is exposed, or with the failure.
    private func waitUntilReachable(vmID: String, jobID: String) async throws -> Response {
        let deadline = ContinuousClock.now + .seconds(settings.syncCreateTimeoutSeconds)
        while ContinuousClock.now < deadline {
            let job = try await backends.call("the VM service") {
                try await backends.vms.getJob(.with { $0.jobID = jobID }, options: backends.options)
            }
            if job.status == .failed { throw APIError(status: .internalServerError, detail: job.error) }
            if job.status == .ready, let body = try await readyView(vmID) { return try JSONResponse.make(body) }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw APIError(status: .gatewayTimeout,
                       detail: "VM \(vmID) is still being created; follow it with GET /api/v1/vms/\(vmID)")
    }

    private func readyView(_ vmID: String) async throws -> VMInfoBody? {
        let body = try await view(vmID)
        return body.status == "running" ? body : nil
    }

    // MARK: Read

    func list() async throws -> Response {
        if let version = catalog.syncedVersion, let body = listCache.body(version: version) {
            return JSONResponse.raw(body)
        }
        if let (version, entries) = catalog.versionedList() {
            let body = ByteBuffer(bytes: try JSONResponse.encoder.encode(entries.map { VMInfoBody(vm: $0.0, mapping: $0.1) }))
            listCache.store(body, version: version)
            return JSONResponse.raw(body)
        }
        async let vms = backends.call("the VM service") { try await backends.vms.list(.init(), options: backends.options) }
        async let mappings = backends.call("the proxy service") { try await backends.proxy.list(.init(), options: backends.options) }
        let byVM = Dictionary(try await mappings.mappings.map { ($0.vmID, $0) }, uniquingKeysWith: { first, _ in first })
        let bodies = try await vms.vms.map { VMInfoBody(vm: $0, mapping: byVM[$0.id]) }
        return try JSONResponse.make(bodies)
    }

    func show(_ id: String) async throws -> Response {
        try JSONResponse.make(try await view(id))
    }

    func view(_ id: String) async throws -> VMInfoBody {
        switch catalog.lookup(id) {
        case .found(let vm, let mapping): return VMInfoBody(vm: vm, mapping: mapping)
        case .missing: throw APIError.notFound("VM \(id) not found")
        case .unknown: break
        }
        async let vm = backends.call("the VM service") {
            try await backends.vms.get(.with { $0.vmID = id }, options: backends.options)
        }
        async let mapping = backends.mapping(for: id)
        return VMInfoBody(vm: try await vm, mapping: try await mapping)
    }

    func job(_ id: String) async throws -> Response {
        let job = try await backends.call("the VM service") {
            try await backends.vms.getJob(.with { $0.jobID = id }, options: backends.options)
        }
        var status: String
        switch job.status {
        case .ready: status = "ready"
        case .failed: status = "failed"
        default: status = "creating"
        }
        // "ready" only once the VM can be reached, as for GET /vms/{id}.
        if status == "ready", (try? await readyView(job.vmID)) == nil { status = "creating" }
        return try JSONResponse.make(JobBody(
            jobID: job.jobID, vmID: job.vmID, status: status, error: job.error.isEmpty ? nil : job.error,
            createdAt: Timestamps.utcWithOffset(milliseconds: job.createdAtUnixMs),
            updatedAt: Timestamps.utcWithOffset(milliseconds: job.updatedAtUnixMs)))
    }

    func access(_ id: String) async throws -> Response {
        let machine: Golem_Provider_Vm_V1_VM
        let mapping: Golem_Provider_Proxy_V1_PortMapping?
        switch catalog.lookup(id) {
        case .found(let vm, let port):
            (machine, mapping) = (vm, port)
        case .missing:
            throw APIError.notFound("VM \(id) not found")
        case .unknown:
            async let vm = backends.call("the VM service") {
                try await backends.vms.get(.with { $0.vmID = id }, options: backends.options)
            }
            async let port = backends.mapping(for: id)
            (machine, mapping) = (try await vm, try await port)
        }
        guard let port = mapping, port.listening else {
            return try JSONResponse.make(AccessPendingBody(vmID: id, multipassName: machine.hypervisorName), status: .accepted)
        }
        return try JSONResponse.make(AccessBody(
            sshHost: settings.publicIP ?? "localhost", sshPort: Int(port.publicPort), vmID: id,
            multipassName: machine.hypervisorName))
    }

    // MARK: Change

    func stop(_ id: String) async throws -> Response {
        let vm = try await backends.call("the VM service") {
            try await backends.vms.stop(.with { $0.vmID = id }, options: RPCEndpoints.callOptions(timeout: .seconds(330)))
        }
        catalog.vmUpdated(vm)
        return try JSONResponse.make(VMInfoBody(vm: vm, mapping: try await backends.mapping(for: id)))
    }

    func start(_ id: String) async throws -> Response {
        let vm = try await backends.call("the VM service") {
            try await backends.vms.start(.with { $0.vmID = id }, options: RPCEndpoints.callOptions(timeout: .seconds(900)))
        }
        catalog.vmUpdated(vm)
        // The proxy follows the VM's new endpoint through its watch; give it a moment so the answer has the port.
        var mapping = try await backends.mapping(for: id)
        for _ in 0..<25 where vm.state == .running && !(mapping?.listening ?? false) {
            try await Task.sleep(for: .milliseconds(40))
            mapping = try await backends.mapping(for: id)
        }
        return try JSONResponse.make(VMInfoBody(vm: vm, mapping: mapping))
    }

    func delete(_ id: String) async throws -> Response {
        let deleted = try await backends.call("the VM service") {
            try await backends.vms.delete(.with { $0.vmID = id }, options: RPCEndpoints.callOptions(timeout: .seconds(330)))
        }
        catalog.vmDeleted(deleted.vm)
        // The proxy also releases ports of deleted VMs through its watch; this call makes it immediate.
        _ = try? await backends.proxy.release(.with { $0.vmID = id }, options: backends.options)
        _ = try? await backends.payments.unbindStream(.with { $0.vmID = id }, options: backends.options)
        return JSONResponse.raw(ByteBuffer(string: "null"))
    }

    static func isTrue(_ text: String) -> Bool {
        ["1", "true", "yes", "on"].contains(text.lowercased())
    }
}
