/// When the cluster client asks for a new slot map: every `interval`, and sooner when asked
/// (`MOVED`, a failing master), but never twice within `minimumGap`, so that an outage costs a few
/// `CLUSTER SLOTS` a second however many commands fail. A pure value, kept under the client's lock.
struct TopologyRefreshSchedule: Sendable {
    let interval: Duration
    let minimumGap: Duration
    private var requested = true  // no map yet
    private var inFlight = false
    private var last: ContinuousClock.Instant?

    init(interval: Duration, minimumGap: Duration) {
        self.interval = interval
        self.minimumGap = minimumGap
    }

    /// Asks for a refresh as soon as the gap allows.
    mutating func request() {
        requested = true
    }

    /// True when a refresh should start now; the caller then does it and calls `finished(success:)`.
    mutating func start(now: ContinuousClock.Instant) -> Bool {
        guard !inFlight else { return false }
        let due: Bool
        if let last {
            let elapsed = now - last
            due = (requested && elapsed >= minimumGap) || elapsed >= interval
        } else {
            due = true
        }
        guard due else { return false }
        inFlight = true
        requested = false
        last = now
        return true
    }

    /// A failed refresh is retried after the gap.
    mutating func finished(success: Bool) {
        inFlight = false
        if !success { requested = true }
    }
}
