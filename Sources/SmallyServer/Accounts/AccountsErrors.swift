import Foundation
import HTTPTypes
import Hummingbird
import SmallyAccounts
import SmallyJSON

extension HTTPField.Name {
    static let rateLimitLimitRequests = Self("x-ratelimit-limit-requests")!
    static let rateLimitRemainingRequests = Self("x-ratelimit-remaining-requests")!
    static let rateLimitResetRequests = Self("x-ratelimit-reset-requests")!
    static let rateLimitLimit = Self("X-RateLimit-Limit")!
    static let rateLimitRemaining = Self("X-RateLimit-Remaining")!
    static let rateLimitReset = Self("X-RateLimit-Reset")!
    static let adminAPIKey = Self("x-api-key")!
}

extension APIError {
    /// The one answer for a missing, malformed, unknown, revoked or expired key: it says nothing
    /// about which, so it cannot be used to probe keys.
    static var invalidAPIKey: APIError {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = "Bearer"
        return APIError(.unauthorized, type: "invalid_request_error",
                        message: "Invalid or missing API key. Send a valid key as 'Authorization: Bearer <key>'.",
                        code: "invalid_api_key", headers: headers)
    }

    static func rateLimited(_ decision: LimitDecision, now: Date) -> APIError {
        rateLimited(limit: decision.limit, resetAt: decision.resetAt, retryAfterSeconds: decision.secondsUntilReset(from: now))
    }

    static func rateLimited(limit: Int, resetAt: Date, retryAfterSeconds seconds: Int) -> APIError {
        .retryable(.tooManyRequests, type: "rate_limit_error",
                   message: "Rate limit reached: \(limit) requests per minute for this API key. "
                       + "Retry after \(seconds) s (resets at \(JSONValue.format(resetAt))).",
                   code: "rate_limit_exceeded", retryAfterSeconds: seconds)
    }

    /// `QUOTA_FALLBACK=closed` while Redis (which holds the shared counters) does not answer.
    static var quotaUnavailable: APIError {
        var error = APIError.unavailable("Quotas cannot be checked right now (the shared counter store is unreachable); retry shortly.")
        error.headers[.retryAfter] = "1"
        return error
    }

    /// Operator-facing errors of the accounts layer (admin API).
    static func from(_ error: AccountsError) -> APIError {
        switch error.code {
        case .notFound: return .notFound(error.message)
        case .alreadyExists:
            return APIError(.conflict, type: "invalid_request_error", message: error.message, code: "already_exists")
        case .invalidArgument: return .invalidRequest(error.message, code: "invalid_value")
        case .storageUnavailable: return .unavailable("The account store is not reachable; retry shortly.")
        default: return .internal
        }
    }
}

extension HTTPFields {
    /// The per-minute headers (OpenAI's names) and the monthly ones (the original service's names).
    mutating func addRateLimitHeaders(perMinute: LimitDecision?, monthly: LimitDecision?, now: Date) {
        // Appended, not assigned: these are added once per response, and assignment scans the
        // fields for an existing value first (this runs on every authenticated response).
        if let perMinute {
            append(HTTPField(name: .rateLimitLimitRequests, value: String(perMinute.limit)))
            append(HTTPField(name: .rateLimitRemainingRequests, value: String(perMinute.remaining)))
            append(HTTPField(name: .rateLimitResetRequests, value: "\(perMinute.secondsUntilReset(from: now))s"))
        }
        if let monthly {
            append(HTTPField(name: .rateLimitLimit, value: String(monthly.limit)))
            append(HTTPField(name: .rateLimitRemaining, value: String(monthly.remaining)))
            append(HTTPField(name: .rateLimitReset, value: String(Int(monthly.resetAt.timeIntervalSince1970))))
        }
    }
}
