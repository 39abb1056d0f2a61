import Foundation
import Hummingbird
import NIOCore

/// A request context that knows the caller's address (the default one does not).
struct PortCheckRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// `POST /check-ports`: rate limit, then who may be probed, then every port concurrently.
struct CheckPortsRoute: Sendable {
    let probe: PortProbe
    let policy: TargetPolicy
    let limiter: SourceRateLimiter
    let maxPorts: Int
    /// Concurrent connection attempts per request, to stay clear of the open-files limit.
    let concurrency = 256

    func handle(_ request: Request, context: PortCheckRequestContext) async throws -> Response {
        let peer = context.remoteAddress?.ipAddress
        if let peer, let retryAfter = limiter.admit(peer) {
            var response = Self.json(status: .tooManyRequests, [
                "detail": "too many requests from \(peer): at most \(limiter.perMinute) per minute; retry in \(retryAfter) s",
            ])
            response.headers[.retryAfter] = String(retryAfter)
            return response
        }
        let body = try await request.body.collect(upTo: 256 * 1024)
        let parsed: CheckPortsRequest
        do {
            parsed = try CheckPortsRequest.parse(Data(body.readableBytesView), maxPorts: maxPorts)
        } catch {
            return Self.json(status: .unprocessableContent, error.body)
        }
        let host: String
        switch policy.target(requested: parsed.providerIP, peer: peer, presentedToken: request.headers[.init("X-Port-Check-Token")!]) {
        case .probe(let target): host = target
        case .refuse(let status, let detail): return Self.json(status: .init(code: status), ["detail": detail])
        }
        let outcomes = await check(host: host, ports: parsed.ports, proofKey: parsed.proofKey)
        let reachable = outcomes.values.filter(\.isAccessible).count
        let results = outcomes.reduce(into: [String: Any]()) { results, entry in
            results[String(entry.key)] = ["accessible": entry.value.isAccessible, "error": entry.value.error ?? NSNull()] as [String: Any]
        }
        context.logger.info("checked ports", metadata: [
            "target": "\(host)", "ports": "\(parsed.ports.count)", "reachable": "\(reachable)", "proof": "\(parsed.proofKey != nil)",
        ])
        var answer: [String: Any] = [
            "success": reachable > 0,
            "results": results,
            "message": "Successfully verified \(reachable) out of \(parsed.ports.count) ports",
        ]
        // Only when asked, so the original's clients see exactly the original's keys.
        if parsed.proofKey != nil { answer["proof_checked"] = true }
        return Self.json(status: .ok, answer)
    }

    private func check(host: String, ports: [Int], proofKey: String?) async -> [Int: ProbeOutcome] {
        await withTaskGroup(of: (Int, ProbeOutcome).self) { group in
            var outcomes: [Int: ProbeOutcome] = [:]
            var pending = ports.makeIterator()
            func startNext() {
                guard let port = pending.next() else { return }
                group.addTask {
                    guard let address = try? SocketAddress(ipAddress: host, port: port) else { return (port, .failed("bad address")) }
                    return (port, await probe.check(address, proofKey: proofKey))
                }
            }
            for _ in 0..<concurrency { startNext() }
            for await (port, outcome) in group {
                outcomes[port] = outcome
                startNext()
            }
            return outcomes
        }
    }

    static func json(status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
