/// Exponential reconnect delay with jitter.
///
/// Jitter (each delay is 50–100 % of the nominal one) keeps the pool's connections, and the nodes of a
/// deployment, from reconnecting in lock-step when Redis comes back.
struct ReconnectBackoff: Sendable {
    let minimum: Duration
    let maximum: Duration
    private var nominal: Duration?

    init(minimum: Duration, maximum: Duration) {
        self.minimum = minimum
        self.maximum = max(minimum, maximum)
    }

    /// The next delay to wait; each call doubles the nominal delay up to `maximum`.
    mutating func next() -> Duration {
        let nominal = self.nominal.map { min($0 * 2, self.maximum) } ?? self.minimum
        self.nominal = nominal
        return nominal * Double.random(in: 0.5...1.0)
    }

    /// Start again from `minimum` (after a successful connection).
    mutating func reset() {
        self.nominal = nil
    }
}
