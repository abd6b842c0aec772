import Hummingbird
import NIOCore
import SmallyJSON

/// Every error a client can see. One JSON shape on every route, which is also OpenAI's:
/// `{"error": {"message", "type", "param", "code"}}`. Messages say what to fix and never carry
/// internal details (those go to the log).
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    /// Machine-readable category, e.g. `invalid_request_error`.
    public var type: String
    public var message: String
    /// The request field at fault, when there is one.
    public var param: String?
    /// A finer machine-readable code, e.g. `text_too_long`.
    public var code: String?
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, type: String, message: String, param: String? = nil,
                code: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.type = type
        self.message = message
        self.param = param
        self.code = code
        self.headers = headers
    }

    /// A refusal the client may retry after `seconds` (a `Retry-After` header).
    public static func retryable(_ status: HTTPResponse.Status, type: String, message: String, code: String,
                                 retryAfterSeconds seconds: Int) -> APIError {
        var headers = HTTPFields()
        headers[.retryAfter] = String(seconds)
        return APIError(status, type: type, message: message, code: code, headers: headers)
    }

    public static func invalidRequest(_ message: String, param: String? = nil, code: String = "invalid_request") -> APIError {
        APIError(.badRequest, type: "invalid_request_error", message: message, param: param, code: code)
    }

    public static func notFound(_ message: String) -> APIError {
        APIError(.notFound, type: "not_found_error", message: message, code: "not_found")
    }

    public static func tooLarge(_ message: String, param: String? = nil) -> APIError {
        APIError(.contentTooLarge, type: "invalid_request_error", message: message, param: param, code: "payload_too_large")
    }

    public static func overloaded(retryAfterSeconds: Int) -> APIError {
        retryable(.tooManyRequests, type: "overloaded_error", message: "The server is at capacity; retry after \(retryAfterSeconds) s.",
                  code: "server_overloaded", retryAfterSeconds: retryAfterSeconds)
    }

    /// Work that waited past the queue deadline (`SMALLY_MAX_QUEUE_MS`): 503, so that a client or a
    /// load balancer retries (elsewhere) instead of waiting for a late answer.
    public static func queueTimeout(waitedMilliseconds: Int, limitMilliseconds: Int, retryAfterSeconds: Int) -> APIError {
        retryable(.serviceUnavailable, type: "overloaded_error",
                  message: "The request waited \(waitedMilliseconds) ms for inference, longer than this server's limit of "
                      + "\(limitMilliseconds) ms; retry after \(retryAfterSeconds) s.",
                  code: "queue_timeout", retryAfterSeconds: retryAfterSeconds)
    }

    /// An address that sent too many wrong credentials (``AuthFailureThrottle``).
    public static func tooManyFailedAttempts(retryAfterSeconds: Int) -> APIError {
        retryable(.tooManyRequests, type: "rate_limit_error",
                  message: "Too many failed authentication attempts from this address; retry after \(retryAfterSeconds) s.",
                  code: "too_many_failed_attempts", retryAfterSeconds: retryAfterSeconds)
    }

    public static func unavailable(_ message: String) -> APIError {
        APIError(.serviceUnavailable, type: "unavailable_error", message: message, code: "unavailable")
    }

    public static let `internal` = APIError(.internalServerError, type: "internal_error",
                                            message: "The server failed to process the request.", code: "internal_error")

    public var body: [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        writer.key("error")
        writer.beginObject()
        writer.key("message"); writer.string(message)
        writer.key("type"); writer.string(type)
        writer.key("param"); if let param { writer.string(param) } else { writer.null() }
        writer.key("code"); if let code { writer.string(code) } else { writer.null() }
        writer.endObject()
        writer.endObject()
        return writer.bytes
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    public func response() -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
