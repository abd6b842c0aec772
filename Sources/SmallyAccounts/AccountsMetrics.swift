import Metrics

/// Counters of the HTTP layer's accounts decisions (labels are fixed words, never keys).
public struct AccountsMetrics: Sendable {
    public let rateLimited: Counter
    public let quotaExceeded: Counter
    private let authFailures: [KeyAuthenticator.Reason: Counter]

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        rateLimited = Counter(label: "smally_rate_limited_total", dimensions: [("limit", "per_minute")], factory: factory)
        quotaExceeded = Counter(label: "smally_rate_limited_total", dimensions: [("limit", "monthly")], factory: factory)
        var counters: [KeyAuthenticator.Reason: Counter] = [:]
        for reason in [KeyAuthenticator.Reason.missing, .malformed, .unknown, .revoked, .expired] {
            counters[reason] = Counter(label: "smally_auth_failures_total", dimensions: [("reason", reason.rawValue)], factory: factory)
        }
        authFailures = counters
    }

    public func authFailure(_ reason: KeyAuthenticator.Reason) {
        authFailures[reason]?.increment()
    }
}
