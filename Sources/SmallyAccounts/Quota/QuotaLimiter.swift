import Foundation
import SmallyCache

/// The outcome of one check-and-increment (or a plain read, for a count of 0).
public struct LimitDecision: Sendable, Hashable {
    public var allowed: Bool
    public var limit: Int
    /// What is left after this admission (0 when refused).
    public var remaining: Int
    /// When the counter starts again from zero.
    public var resetAt: Date
    /// The counters could not be consulted and the fallback policy refused (``QuotaFallback/closed``):
    /// the HTTP layer should answer 503 (service unavailable), not 429. Always false when `allowed`.
    public var unavailable: Bool

    public init(allowed: Bool, limit: Int, remaining: Int, resetAt: Date, unavailable: Bool = false) {
        self.allowed = allowed
        self.limit = limit
        self.remaining = remaining
        self.resetAt = resetAt
        self.unavailable = unavailable
    }

    /// Whole seconds from `now` until the reset, at least 1 (for `Retry-After`).
    public func secondsUntilReset(from now: Date) -> Int {
        max(1, Int(resetAt.timeIntervalSince(now).rounded(.up)))
    }
}

/// Loads how many embeddings an organization used in a month, from the store.
public typealias QuotaSeed = @Sendable (_ organizationID: String, _ month: QuotaPeriod.Interval) async throws -> Int

/// Atomic counters behind both limits. Every admission is one indivisible check-and-increment,
/// so with N concurrent requests against R remaining, exactly min(N, R) are admitted.
///
/// Implementations: ``InProcessQuotaLimiter`` (one node) and ``RedisQuotaLimiter`` (shared by every
/// node through a Lua script; falls back to in-process counters while Redis is unreachable).
public protocol QuotaLimiter: Sendable {
    /// Counts one request of `keyID` in the current minute unless `limit` is reached.
    func admitRequest(keyID: String, limit: Int, now: Date) async -> LimitDecision

    /// Adds `count` embeddings to the organization's month unless that would pass `limit`
    /// (all or nothing). `count` 0 only reads the current state.
    func admitEmbeddings(organizationID: String, count: Int, limit: Int, now: Date) async -> LimitDecision

    /// Gives back embeddings admitted at `admittedAt` for a request that then failed.
    func release(organizationID: String, count: Int, admittedAt: Date) async

    /// Redis commands that decide `admission`, for a caller to send in a round trip of its own
    /// (the L2 cache lookup) and hand the replies to ``admit(_:replies:)``; nil when this limiter
    /// does not count in Redis (or not now: an outage).
    func commands(for admission: QuotaAdmission) -> RedisBatch?

    /// Decides `admission`: the minute first (a refused request charges nothing to the month), then
    /// the month. `replies` are Redis's answers to ``commands(for:)`` when the caller sent them, nil
    /// when not (the limiter then asks itself, in one round trip where it can).
    func admit(_ admission: QuotaAdmission, replies: [RESPValue]?) async -> QuotaAdmission.Decision
}

extension QuotaLimiter {
    public func commands(for admission: QuotaAdmission) -> RedisBatch? { nil }

    public func admit(_ admission: QuotaAdmission, replies: [RESPValue]?) async -> QuotaAdmission.Decision {
        await admitOneByOne(admission)
    }

    /// The minute's counter, then (when it admits) the month's, each with its own call.
    public func admitOneByOne(_ admission: QuotaAdmission) async -> QuotaAdmission.Decision {
        var perMinute: LimitDecision?
        if let keyID = admission.keyID {
            let decision = await admitRequest(keyID: keyID, limit: admission.requestsPerMinute, now: admission.now)
            guard decision.allowed else { return QuotaAdmission.Decision(perMinute: decision, monthly: nil) }
            perMinute = decision
        }
        let monthly = await admitEmbeddings(organizationID: admission.organizationID, count: admission.embeddings,
                                            limit: admission.embeddingsPerMonth, now: admission.now)
        return QuotaAdmission.Decision(perMinute: perMinute, monthly: monthly)
    }
}
