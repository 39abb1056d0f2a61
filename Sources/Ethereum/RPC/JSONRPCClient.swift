import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// JSON-RPC 2.0 over HTTP with a timeout per request, retries with exponential backoff for transient failures
/// (connection errors, timeouts, HTTP 429 and 5xx), and batches (many calls in one request, answers by id).
/// A JSON-RPC error answer (a revert, a bad nonce) is final and never retried.
public struct JSONRPCClient: Sendable {
    public struct Options: Sendable {
        public var timeout: Duration = .seconds(10)
        public var attempts = 3
        public var initialBackoff: Duration = .milliseconds(200)
        public var maxBackoff: Duration = .seconds(2)
        public init() {}
    }

    public let url: String
    let http: HTTPClient
    let options: Options

    /// An HTTP client for RPC nodes: a refused or failed connection fails the request at once (AsyncHTTPClient
    /// would otherwise keep reconnecting until the request's deadline), so the retries here decide the pace.
    public static let rpcHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(3)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    public init(url: String, http: HTTPClient = JSONRPCClient.rpcHTTPClient, options: Options = Options()) {
        self.url = url
        self.http = http
        self.options = options
    }

    public func call(_ method: String, _ params: [JSON] = []) async throws(JSONRPCError) -> JSON {
        let answers = try await batch([(method, params)])
        return try answers[0].get()
    }

    /// One HTTP request for all calls; each answer is the call's result or its own error, in the calls' order.
    public func batch(_ calls: [(method: String, params: [JSON])]) async throws(JSONRPCError) -> [Result<JSON, JSONRPCError>] {
        guard !calls.isEmpty else { return [] }
        let requests = calls.enumerated().map { index, call in
            JSON.object(["jsonrpc": .string("2.0"), "id": .number(Double(index + 1)), "method": .string(call.method), "params": .array(call.params)])
        }
        let body: Data
        do { body = try JSONEncoder().encode(calls.count == 1 ? requests[0] : .array(requests)) } catch {
            throw .malformed("cannot encode the request: \(error)")
        }
        let answer = try await postWithRetries(body)
        let entries: [JSON] = if case .array(let list) = answer { list } else { [answer] }
        var byID: [Int: JSON] = [:]
        for entry in entries {
            guard case .number(let id)? = entry["id"] else {
                if let error = entry["error"] { throw JSONRPCError.from(error) }
                throw .malformed("an answer without an id")
            }
            byID[Int(id)] = entry
        }
        return (1...calls.count).map { id in
            guard let entry = byID[id] else { return .failure(.malformed("no answer for call \(id) (\(calls[id - 1].method))")) }
            if let error = entry["error"], !error.isNull { return .failure(JSONRPCError.from(error)) }
            guard let result = entry["result"] else { return .failure(.malformed("an answer with neither result nor error")) }
            return .success(result)
        }
    }

    private func postWithRetries(_ body: Data) async throws(JSONRPCError) -> JSON {
        var backoff = options.initialBackoff
        var attempt = 1
        while true {
            do {
                return try await post(body)
            } catch let error where error.isTransient && attempt < options.attempts {
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, options.maxBackoff)
                attempt += 1
            }
        }
    }

    private func post(_ body: Data) async throws(JSONRPCError) -> JSON {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let bytes: ByteBuffer
        let status: HTTPResponseStatus
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(Int64(options.timeout.components.seconds) * 1_000_000_000
                + options.timeout.components.attoseconds / 1_000_000_000))
            status = response.status
            bytes = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw .transport("\(url): \(error)")
        }
        if status == .tooManyRequests || status.code >= 500 { throw .transport("\(url) answered HTTP \(status.code)") }
        guard status == .ok else { throw .malformed("\(url) answered HTTP \(status.code)") }
        do { return try JSONDecoder().decode(JSON.self, from: Data(bytes.readableBytesView)) } catch {
            throw .malformed("\(url) answered something that is not JSON")
        }
    }
}

public enum JSONRPCError: Error, Equatable, CustomStringConvertible {
    /// The node answered with an error object (code 3 is a revert; `data` carries its ABI-encoded reason).
    case server(code: Int, message: String, data: String?)
    /// The node could not be reached or timed out, or answered 429/5xx: worth another try later.
    case transport(String)
    /// The answer was not what JSON-RPC promises.
    case malformed(String)

    public var isTransient: Bool { if case .transport = self { true } else { false } }

    static func from(_ error: JSON) -> JSONRPCError {
        let code: Int = if case .number(let value)? = error["code"] { Int(value) } else { 0 }
        return .server(code: code, message: error["message"]?.string ?? "", data: error["data"]?.string)
    }

    public var description: String {
        switch self {
        case .server(let code, let message, _): "JSON-RPC error \(code): \(message)"
        case .transport(let message): "RPC not reachable: \(message)"
        case .malformed(let message): "malformed RPC answer: \(message)"
        }
    }
}
