import Foundation
import Logging
import Synchronization

/// Monthly quotas counted in the shared database, for nodes that share PostgreSQL but no Redis:
/// each admission is one atomic `UPDATE … RETURNING` (``QuotaCounterStore``), so N nodes together
/// admit exactly what one would. Per-minute request limits stay in this process (per node: a key
/// may send the limit to each node); use Redis where those must be shared too.
///
/// While the database does not answer (within `timeout`), decisions follow `fallback` like
/// ``RedisQuotaLimiter``'s: `closed` refuses (503); otherwise this node admits its share of what
/// remained at the last count it saw (the whole limit when it saw none). What it admits meanwhile,
/// net of releases, is added to the database counter as soon as the database answers again.
public final class DatabaseQuotaLimiter: QuotaLimiter {
    struct MonthKey: Hashable {
        var organizationID: String
        var month: QuotaPeriod.Interval
    }

    struct State {
        var minutes = MinuteCounters()
        /// Last count the database returned, per month: the base of the fallback share.
        var observed: [MonthKey: Int] = [:]
        /// Admitted (net) while the database was unreachable, not yet added to it.
        var pending: [MonthKey: Int] = [:]
        var lastWarning: Date?
    }

    private let store: any QuotaCounterStore
    private let fallback: QuotaFallback
    private let timeout: Duration
    private let logger: Logger
    private let state = Mutex(State())

    /// - Parameters:
    ///   - timeout: how long an admission waits for the database (a pooled connection, then the row
    ///     lock behind concurrent admissions) before the fallback decides. Default 5 s: a burst
    ///     queues on one organization's row, and a database that is down fails connections fast.
    public init(store: any QuotaCounterStore, fallback: QuotaFallback = .default, timeout: Duration = .seconds(5),
                logger: Logger) {
        self.store = store
        self.fallback = fallback
        self.timeout = timeout
        self.logger = logger
    }

    public func admitRequest(keyID: String, limit: Int, now: Date) async -> LimitDecision {
        let minute = QuotaPeriod.minute(containing: now)
        return state.withLock { $0.minutes.admit(keyID: keyID, limit: limit, minute: minute) }
    }

    public func admitEmbeddings(organizationID: String, count: Int, limit: Int, now: Date) async -> LimitDecision {
        let key = MonthKey(organizationID: organizationID, month: QuotaPeriod.month(containing: now))
        await addPending(key)
        let store = self.store
        // An admission that outlives the timeout still runs to its end in the database; the fallback
        // decides meanwhile. When it then turns out to have counted `count`, that is taken back from
        // what will be added after the outage (fallback admitted it too) or from the database
        // (fallback refused it): either way the request is counted once, as the fallback decided.
        let attempt = Mutex(Attempt.running)
        do {
            // An unstructured task, so the deadline's cancellation cannot stop the transaction
            // half-way (which would leave unknown whether it counted).
            let work = Task { [weak self] in
                let result = try await store.addToQuota(organizationID: organizationID, month: key.month, count: count, limit: limit)
                let abandoned = attempt.withLock { state in
                    defer { state = .finished(result.allowed, result.used) }
                    return state == .abandoned
                }
                if abandoned, result.allowed, count > 0 {
                    self?.state.withLock { $0.pending[key, default: 0] -= count }
                }
                return result
            }
            let (allowed, used) = try await withDeadline(timeout) { try await work.value }
            state.withLock { $0.observed[key] = used }
            return LimitDecision(allowed: allowed, limit: limit, remaining: max(0, limit - used), resetAt: key.month.end)
        } catch {
            let finished = attempt.withLock { state -> (Bool, Int)? in
                if case .finished(let allowed, let used) = state { return (allowed, used) }
                state = .abandoned
                return nil
            }
            if let (allowed, used) = finished {
                // It completed just as the deadline fired: its answer stands.
                state.withLock { $0.observed[key] = used }
                return LimitDecision(allowed: allowed, limit: limit, remaining: max(0, limit - used), resetAt: key.month.end)
            }
            warn(error, now: now)
            return fallbackAdmit(key, count: count, limit: limit)
        }
    }

    private enum Attempt: Equatable {
        case running
        case finished(Bool, Int)
        case abandoned
    }

    public func release(organizationID: String, count: Int, admittedAt: Date) async {
        guard count > 0 else { return }
        let key = MonthKey(organizationID: organizationID, month: QuotaPeriod.month(containing: admittedAt))
        let store = self.store
        do {
            try await withDeadline(timeout) {
                try await store.adjustQuota(organizationID: organizationID, month: key.month, delta: -count)
            }
        } catch {
            state.withLock { $0.pending[key, default: 0] -= count }
        }
    }

    /// Adds what this node admitted while the database was unreachable (taken under the lock, put
    /// back when the database still fails, so concurrent admissions never add it twice).
    private func addPending(_ key: MonthKey) async {
        let delta = state.withLock { state -> Int in
            guard let delta = state.pending.removeValue(forKey: key) else { return 0 }
            return delta
        }
        guard delta != 0 else { return }
        let store = self.store
        do {
            try await withDeadline(timeout) {
                try await store.adjustQuota(organizationID: key.organizationID, month: key.month, delta: delta)
            }
            logger.info("database quota counter caught up with this node's admissions during the outage",
                        metadata: ["organization": "\(key.organizationID)", "added": "\(delta)"])
        } catch {
            state.withLock { $0.pending[key, default: 0] += delta }
        }
    }

    private func fallbackAdmit(_ key: MonthKey, count: Int, limit: Int) -> LimitDecision {
        guard let share = fallback.share(of: limit - (state.withLock { $0.observed[key] } ?? 0)) else {
            return LimitDecision(allowed: false, limit: limit, remaining: 0, resetAt: key.month.end, unavailable: true)
        }
        return state.withLock { state in
            let admitted = max(0, state.pending[key] ?? 0)
            let allowed = count <= 0 || admitted + count <= share
            if allowed && count > 0 { state.pending[key, default: 0] += count }
            return LimitDecision(allowed: allowed, limit: limit, remaining: max(0, share - admitted - (allowed ? count : 0)),
                                 resetAt: key.month.end)
        }
    }

    /// At most one warning a minute; the rest at debug level.
    private func warn(_ error: any Error, now: Date) {
        let loud = state.withLock { state -> Bool in
            if let last = state.lastWarning, now.timeIntervalSince(last) < 60 { return false }
            state.lastWarning = now
            return true
        }
        let metadata: Logger.Metadata = ["error": "\(error)", "fallback": "\(fallback)"]
        if loud {
            logger.warning("database quota counters unavailable; applying the fallback policy until it answers", metadata: metadata)
        } else {
            logger.debug("database quota counters unavailable", metadata: metadata)
        }
    }
}
