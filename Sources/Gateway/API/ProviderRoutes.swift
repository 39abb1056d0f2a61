import Foundation
import GRPCCore
import Hummingbird
import Shared

/// Provider-level routes: `/provider/info`, the payment stream routes, and `/health`.
struct ProviderRoutes<Context: RequestContext>: Sendable {
    let backends: Backends
    let settings: GatewaySettings

    func register(on router: Router<Context>) {
        router.get("api/v1/provider/info") { _, _ in try await providerInfo() }
        router.get("api/v1/vms/:id/stream") { _, context in try await streamStatus(try context.parameters.require("id")) }
        router.get("api/v1/payments/streams") { _, _ in try await streams() }
        router.get("health") { _, _ in await health() }
    }

    func providerInfo() async throws -> Response {
        let info = try await backends.call("the payments service") {
            try await backends.payments.getProviderInfo(.init(), options: backends.options)
        }
        return try JSONResponse.make(ProviderInfoBody(
            providerID: info.providerID, streamPaymentAddress: info.streamPaymentAddress,
            glmTokenAddress: info.glmTokenAddress, ipAddress: settings.publicIP, country: settings.country,
            platform: Platform.current))
    }

    /// The original's StreamStatus of the VM's stream: 400 with payments off, 404 without a mapping, 502 when the
    /// chain cannot be read.
    func streamStatus(_ id: String) async throws -> Response {
        let status = try await streamCall {
            try await backends.payments.getStreamStatus(.with { $0.vmID = id }, options: backends.options)
        }
        return JSONResponse.raw(ByteBuffer(string: StreamStatusJSON.status(status).rendered()))
    }

    /// Every live VM's stream; like the original, a stream that cannot be read is left out of the list.
    func streams() async throws -> Response {
        let answer = try await streamCall {
            try await backends.payments.listStreamStatuses(.init(), options: backends.options)
        }
        let list = OrderedJSON.array(answer.streams.filter { $0.error.isEmpty }.map(StreamStatusJSON.status))
        return JSONResponse.raw(ByteBuffer(string: list.rendered()))
    }

    private func streamCall<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RPCError where error.code == .failedPrecondition {
            throw APIError.badRequest(error.message)
        } catch let error as RPCError where error.message.hasPrefix("stream lookup failed") {
            throw APIError(status: .badGateway, detail: error.message)
        } catch let error as RPCError {
            throw APIError(error, service: "the payments service")
        }
    }

    /// 200 while the gateway serves; `status` says whether every service behind it answers.
    func health() async -> Response {
        let results = await withTaskGroup(of: (String, String).self) { group in
            for (name, client) in backends.health {
                group.addTask {
                    do {
                        _ = try await client.check(.init(), options: RPCEndpoints.callOptions(timeout: .seconds(2)))
                        return (name, "ok")
                    } catch {
                        return (name, "unavailable")
                    }
                }
            }
            var answers: [String: String] = [:]
            for await (name, state) in group { answers[name] = state }
            return answers
        }
        let healthy = results.values.allSatisfy { $0 == "ok" }
        return (try? JSONResponse.make(HealthBody(status: healthy ? "ok" : "degraded", services: results)))
            ?? JSONResponse.detail("health unavailable", status: .internalServerError)
    }
}

enum Platform {
    /// The original's mapping: arm → arm64, x86_64/amd64/x64 → x86_64, anything else as the kernel says.
    static let current: String = {
        var name = utsname()
        uname(&name)
        let machine = withUnsafeBytes(of: &name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if machine.contains("arm") || machine == "aarch64" { return "arm64" }
        if ["x86_64", "amd64", "x64"].contains(where: machine.contains) { return "x86_64" }
        return machine
    }()
}

struct HealthBody: Encodable {
    let status: String
    let services: [String: String]
}
