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

    public let limit: Int
    public let window: Duration
    let maxAddresses: Int
    private let windows = Mutex<[String: Window]>([:])

    public init(limit: Int, window: Duration = .seconds(60), maxAddresses: Int = 10_000) {
        self.limit = limit
        self.window = window
        self.maxAddresses = max(1, maxAddresses)
    }

    /// Seconds until `address` may try again, or nil if it may try now.
    public func retryAfter(_ address: String, now: ContinuousClock.Instant = .now) -> Int? {
        guard limit > 0 else { return nil }
        return windows.withLock { windows -> Int? in
            guard let entry = windows[address], entry.failures >= limit else { return nil }
            let remaining = entry.start + window - now
            guard remaining > .zero else { return nil }
            return max(1, Int(remaining.components.seconds) + (remaining.components.attoseconds > 0 ? 1 : 0))
        }
    }

    /// Counts one failure; returns true when this failure reached the limit (log it once).
    @discardableResult
    public func recordFailure(_ address: String, now: ContinuousClock.Instant = .now) -> Bool {
        guard limit > 0 else { return false }
        return windows.withLock { windows -> Bool in
            if var entry = windows[address], now - entry.start < window {
                entry.failures += 1
                windows[address] = entry
                return entry.failures == limit
            }
            if windows[address] == nil, windows.count >= maxAddresses {
                let window = self.window
                windows = windows.filter { now - $0.value.start < window }
                if windows.count >= maxAddresses, let oldest = windows.min(by: { $0.value.start < $1.value.start }) {
                    windows[oldest.key] = nil
                }
            }
            windows[address] = Window(start: now, failures: 1)
            return limit == 1
        }
    }

    /// Addresses tracked now (for tests and the gauge).
    public var trackedAddresses: Int { windows.withLock { $0.count } }
}
