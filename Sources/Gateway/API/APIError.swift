import Foundation
import GRPCCore
import HTTPTypes
import Hummingbird
import Shared

/// An HTTP error in the original's `{"detail": ...}` shape. Mapping from service errors happens here, once.
struct APIError: Error, Sendable {
    let status: HTTPResponse.Status
    let detail: String

    static func notFound(_ detail: String) -> APIError { APIError(status: .notFound, detail: detail) }
    static func badRequest(_ detail: String) -> APIError { APIError(status: .badRequest, detail: detail) }

    /// What a failed call to one of our services means for the HTTP caller.
    init(_ error: RPCError, service: String) {
        switch error.code {
        case .notFound: self.init(status: .notFound, detail: error.message)
        case .resourceExhausted where error.metadata[stringValues: AdmissionScope.metadataKey].contains(AdmissionScope.host):
            self.init(status: .serviceUnavailable, detail: error.message)
        case .alreadyExists, .failedPrecondition, .resourceExhausted: self.init(status: .conflict, detail: error.message)
        case .invalidArgument: self.init(status: .badRequest, detail: error.message)
        case .unavailable, .deadlineExceeded:
            self.init(status: .serviceUnavailable, detail: "\(service) is not reachable right now; try again in a few seconds")
        default: self.init(status: .internalServerError, detail: error.message)
        }
    }

    init(status: HTTPResponse.Status, detail: String) {
        self.status = status
        self.detail = detail
    }
}

/// Turns every error that leaves a route, the router's own 404/405 and a too-large body into `{"detail": ...}`.
struct DetailErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return JSONResponse.detail(error.detail, status: error.status)
        } catch let error as RPCError {
            let apiError = APIError(error, service: "a provider service")
            return JSONResponse.detail(apiError.detail, status: apiError.status)
        } catch let error as any HTTPResponseError {
            switch error.status {
            case .contentTooLarge:
                return JSONResponse.detail("request body is larger than \(maxBodyBytes) bytes", status: .contentTooLarge)
            case .notFound:
                return JSONResponse.detail("Not Found", status: .notFound)
            case .methodNotAllowed:
                return JSONResponse.detail("Method Not Allowed", status: .methodNotAllowed)
            default:
                return JSONResponse.detail(error.status.reasonPhrase, status: error.status)
            }
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(error)"])
            return JSONResponse.detail("An unexpected error occurred", status: .internalServerError)
        }
    }
}

enum JSONResponse {
    /// Sorted keys: the same answer is always the same bytes (the platform encoder's own order is random).
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return raw(ByteBuffer(bytes: data), status: status)
    }

    static func raw(_ body: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
    }

    static func detail(_ message: String, status: HTTPResponse.Status) -> Response {
        (try? make(DetailBody(detail: message), status: status))
            ?? raw(ByteBuffer(string: #"{"detail":"error"}"#), status: status)
    }
}

struct DetailBody: Encodable {
    let detail: String
}
