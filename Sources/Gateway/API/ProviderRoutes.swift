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

    func streamStatus(_ id: String) async throws -> Response {
        do {
            _ = try await backends.payments.getStreamStatus(.with { $0.vmID = id }, options: backends.options)
            throw APIError(status: .notImplemented, detail: "stream status is not available in this build")
        } catch let error as RPCError where error.code == .failedPrecondition {
            throw APIError.badRequest(error.message)
        }
    }

    func streams() async throws -> Response {
        do {
            _ = try await backends.payments.listStreamStatuses(.init(), options: backends.options)
            throw APIError(status: .notImplemented, detail: "stream listing is not available in this build")
        } catch let error as RPCError where error.code == .failedPrecondition {
            throw APIError.badRequest(error.message)
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
