import Crypto
import Foundation
import Logging
import NIOCore
import SmallyCache
import Synchronization

/// Counters in Redis, shared by every API node: each check-and-increment is one Lua script
/// (atomic on the Redis server), so N nodes together admit exactly what one would.
///
/// Keys live in their own namespace with an expiry at the end of their period:
/// `smally:quota:month:{organization}:{YYYY-MM}` and `smally:quota:minute:{key id}:{unix minute}`.
/// (Keep them in a Redis that does not evict: `noeviction` or `volatile-*`, not `allkeys-lru`.)
/// Each script call reads and writes exactly one key (`KEYS[1]`), so on a Redis Cluster it is
/// single-slot by construction and goes to that key's master; no hash tag is needed, and the key
/// names stay those of a single Redis.
///
/// A month counter missing in Redis (new month, flushed Redis) is seeded in the same script call
/// (`SET` only if still absent) with the larger of the store's total and the last count this node
/// saw in Redis — seeding replaces, never adds.
///
/// While Redis is unreachable, decisions follow `fallback` (``QuotaFallback``, default per node):
/// local counters start from the last count seen in Redis (or the store's total when none was
/// seen; a failed store read is retried, and its result replaces the start rather than adding to
/// it). What the node admits (net of releases) meanwhile is remembered and added back to the
/// month counters with `INCRBY` as soon as Redis answers again (``reconcile()``), so the cluster's
/// count includes the outage. If Redis lost the counter meanwhile, it is re-created with the
/// larger of the store's total and (last count seen + admitted during the outage). Per-minute
/// counts of the outage are not added back: their minute is over by then. A warning is logged at
/// most once a minute.
public final class RedisQuotaLimiter: QuotaLimiter {
    /// ARGV: count, limit, expire-at (Unix s), seed ("" = none). Returns {allowed (1/0, -1 = missing, no seed), used}.
    static let script = """
        local v = redis.call('GET', KEYS[1])
        local used
        if v then
          used = tonumber(v)
        elseif ARGV[4] ~= '' then
          used = tonumber(ARGV[4])
          redis.call('SET', KEYS[1], used)
          redis.call('EXPIREAT', KEYS[1], ARGV[3])
        else
          return {-1, 0}
        end
        local n = tonumber(ARGV[1])
        if n > 0 and used + n > tonumber(ARGV[2]) then
          return {0, used}
        end
        if n ~= 0 then
          used = redis.call('INCRBY', KEYS[1], n)
        end
        return {1, used}
        """

    static let scriptSHA: String = sha1(script)

    /// Adds a node's outage admissions back. KEYS[1]; ARGV: delta, expire-at (Unix s), value if
    /// missing ("" = none). Returns {1, count}, or {-1, 0} when missing and no value was given.
    static let reconcileScript = """
        local v = redis.call('GET', KEYS[1])
        if not v then
          if ARGV[3] == '' then return {-1, 0} end
          redis.call('SET', KEYS[1], ARGV[3])
          redis.call('EXPIREAT', KEYS[1], ARGV[2])
          return {1, tonumber(ARGV[3])}
        end
        return {1, redis.call('INCRBY', KEYS[1], ARGV[1])}
        """

    static let reconcileScriptSHA: String = sha1(reconcileScript)

    private static func sha1(_ text: String) -> String {
        Insecure.SHA1.hash(data: Array(text.utf8)).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    struct MonthKey: Hashable {
        var organizationID: String
        var month: QuotaPeriod.Interval
    }

    /// One organization-month while Redis is (or was) unreachable.
    struct Outage {
        /// Where the local counter starts: the last count seen in Redis, else the store's total;
        /// nil while neither is known.
        var base: Int?
        /// Admitted minus released on this node since the outage began; added back to Redis.
        var admitted = 0
        var lastSeedAttempt: Date?
    }

    struct State {
        /// The last month count Redis returned, per organization-month.
        var observed: [MonthKey: Int] = [:]
        var outages: [MonthKey: Outage] = [:]
        /// Local per-minute counters used during an outage.
        var minutes = MinuteCounters()
        var reconciling = false
        var currentMonthStart: Date?
    }

    private let client: any RedisExecutor
    private let seed: QuotaSeed?
    public let fallback: QuotaFallback
    private let seedRetryInterval: TimeInterval
    private let namespace: String
    private let logger: Logger
    private let lastWarning = Mutex<Date?>(nil)
    private let state = Mutex(State())

    /// - Parameters:
    ///   - namespace: key prefix, default `smally:quota` (tests use their own).
    ///   - fallback: the policy while Redis is unreachable; default ``QuotaFallback/default`` (per node).
    ///   - seedRetryInterval: during an outage, how long to wait before asking the store again for an
    ///     organization's total after a failed read; default 5 s.
    public init(client: any RedisExecutor, seed: QuotaSeed?, namespace: String = "smally:quota",
                fallback: QuotaFallback = .default, seedRetryInterval: TimeInterval = 5, logger: Logger) {
        self.client = client
        self.seed = seed
        self.fallback = fallback
        self.seedRetryInterval = seedRetryInterval
        self.namespace = namespace
        self.logger = logger
    }

    /// Net embeddings admitted during outages and not yet added back to Redis (for tests and metrics).
    public var unreconciled: Int {
        state.withLock { $0.outages.values.reduce(0) { $0 + $1.admitted } }
    }

    public func admitRequest(keyID: String, limit: Int, now: Date) async -> LimitDecision {
        await reconcileIfNeeded()
        let minute = QuotaPeriod.minute(containing: now)
        do {
            let (status, used) = try await evaluate(Self.script, sha: Self.scriptSHA, minuteArguments(keyID: keyID, limit: limit, minute: minute))
            return LimitDecision(allowed: status == 1, limit: limit, remaining: max(0, limit - used), resetAt: minute.end)
        } catch {
            warn(error)
            return fallbackAdmitRequest(keyID: keyID, limit: limit, minute: minute)
        }
    }

    public func admitEmbeddings(organizationID: String, count: Int, limit: Int, now: Date) async -> LimitDecision {
        await reconcileIfNeeded()
        let month = QuotaPeriod.month(containing: now)
        let monthKey = MonthKey(organizationID: organizationID, month: month)
        do {
            var (status, used) = try await evaluate(Self.script, sha: Self.scriptSHA, monthArguments(monthKey, count: count, limit: limit, seed: nil))
            if status == -1 {
                let start = try await seedValue(monthKey)
                (status, used) = try await evaluate(Self.script, sha: Self.scriptSHA, monthArguments(monthKey, count: count, limit: limit, seed: start))
            }
            observe(used, monthKey)
            return LimitDecision(allowed: status == 1, limit: limit, remaining: max(0, limit - used), resetAt: month.end)
        } catch {
            warn(error)
            return await fallbackAdmitEmbeddings(monthKey, count: count, limit: limit, now: now)
        }
    }

    /// Both script calls, minute first, as one pipeline. None during an outage: outage admissions are
    /// added back first, on the one-by-one path.
    public func commands(for admission: QuotaAdmission) -> RedisBatch? {
        guard state.withLock({ $0.outages.isEmpty }) else { return nil }
        var batch = RedisBatch(capacity: 320)
        if let keyID = admission.keyID {
            let minute = QuotaPeriod.minute(containing: admission.now)
            batch.appendCommand(["EVALSHA", Self.scriptSHA, "1"] + minuteArguments(keyID: keyID, limit: admission.requestsPerMinute, minute: minute),
                                keyArgument: 3)
        }
        let monthKey = MonthKey(organizationID: admission.organizationID, month: QuotaPeriod.month(containing: admission.now))
        batch.appendCommand(["EVALSHA", Self.scriptSHA, "1"] + monthArguments(monthKey, count: admission.embeddings, limit: admission.embeddingsPerMonth, seed: nil),
                            keyArgument: 3)
        return batch
    }

    /// From the replies to ``commands(for:)`` (sent by the caller, or here in one round trip). A reply
    /// that does not decide its counter (Redis does not know the script yet, the month's counter is
    /// missing, an error) is decided again on the one-by-one path, which handles each case. A request
    /// the minute refuses gets back what the month admitted in the same pipeline.
    public func admit(_ admission: QuotaAdmission, replies: [RESPValue]?) async -> QuotaAdmission.Decision {
        var replies = replies
        if replies == nil {
            guard let batch = commands(for: admission) else { return await admitOneByOne(admission) }
            do {
                replies = try await client.execute(batch)
            } catch {
                warn(error)
                return await fallbackAdmit(admission)
            }
        }
        guard let replies, replies.count == (admission.keyID == nil ? 1 : 2) else { return await admitOneByOne(admission) }
        let month = QuotaPeriod.month(containing: admission.now)
        var perMinute: LimitDecision?
        if let keyID = admission.keyID {
            let minute = QuotaPeriod.minute(containing: admission.now)
            let limit = admission.requestsPerMinute
            let decision = if let (status, used) = Self.parse(replies[0]) {
                LimitDecision(allowed: status == 1, limit: limit, remaining: max(0, limit - used), resetAt: minute.end)
            } else {
                await admitRequest(keyID: keyID, limit: limit, now: admission.now)
            }
            guard decision.allowed else {
                if admission.embeddings > 0, let (status, _) = Self.parse(replies[1]), status == 1 {
                    await release(organizationID: admission.organizationID, count: admission.embeddings, admittedAt: admission.now)
                }
                return QuotaAdmission.Decision(perMinute: decision, monthly: nil)
            }
            perMinute = decision
        }
        let limit = admission.embeddingsPerMonth
        let monthly: LimitDecision
        if let (status, used) = Self.parse(replies[replies.count - 1]), status != -1 {
            observe(used, MonthKey(organizationID: admission.organizationID, month: month))
            monthly = LimitDecision(allowed: status == 1, limit: limit, remaining: max(0, limit - used), resetAt: month.end)
        } else {
            monthly = await admitEmbeddings(organizationID: admission.organizationID, count: admission.embeddings, limit: limit, now: admission.now)
        }
        return QuotaAdmission.Decision(perMinute: perMinute, monthly: monthly)
    }

    /// Both counters by the fallback policy, after the pipeline failed in transport.
    private func fallbackAdmit(_ admission: QuotaAdmission) async -> QuotaAdmission.Decision {
        var perMinute: LimitDecision?
        if let keyID = admission.keyID {
            let decision = fallbackAdmitRequest(keyID: keyID, limit: admission.requestsPerMinute, minute: QuotaPeriod.minute(containing: admission.now))
            guard decision.allowed else { return QuotaAdmission.Decision(perMinute: decision, monthly: nil) }
            perMinute = decision
        }
        let monthKey = MonthKey(organizationID: admission.organizationID, month: QuotaPeriod.month(containing: admission.now))
        let monthly = await fallbackAdmitEmbeddings(monthKey, count: admission.embeddings, limit: admission.embeddingsPerMonth, now: admission.now)
        return QuotaAdmission.Decision(perMinute: perMinute, monthly: monthly)
    }

    private func fallbackAdmitRequest(keyID: String, limit: Int, minute: QuotaPeriod.Interval) -> LimitDecision {
        guard let share = fallback.share(of: limit) else {
            return LimitDecision(allowed: false, limit: limit, remaining: 0, resetAt: minute.end, unavailable: true)
        }
        var decision = state.withLock { $0.minutes.admit(keyID: keyID, limit: share, minute: minute) }
        decision.limit = limit  // the key's limit; `remaining` counts down this node's share
        return decision
    }

    public func release(organizationID: String, count: Int, admittedAt: Date) async {
        let month = QuotaPeriod.month(containing: admittedAt)
        let monthKey = MonthKey(organizationID: organizationID, month: month)
        do {
            let (_, used) = try await evaluate(Self.script, sha: Self.scriptSHA, monthArguments(monthKey, count: -count, limit: 0, seed: nil))
            observe(used, monthKey)
        } catch {
            warn(error)
            // Remembered like an admission (negative), and given back to Redis with the rest.
            state.withLock { state in
                var outage = state.outages[monthKey] ?? Outage(base: state.observed[monthKey])
                outage.admitted -= count
                state.outages[monthKey] = outage
            }
        }
    }

    /// Adds what this node admitted while Redis was unreachable back to the Redis month counters.
    /// True when nothing is left to add. Runs by itself on the first call after an outage; call it
    /// directly to force it (tests, shutdown).
    @discardableResult
    public func reconcile() async -> Bool {
        let pending = state.withLock { state -> [(MonthKey, Outage)]? in
            if state.reconciling { return nil }
            state.reconciling = true
            return Array(state.outages)
        }
        guard let pending else { return false }
        defer { state.withLock { $0.reconciling = false } }
        for (monthKey, outage) in pending {
            let delta = outage.admitted
            do {
                var used = 0
                if delta != 0 {
                    let expireAt = monthKey.month.end.addingTimeInterval(86_400)
                    var (status, count) = try await runReconcile(key: redisKey(monthKey), delta: delta, expireAt: expireAt, valueIfMissing: nil)
                    if status == -1 {
                        // Redis lost the counter: re-create it from what is known, never adding a seed to a seed.
                        let stored = try? await seed?(monthKey.organizationID, monthKey.month)
                        let value = max(stored ?? 0, (outage.base ?? 0) + delta, 0)
                        (status, count) = try await runReconcile(key: redisKey(monthKey), delta: delta, expireAt: expireAt, valueIfMissing: value)
                    }
                    used = count
                }
                state.withLock { state in
                    guard var current = state.outages[monthKey] else { return }
                    current.admitted -= delta  // admissions made while this ran stay for next time
                    if current.admitted == 0 {
                        state.outages[monthKey] = nil
                    } else {
                        state.outages[monthKey] = current
                    }
                    if delta != 0 { state.observed[monthKey] = used }
                }
            } catch {
                logger.debug("cannot add outage admissions back to Redis yet", metadata: ["error": "\(error)"])
                return false
            }
        }
        let left = state.withLock { $0.outages.isEmpty }
        if left && !pending.isEmpty {
            logger.info("Redis quota counters back; admissions made during the outage added to them",
                        metadata: ["organizations": "\(pending.count)"])
        }
        return left
    }

    private func reconcileIfNeeded() async {
        let due = state.withLock { !$0.outages.isEmpty && !$0.reconciling }
        if due, client.isConnected { await reconcile() }
    }

    private func fallbackAdmitEmbeddings(_ monthKey: MonthKey, count: Int, limit: Int, now: Date) async -> LimitDecision {
        let month = monthKey.month
        if fallback == .closed {
            return LimitDecision(allowed: false, limit: limit, remaining: 0, resetAt: month.end, unavailable: true)
        }
        // Start from what Redis last said; failing that, ask the store (at most every seedRetryInterval).
        let needsSeed = state.withLock { state -> Bool in
            var outage = state.outages[monthKey] ?? Outage(base: state.observed[monthKey])
            defer { state.outages[monthKey] = outage }
            guard outage.base == nil, seed != nil else { return false }
            if let last = outage.lastSeedAttempt, now.timeIntervalSince(last) < seedRetryInterval { return false }
            outage.lastSeedAttempt = now
            return true
        }
        if needsSeed, let seed {
            do {
                let value = try await seed(monthKey.organizationID, month)
                state.withLock { state in
                    // Replaces the unknown start (the store's total); never added to an earlier one.
                    if state.outages[monthKey]?.base == nil { state.outages[monthKey]?.base = value }
                }
            } catch {
                logger.debug("cannot load quota usage from the store during a Redis outage", metadata: ["error": "\(error)"])
            }
        }
        let fallback = self.fallback
        return state.withLock { state in
            var outage = state.outages[monthKey] ?? Outage(base: state.observed[monthKey])
            let base = outage.base ?? 0
            let share = fallback.share(of: limit - base) ?? 0
            let admitted = max(0, outage.admitted)
            let allowed = count <= 0 || admitted + count <= share
            if allowed && count > 0 { outage.admitted += count }
            state.outages[monthKey] = outage
            return LimitDecision(allowed: allowed, limit: limit, remaining: max(0, share - max(0, outage.admitted)), resetAt: month.end)
        }
    }

    /// The start of a month counter missing in Redis: the larger of the store's total and the last
    /// count this node saw (Redis lost its data). Without the store, the last count seen, if any.
    private func seedValue(_ monthKey: MonthKey) async throws -> Int {
        let observed = state.withLock { $0.observed[monthKey] }
        do {
            let stored = try await seed?(monthKey.organizationID, monthKey.month) ?? 0
            return max(stored, observed ?? 0)
        } catch {
            if let observed { return observed }
            throw error
        }
    }

    private func observe(_ used: Int, _ monthKey: MonthKey) {
        state.withLock { state in
            if state.currentMonthStart != monthKey.month.start {
                // New month: older months' last counts are no longer needed (their outages, if any, are).
                state.currentMonthStart = monthKey.month.start
                state.observed = state.observed.filter { $0.key.month.start >= monthKey.month.start }
            }
            state.observed[monthKey] = used
        }
    }

    private func redisKey(_ monthKey: MonthKey) -> String {
        "\(namespace):month:\(monthKey.organizationID):\(QuotaPeriod.label(of: monthKey.month.start))"
    }

    /// The script's key and ARGV for one request in the key's minute (seeded with 0: never missing).
    private func minuteArguments(keyID: String, limit: Int, minute: QuotaPeriod.Interval) -> [String] {
        ["\(namespace):minute:\(keyID):\(Int(minute.start.timeIntervalSince1970) / 60)", "1", String(limit),
         String(Int(minute.end.addingTimeInterval(5).timeIntervalSince1970.rounded(.up))), "0"]
    }

    /// The script's key and ARGV for `count` embeddings of an organization's month (negative: given back).
    private func monthArguments(_ monthKey: MonthKey, count: Int, limit: Int, seed: Int?) -> [String] {
        [redisKey(monthKey), String(count), String(limit),
         String(Int(monthKey.month.end.addingTimeInterval(86_400).timeIntervalSince1970.rounded(.up))), seed.map(String.init) ?? ""]
    }

    private func runReconcile(key: String, delta: Int, expireAt: Date, valueIfMissing: Int?) async throws -> (Int, Int) {
        try await evaluate(Self.reconcileScript, sha: Self.reconcileScriptSHA,
                           [key, String(delta), String(Int(expireAt.timeIntervalSince1970.rounded(.up))), valueIfMissing.map(String.init) ?? ""])
    }

    /// EVALSHA, and EVAL when Redis does not know the script yet (which also caches it).
    /// `arguments`: the key, then ARGV.
    private func evaluate(_ script: String, sha: String, _ arguments: [String]) async throws -> (Int, Int) {
        let reply: RESPValue
        do {
            reply = try await client.send(["EVALSHA", sha, "1"] + arguments)
        } catch let error as RedisError where error.code == .serverError && (error.message ?? "").hasPrefix("NOSCRIPT") {
            reply = try await client.send(["EVAL", script, "1"] + arguments)
        }
        guard let result = Self.parse(reply) else {
            throw RedisError(.unexpectedReply, message: "quota script answered \(reply)")
        }
        return result
    }

    /// A script's `{status, count}` reply; nil for anything else (an error reply included).
    static func parse(_ reply: RESPValue) -> (Int, Int)? {
        guard let values = reply.array, values.count == 2, let status = values[0].integer, let count = values[1].integer else { return nil }
        return (status, count)
    }

    private func warn(_ error: any Error) {
        let now = Date()
        let due = lastWarning.withLock { last -> Bool in
            if let previous = last, now.timeIntervalSince(previous) < 60 { return false }
            last = now
            return true
        }
        if due {
            logger.warning("Redis quota counters unavailable; applying the fallback policy until it is back",
                           metadata: ["error": "\(error)", "fallback": "\(fallback)"])
        } else {
            logger.debug("Redis quota counters unavailable", metadata: ["error": "\(error)"])
        }
    }
}
