import Foundation

/// Why a request did not fit its API key's requests per minute.
public struct RateLimitRefusal: Sendable, Equatable {
    /// Requests allowed per minute.
    public var limit: Int
    /// When the minute's counter starts again from zero.
    public var resetAt: Date
    /// Whole seconds until then, at least 1 (`Retry-After`).
    public var retryAfterSeconds: Int

    public init(limit: Int, resetAt: Date, retryAfterSeconds: Int) {
        self.limit = limit
        self.resetAt = resetAt
        self.retryAfterSeconds = retryAfterSeconds
    }
}
