import Foundation
import SmallyAccounts
import SmallyCache
import SmallyCore
import Synchronization

/// The accounts layer's view of one authenticated request. ``APIKeyMiddleware`` makes one per
/// request and puts it in the request context; the routes pass it to `EmbeddingService`, which
/// charges the monthly quota through ``admit(embeddings:replies:)`` before it embeds (an atomic
/// check-and-increment) and reports what it delivered through ``served(embeddings:tokens:cacheHits:)``.
/// On the embedding routes the key's per-minute count is left to that same admission
/// (`countsRequest`), so both counters cost one Redis round trip, which rides along with the L2
/// cache lookup.
/// Once the route has answered, the middleware calls ``settle()``: what was admitted but not
/// served is given back, and the result is recorded as usage and rate-limit headers.
public final class RequestMeter: EmbeddingMeter {
    public let principal: Principal
    let limiter: any QuotaLimiter
    let now: @Sendable () -> Date

    struct State {
        /// The key's minute, once decided here (`countsRequest`).
        var perMinute: LimitDecision?
        /// The admission whose commands were handed out, to match the replies with.
        var prepared: QuotaAdmission?
        var admitted = 0
        var admittedAt: Date?
        var monthly: LimitDecision?
        var served = UsageCounts()
        var model = ""
    }

    let state = Mutex(State())

    /// Whether the first admission also counts the request against its key's minute.
    let countsRequest: Bool

    init(principal: Principal, limiter: any QuotaLimiter, countsRequest: Bool = false, now: @escaping @Sendable () -> Date) {
        self.principal = principal
        self.limiter = limiter
        self.countsRequest = countsRequest
        self.now = now
    }

    /// The key's minute as the admission decided it; nil when it was not decided here (yet).
    var perMinute: LimitDecision? { state.withLock { $0.perMinute } }

    private func admission(embeddings count: Int, perMinuteDecided: Bool) -> QuotaAdmission {
        QuotaAdmission(keyID: countsRequest && !perMinuteDecided ? principal.key.id : nil,
                       requestsPerMinute: principal.limits.requestsPerMinute, organizationID: principal.organization.id,
                       embeddings: count, embeddingsPerMonth: principal.limits.embeddingsPerMonth, now: now())
    }

    public func admissionCommands(embeddings count: Int) -> RedisBatch? {
        let admission = state.withLock { state in
            let admission = self.admission(embeddings: count, perMinuteDecided: state.perMinute != nil)
            state.prepared = admission
            return admission
        }
        return limiter.commands(for: admission)
    }

    /// Cache entries are the organization's own under `CACHE_SCOPE=organization`.
    public var cacheScopeID: String? { principal.organization.id }

    /// Charges `count` embeddings to the organization's month (counting the request in its key's
    /// minute first when that is left to it), or throws `rateLimited` / `quotaExceeded` (nothing
    /// charged) when they don't fit, `quotaUnavailable` when they cannot be counted.
    public func admit(embeddings count: Int, replies: [RESPValue]?) async throws(CoreError) {
        // The replies answer the commands handed out for this count; anything else is decided afresh.
        let (admission, matched) = state.withLock { state in
            defer { state.prepared = nil }
            if let prepared = state.prepared, prepared.embeddings == count { return (prepared, true) }
            return (self.admission(embeddings: count, perMinuteDecided: state.perMinute != nil), false)
        }
        let decision = await limiter.admit(admission, replies: matched ? replies : nil)
        state.withLock { state in
            if let perMinute = decision.perMinute { state.perMinute = perMinute }
            state.monthly = decision.monthly ?? state.monthly
            if decision.monthly?.allowed == true {
                state.admitted += count
                state.admittedAt = admission.now
            }
        }
        if let perMinute = decision.perMinute, !perMinute.allowed {
            if perMinute.unavailable { throw .quotaUnavailable }
            throw .rateLimited(RateLimitRefusal(limit: perMinute.limit, resetAt: perMinute.resetAt,
                                                retryAfterSeconds: perMinute.secondsUntilReset(from: admission.now)))
        }
        guard let monthly = decision.monthly else { throw .quotaUnavailable }
        if monthly.unavailable {
            throw .quotaUnavailable
        }
        if !monthly.allowed {
            throw .quotaExceeded(QuotaRefusal(limit: monthly.limit, remaining: monthly.remaining, requested: count,
                                              resetAt: monthly.resetAt, retryAfterSeconds: monthly.secondsUntilReset(from: admission.now)))
        }
    }

    /// Records what was delivered; embeddings admitted but never served are given back by ``settle()``.
    public func served(embeddings: Int, tokens: Int, cacheHits: Int, model: String) {
        state.withLock { state in
            state.served += UsageCounts(requests: 0, embeddings: embeddings, tokens: tokens, cacheHits: cacheHits)
            state.model = model
        }
    }

    /// The model the request was served by ('' when nothing was served), for its usage row.
    var servedModel: String { state.withLock { $0.model } }

    /// Ends the request's metering: gives back to the month what was admitted and not served (a
    /// request that failed after admission), and returns what was served and the monthly state
    /// (nil when the route never charged the quota).
    func settle() async -> (served: UsageCounts, monthly: LimitDecision?) {
        let (admitted, admittedAt, monthlyDecision, served) = state.withLock { state in
            defer { state.admitted = min(state.admitted, state.served.embeddings) }  // given back once
            return (state.admitted, state.admittedAt, state.monthly, state.served)
        }
        var monthly = monthlyDecision
        if admitted > served.embeddings, let admittedAt {
            await limiter.release(organizationID: principal.organization.id, count: admitted - served.embeddings, admittedAt: admittedAt)
            monthly?.remaining += admitted - served.embeddings
        }
        return (served, monthly)
    }
}
