import Metrics

/// Counters of refused credentials by route class (labels are fixed words, never secrets):
/// `smally_admin_auth_failures_total` and `smally_auth_throttled_total{access}`. Failed API keys
/// are counted by reason in `smally_auth_failures_total` (``AccountsMetrics``).
public struct SecurityMetrics: Sendable {
    let adminFailures = Counter(label: "smally_admin_auth_failures_total")
    let throttledKey = Counter(label: "smally_auth_throttled_total", dimensions: [("access", RouteAccess.apiKey.rawValue)])
    let throttledAdmin = Counter(label: "smally_auth_throttled_total", dimensions: [("access", RouteAccess.adminToken.rawValue)])

    public init() {}

    func throttled(_ access: RouteAccess) {
        (access == .adminToken ? throttledAdmin : throttledKey).increment()
    }
}
