import Foundation
import SmallyAccounts
import Synchronization

/// The accounts layer's view of one authenticated request, reachable from the embedding path
/// through a task-local: `EmbeddingService` calls ``admit(embeddings:)`` before it embeds (the
/// monthly quota's atomic check-and-increment) and ``served(tokens:cacheHits:embeddings:)``
/// after, and the middleware turns what was recorded into usage and headers. With auth off,
/// ``current`` is nil and both calls are no-ops.
public final class RequestMeter: Sendable {
    @TaskLocal public static var current: RequestMeter?

    public let principal: Principal
    let limiter: any QuotaLimiter
    let now: @Sendable () -> Date

    struct State {
        var admitted = 0
        var admittedAt: Date?
        var monthly: LimitDecision?
        var served = UsageCounts()
    }

    let state = Mutex(State())

    init(principal: Principal, limiter: any QuotaLimiter, now: @escaping @Sendable () -> Date) {
        self.principal = principal
        self.limiter = limiter
        self.now = now
    }

    /// Charges `count` embeddings to the organization's month, or throws 429 `quota_exceeded`
    /// (nothing charged) when they don't all fit.
    public func admit(embeddings count: Int) async throws {
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
            throw APIError.quotaUnavailable
        }
        if !decision.allowed {
            throw APIError.quotaExceeded(decision, requested: count, now: at)
        }
    }

    /// Records what was delivered; embeddings admitted but never served are given back.
    public func served(embeddings: Int, tokens: Int, cacheHits: Int) {
        state.withLock { state in
            state.served += UsageCounts(requests: 0, embeddings: embeddings, tokens: tokens, cacheHits: cacheHits)
        }
    }
}
