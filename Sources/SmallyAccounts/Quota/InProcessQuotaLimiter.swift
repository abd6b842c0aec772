import Foundation
import Logging
import Synchronization

/// Counters in this process, under one `Mutex`: exact for one node. Monthly counters are
/// seeded from the store (usage recorded by earlier runs) the first time an organization is seen
/// in a month. While the store is unreachable the counter counts this node's admissions from 0
/// (fail-open) and, once the store answers, the seed *replaces* that provisional count when larger
/// — never adds to it: the store's total already holds what was admitted meanwhile and flushed
/// by the usage recorder, so adding would count it twice.
public final class InProcessQuotaLimiter: QuotaLimiter {
    struct MonthKey: Hashable {
        var organizationID: String
        var monthStart: Date
    }

    struct Monthly {
        var used = 0
        var seeded = false
        var lastSeedAttempt: Date?
    }

    struct State {
        var months: [MonthKey: Monthly] = [:]
        var minutes = MinuteCounters()
        var seeding: [MonthKey: Task<Int?, Never>] = [:]
        var currentMonthStart: Date?
    }

    private let state = Mutex(State())
    private let seed: QuotaSeed?
    private let seedRetryInterval: TimeInterval
    private let logger: Logger

    /// - Parameters:
    ///   - seed: where monthly counters start; nil starts them at 0 (tests, or no store).
    ///   - seedRetryInterval: how long to wait before asking the store again after a failed seed.
    public init(seed: QuotaSeed?, seedRetryInterval: TimeInterval = 5, logger: Logger = Logger(label: "smally.quota")) {
        self.seed = seed
        self.seedRetryInterval = seedRetryInterval
        self.logger = logger
    }

    public func admitRequest(keyID: String, limit: Int, now: Date) async -> LimitDecision {
        let minute = QuotaPeriod.minute(containing: now)
        return state.withLock { $0.minutes.admit(keyID: keyID, limit: limit, minute: minute) }
    }

    public func admitEmbeddings(organizationID: String, count: Int, limit: Int, now: Date) async -> LimitDecision {
        let month = QuotaPeriod.month(containing: now)
        let key = MonthKey(organizationID: organizationID, monthStart: month.start)
        await seedIfNeeded(key, month: month, now: now)
        return state.withLock { state in
            var counter = state.months[key] ?? Monthly()
            let allowed = count <= 0 || counter.used + count <= limit
            if allowed { counter.used += count }
            state.months[key] = counter
            return LimitDecision(allowed: allowed, limit: limit, remaining: max(0, limit - counter.used), resetAt: month.end)
        }
    }

    public func release(organizationID: String, count: Int, admittedAt: Date) async {
        let key = MonthKey(organizationID: organizationID, monthStart: QuotaPeriod.month(containing: admittedAt).start)
        state.withLock { state in
            if var counter = state.months[key] {
                counter.used = max(0, counter.used - count)
                state.months[key] = counter
            }
        }
    }

    /// Current count for tests and `/v1/usage`.
    public func used(organizationID: String, now: Date) -> Int {
        let key = MonthKey(organizationID: organizationID, monthStart: QuotaPeriod.month(containing: now).start)
        return state.withLock { $0.months[key]?.used ?? 0 }
    }

    private func seedIfNeeded(_ key: MonthKey, month: QuotaPeriod.Interval, now: Date) async {
        guard let seed else { return }
        let task: Task<Int?, Never>? = state.withLock { state in
            if state.currentMonthStart != key.monthStart {
                // New month: forget older months' counters.
                state.currentMonthStart = key.monthStart
                state.months = state.months.filter { $0.key.monthStart >= key.monthStart }
            }
            let counter = state.months[key] ?? Monthly()
            if counter.seeded { return nil }
            if let running = state.seeding[key] { return running }
            if let last = counter.lastSeedAttempt, now.timeIntervalSince(last) < seedRetryInterval { return nil }
            let logger = self.logger
            let task = Task<Int?, Never> {
                do {
                    return try await seed(key.organizationID, month)
                } catch {
                    logger.warning("cannot load quota usage from the store; counting this node's admissions until it answers",
                                   metadata: ["organization": "\(key.organizationID)", "error": "\(error)"])
                    return nil
                }
            }
            state.seeding[key] = task
            return task
        }
        guard let task else { return }
        let value = await task.value
        state.withLock { state in
            if state.seeding[key] == task { state.seeding[key] = nil }
            var counter = state.months[key] ?? Monthly()
            guard !counter.seeded else { return }
            if let value {
                counter.used = max(counter.used, value)
                counter.seeded = true
            } else {
                counter.lastSeedAttempt = now
            }
            state.months[key] = counter
        }
    }
}
