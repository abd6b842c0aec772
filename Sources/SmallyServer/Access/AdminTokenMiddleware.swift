import HTTPTypes
import Hummingbird
import SmallyAccounts

/// Guards the admin routes: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time (over
/// SHA-256 digests). A group middleware (see ``AccessRouter``), so it also guards the admin
/// paths' 405 answers: without the token nobody learns which admin routes exist.
///
/// Failed attempts are counted (`smally_admin_auth_failures_total`), logged with the client's
/// address (never what was presented), and charged to the address in the shared
/// ``AuthFailureThrottle``.
struct AdminTokenMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    /// `ADMIN_TOKEN` must be at least this long (checked at start).
    static let minimumTokenLength = 32

    let expected: [UInt8]
    let throttle: AuthFailureThrottle
    let metrics: SecurityMetrics

    init(token: String, throttle: AuthFailureThrottle, metrics: SecurityMetrics) {
        expected = Array(APIKeyFormat.hash(token).utf8)
        self.throttle = throttle
        self.metrics = metrics
    }

    @concurrent func handle(_ request: Request, context: AppRequestContext,
                next: @concurrent (Request, AppRequestContext) async throws -> Response) async throws -> Response {
        if throttle.isTracking, let seconds = throttle.retryAfter(context.clientAddress) {
            metrics.throttled(.adminToken)
            throw APIError.tooManyFailedAttempts(retryAfterSeconds: seconds)
        }
        let presented = APIKeyMiddleware.presentedKey(request) ?? ""
        let digest = Array(APIKeyFormat.hash(presented).utf8)
        var difference: UInt8 = 0
        for (a, b) in zip(digest, expected) { difference |= a ^ b }
        guard !presented.isEmpty, difference == 0 else {
            metrics.adminFailures.increment()
            let address = context.clientAddress
            let blocked = throttle.recordFailure(address)
            context.logger.warning("admin token refused", metadata: [
                "client": "\(address)", "presented": "\(presented.isEmpty ? "nothing" : "a wrong token")",
                "method": "\(request.method.rawValue)", "route": "\(context.endpointPath ?? "")",
            ])
            if blocked {
                context.logger.warning("client address throttled after repeated failed admin tokens", metadata: ["client": "\(address)"])
            }
            var headers = HTTPFields()
            headers[.wwwAuthenticate] = "Bearer"
            throw APIError(.unauthorized, type: "invalid_request_error", message: "Invalid or missing admin token.",
                           code: "invalid_admin_token", headers: headers)
        }
        return try await next(request, context)
    }
}
