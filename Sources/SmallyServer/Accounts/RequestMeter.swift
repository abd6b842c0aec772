import Foundation
import SmallyAccounts
import SmallyCore
import Synchronization

/// The accounts layer's view of one authenticated request. ``APIKeyMiddleware`` makes one per
/// request and puts it in the request context; the routes pass it to `EmbeddingService`, which
/// charges the monthly quota through ``admit(embeddings:)`` before it embeds (an atomic
/// check-and-increment) and reports what it delivered through ``served(embeddings:tokens:cacheHits:)``.
/// Once the route has answered, the middleware calls ``settle()``: what was admitted but not
/// served is given back, and the result is recorded as usage and rate-limit headers.
public final class RequestMeter: EmbeddingMeter {
    public let principal: Principal
    let limiter: any QuotaLimiter
    let now: @Sendable () -> Date

    struct State {
        var admitted = 0
        var admittedAt: Date?
        var monthly: LimitDecision?
        var served = UsageCounts()
        var model = ""
    }

    let state = Mutex(State())

    init(principal: Principal, limiter: any QuotaLimiter, now: @escaping @Sendable () -> Date) {
        self.principal = principal
        self.limiter = limiter
        self.now = now
    }

    /// Cache entries are the organization's own under `CACHE_SCOPE=organization`.
    public var cacheScopeID: String? { principal.organization.id }

    /// Charges `count` embeddings to the organization's month, or throws `quotaExceeded`
    /// (nothing charged) when they don't all fit, `quotaUnavailable` when they cannot be counted.
    public func admit(embeddings count: Int) async throws(CoreError) {
        let at = now()
        let decision = await limiter.admitEmbeddings(organizationID: principal.organization.id, count: count,
                                                     limit: principal.limits.embeddingsPerMonth, now: at)
        state.withLock { state in
            state.monthly = decision
            if decision.allowed {
                state.admitted += count
                state.admittedAt = at
            }
        }
        if decision.unavailable {
            throw .quotaUnavailable
        }
        if !decision.allowed {
            throw .quotaExceeded(QuotaRefusal(limit: decision.limit, remaining: decision.remaining, requested: count,
                                              resetAt: decision.resetAt, retryAfterSeconds: decision.secondsUntilReset(from: at)))
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
