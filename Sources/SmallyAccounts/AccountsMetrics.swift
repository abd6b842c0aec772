import Metrics

/// Counters of the HTTP layer's accounts decisions (labels are fixed words, never keys).
public struct AccountsMetrics: Sendable {
    public let rateLimited = Counter(label: "smally_rate_limited_total", dimensions: [("limit", "per_minute")])
    public let quotaExceeded = Counter(label: "smally_rate_limited_total", dimensions: [("limit", "monthly")])
    private let authFailures: [KeyAuthenticator.Reason: Counter]

    public init() {
        var counters: [KeyAuthenticator.Reason: Counter] = [:]
        for reason in [KeyAuthenticator.Reason.missing, .malformed, .unknown, .revoked, .expired] {
            counters[reason] = Counter(label: "smally_auth_failures_total", dimensions: [("reason", reason.rawValue)])
        }
        authFailures = counters
    }

    public func authFailure(_ reason: KeyAuthenticator.Reason) {
        authFailures[reason]?.increment()
    }
}
