import Synchronization

/// Counts failed credential attempts (API keys and `ADMIN_TOKEN`) per client address and refuses
/// an address that failed too often, before its credential is even looked up: guessing keys or
/// the admin token costs the guesser a window, and a flood of random keys stops reaching the
/// account store. (The key check still lets a throttled address use keys the store confirmed
/// before, so one guesser behind a shared proxy or NAT does not lock its neighbours out.)
///
/// Fixed one-minute windows per address (`AUTH_FAILURES_PER_MINUTE`, default 30; 0 turns the
/// throttle off). The table is bounded (`maxAddresses`): when it is full, expired windows are
/// dropped first, then the oldest. Decisions are taken under the lock; nothing else is.
///
/// Behind a reverse proxy every request comes from the proxy's address: raise the limit there (or
/// set it to 0 and throttle at the proxy).
public final class AuthFailureThrottle: Sendable {
    struct Window {
        var start: ContinuousClock.Instant
        var failures: Int
    }

    struct State {
        var windows: [String: Window] = [:]
        var lastSweep: ContinuousClock.Instant?
    }

    public let limit: Int
    public let window: Duration
    let maxAddresses: Int
    private let state = Mutex(State())
    /// Addresses tracked, readable without the lock: while it is 0 (no failure in the last window,
    /// the usual case) a request's address need not even be formatted.
    private let tracked = Atomic<Int>(0)

    public init(limit: Int, window: Duration = .seconds(60), maxAddresses: Int = 10_000) {
        self.limit = limit
        self.window = window
        self.maxAddresses = max(1, maxAddresses)
    }

    /// Whether any address has failures on record (cheap; see `tracked`).
    public var isTracking: Bool { tracked.load(ordering: .relaxed) > 0 }

    /// Seconds until `address` may try again, or nil if it may try now.
    public func retryAfter(_ address: String, now: ContinuousClock.Instant = .now) -> Int? {
        guard limit > 0 else { return nil }
        return state.withLock { state -> Int? in
            // Expired windows are dropped at most once a window, so the table (and `isTracking`)
            // empties again after an attack.
            if state.lastSweep.map({ now - $0 >= window }) ?? true {
                sweep(&state, now: now)
            }
            guard let entry = state.windows[address], entry.failures >= limit else { return nil }
            let remaining = entry.start + window - now
            guard remaining > .zero else { return nil }
            return max(1, Int(remaining.components.seconds) + (remaining.components.attoseconds > 0 ? 1 : 0))
        }
    }

    /// Counts one failure; returns true when this failure reached the limit (log it once).
    @discardableResult
    public func recordFailure(_ address: String, now: ContinuousClock.Instant = .now) -> Bool {
        guard limit > 0 else { return false }
        return state.withLock { state -> Bool in
            if var entry = state.windows[address], now - entry.start < window {
                entry.failures += 1
                state.windows[address] = entry
                return entry.failures == limit
            }
            if state.windows[address] == nil, state.windows.count >= maxAddresses {
                sweep(&state, now: now)
                if state.windows.count >= maxAddresses, let oldest = state.windows.min(by: { $0.value.start < $1.value.start }) {
                    state.windows[oldest.key] = nil
                }
            }
            state.windows[address] = Window(start: now, failures: 1)
            tracked.store(state.windows.count, ordering: .relaxed)
            return limit == 1
        }
    }

    private func sweep(_ state: inout State, now: ContinuousClock.Instant) {
        let window = self.window
        state.windows = state.windows.filter { now - $0.value.start < window }
        state.lastSweep = now
        tracked.store(state.windows.count, ordering: .relaxed)
    }

    /// Addresses tracked now (for tests and the gauge).
    public var trackedAddresses: Int { state.withLock { $0.windows.count } }
}
