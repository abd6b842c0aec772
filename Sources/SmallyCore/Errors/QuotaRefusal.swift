import Foundation

/// Why a request did not fit the monthly quota, with what the client is told about it.
public struct QuotaRefusal: Sendable, Equatable {
    /// Embeddings allowed per month.
    public var limit: Int
    /// Embeddings left this month.
    public var remaining: Int
    /// Embeddings this request asked for.
    public var requested: Int
    /// When the month's counter starts again from zero.
    public var resetAt: Date
    /// Whole seconds until then, at least 1 (`Retry-After`).
    public var retryAfterSeconds: Int

    public init(limit: Int, remaining: Int, requested: Int, resetAt: Date, retryAfterSeconds: Int) {
        self.limit = limit
        self.remaining = remaining
        self.requested = requested
        self.resetAt = resetAt
        self.retryAfterSeconds = retryAfterSeconds
    }
}
