import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SmallyCore

extension HTTPField.Name {
    static let requestID = Self("x-request-id")!
    static let queueTime = Self("x-queue-time")!
    static let inferenceTime = Self("x-inference-time")!
    static let cacheStatus = Self("x-cache")!
    static let contentTypeOptions = Self("x-content-type-options")!
}

/// Outermost middleware: gives every request an id (the client's `x-request-id` if it sent a
/// sane one), and turns every error — ours, the core's (``CoreError``, mapped by `APIError.init(_:)`),
/// Hummingbird's (404, 405, 413), or unexpected — into the one JSON error shape. Unexpected errors
/// are logged and answered with a generic 500.
/// Every response says `X-Content-Type-Options: nosniff`: a browser must not guess a type other
/// than the one we declare (our error bodies echo parts of the request).
struct ErrorAndRequestIDMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let metrics: ServerMetrics?
    let requestIDs = RequestIDGenerator()

    init(metrics: ServerMetrics?) {
        self.metrics = metrics
    }

    @concurrent func handle(_ request: Request, context: AppRequestContext, next: @concurrent (Request, AppRequestContext) async throws -> Response) async -> Response {
        var context = context
        let requestID = requestID(from: request)
        context.requestID = requestID
        let apiError: APIError
        do {
            // `request_id` reaches log lines through `RequestLogMetadata.provider`.
            var response = try await RequestLogMetadata.$requestID.withValue(requestID) { try await next(request, context) }
            response.headers.append(HTTPField(name: .requestID, value: requestID))
            response.headers.append(HTTPField(name: .contentTypeOptions, value: "nosniff"))
            return response
        } catch let error as APIError {
            apiError = error
        } catch let error as HTTPError {
            apiError = Self.translate(status: error.status, message: error.body)
        } catch let error as CoreError {
            apiError = APIError(error)
        } catch let error as any HTTPResponseError {
            apiError = Self.translate(status: error.status, message: nil)
        } catch is CancellationError {
            // Mostly a client that closed its connection while it waited (nginx's 499); nobody
            // reads this answer, but the status and the error metric say what happened.
            apiError = APIError(.init(code: 499, reasonPhrase: "Client Closed Request"), type: "cancelled",
                                message: "The request was cancelled.", code: "client_closed_request")
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))", "request_id": .string(requestID)])
            apiError = APIError.internal
        }
        metrics?.error(type: apiError.code ?? apiError.type)
        var response = apiError.response()
        response.headers[.requestID] = requestID
        response.headers[.contentTypeOptions] = "nosniff"
        return response
    }

    /// Hummingbird's own errors (unknown route, body over the limit, …) in the API's error shape.
    static func translate(status: HTTPResponse.Status, message: String?) -> APIError {
        switch status {
        case .notFound:
            return .notFound("No route matches this path; see GET /openapi.json for the API.")
        case .methodNotAllowed:
            return APIError(.methodNotAllowed, type: "invalid_request_error",
                            message: "This method is not allowed on this path.", code: "method_not_allowed")
        case .contentTooLarge:
            return .tooLarge("The request body is too large.")
        default:
            return APIError(status, type: status.code < 500 ? "invalid_request_error" : "internal_error",
                            message: message ?? status.reasonPhrase, code: "http_\(status.code)")
        }
    }

    /// Accept a client-chosen id only if it is short and printable, so it cannot inject into logs.
    func requestID(from request: Request) -> String {
        if let given = request.headers[.requestID], (1...128).contains(given.utf8.count),
           given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return given
        }
        return requestIDs.next()
    }
}
