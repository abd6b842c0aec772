import Foundation

/// Per-key request counts for the current minute, kept in this process: the in-process limiter's
/// counters, and the Redis limiter's while Redis is unreachable.
struct MinuteCounters {
    private var counts: [String: (start: Date, count: Int)] = [:]

    /// Counts one request of `keyID` in `minute` if fewer than `limit` were counted there.
    mutating func admit(keyID: String, limit: Int, minute: QuotaPeriod.Interval) -> LimitDecision {
        var entry = counts[keyID] ?? (minute.start, 0)
        if entry.start != minute.start { entry = (minute.start, 0) }
        let allowed = entry.count < limit
        if allowed { entry.count += 1 }
        counts[keyID] = entry
        if counts.count > 100_000 {
            // Only this minute's counters matter; older ones are dead weight.
            counts = counts.filter { $0.value.start == minute.start }
        }
        return LimitDecision(allowed: allowed, limit: limit, remaining: max(0, limit - entry.count), resetAt: minute.end)
    }
}
