import Metrics

/// Metrics of one Redis node (`node="host:port"`), one set per node a client talks to.
/// Under Sentinel the client swaps its set when the master changes (`node` is the current master).
///
/// - `smally_redis_command_duration_seconds{node}`: time from write to the last reply of one
///   `send`/`pipeline` (a pipeline counts once: it costs one round trip).
/// - `smally_redis_errors_total{node,kind}`: `timeout`, `connection` (closed or failed),
///   `not_connected` (no live connection: refused at once), `server` (an error reply to `send`).
/// - `smally_redis_reconnects_total{node}`: connections re-established after one was lost or failed.
/// - `smally_redis_redirects_total{node,kind}`: Redis Cluster redirects this node answered with,
///   `moved` (its slot has another master now) or `ask` (the slot is migrating).
struct RedisNodeMetrics: Sendable {
    static let durationLabel = "smally_redis_command_duration_seconds"

    /// The `node` label: `host:port`.
    let node: String

    let duration: Timer
    let timeouts: Counter
    let connectionErrors: Counter
    let notConnected: Counter
    let serverErrors: Counter
    let reconnects: Counter
    let movedRedirects: Counter
    let askRedirects: Counter

    init(node: String, factory: any MetricsFactory) {
        self.node = node
        self.duration = Timer(label: Self.durationLabel, dimensions: [("node", node)], factory: factory)
        func errors(_ kind: String) -> Counter {
            Counter(label: "smally_redis_errors_total", dimensions: [("node", node), ("kind", kind)], factory: factory)
        }
        self.timeouts = errors("timeout")
        self.connectionErrors = errors("connection")
        self.notConnected = errors("not_connected")
        self.serverErrors = errors("server")
        self.reconnects = Counter(label: "smally_redis_reconnects_total", dimensions: [("node", node)], factory: factory)
        self.movedRedirects = Counter(label: "smally_redis_redirects_total", dimensions: [("node", node), ("kind", "moved")], factory: factory)
        self.askRedirects = Counter(label: "smally_redis_redirects_total", dimensions: [("node", node), ("kind", "ask")], factory: factory)
    }

    /// Counts a failed command under its kind.
    func record(_ error: any Error) {
        guard let error = error as? RedisError else {
            self.connectionErrors.increment()
            return
        }
        switch error.code {
        case .timeout: self.timeouts.increment()
        case .notConnected: self.notConnected.increment()
        case .serverError: self.serverErrors.increment()
        default: self.connectionErrors.increment()
        }
    }
}
