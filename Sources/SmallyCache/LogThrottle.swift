/// Decides which of a stream of repeated events gets logged: at most one per `interval`.
///
/// When Redis is down every request fails its L2 lookup; logging each one would flood the logs, so
/// we log one line per interval and say how many were suppressed in between. Pure value type (the
/// caller supplies the time and holds it under its own lock), so it is tested without a clock.
struct LogThrottle: Sendable {
    let interval: Duration
    private var lastLogged: ContinuousClock.Instant?
    private var suppressed = 0

    init(interval: Duration) {
        self.interval = interval
    }

    /// Returns the number of events suppressed since the last logged one if this event should be
    /// logged, or `nil` if it should be dropped.
    mutating func admit(now: ContinuousClock.Instant) -> Int? {
        if let lastLogged, now - lastLogged < self.interval {
            self.suppressed += 1
            return nil
        }
        defer {
            self.lastLogged = now
            self.suppressed = 0
        }
        return self.suppressed
    }
}
