import Metrics

/// Counters of refused credentials by route class (labels are fixed words, never secrets):
/// `smally_admin_auth_failures_total` and `smally_auth_throttled_total{access}`. Failed API keys
/// are counted by reason in `smally_auth_failures_total` (``AccountsMetrics``).
public struct SecurityMetrics: Sendable {
    let adminFailures: Counter
    let throttledKey: Counter
    let throttledAdmin: Counter
    let throttledConsole: Counter

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        adminFailures = Counter(label: "smally_admin_auth_failures_total", factory: factory)
        throttledKey = Counter(label: "smally_auth_throttled_total", dimensions: [("access", RouteAccess.apiKey.rawValue)], factory: factory)
        throttledAdmin = Counter(label: "smally_auth_throttled_total", dimensions: [("access", RouteAccess.adminToken.rawValue)], factory: factory)
        throttledConsole = Counter(label: "smally_auth_throttled_total", dimensions: [("access", RouteAccess.consoleSession.rawValue)], factory: factory)
    }

    func throttled(_ access: RouteAccess) {
        switch access {
        case .adminToken: throttledAdmin.increment()
        case .consoleSession: throttledConsole.increment()
        default: throttledKey.increment()
        }
    }
}
