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
///
/// A month counter missing in Redis (new month, flushed Redis) is seeded from the store in the
/// same script call (`SET` only if still absent). While Redis is unreachable, decisions come
/// from an ``InProcessQuotaLimiter`` (per node, seeded from the store) and a warning is logged
/// at most once a minute.
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

    static let scriptSHA: String = {
        Insecure.SHA1.hash(data: Array(script.utf8)).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }()

    private let client: RedisClient
    private let seed: QuotaSeed?
    private let fallback: InProcessQuotaLimiter
    private let namespace: String
    private let logger: Logger
    private let lastWarning = Mutex<Date?>(nil)

    /// - Parameters:
    ///   - namespace: key prefix, default `smally:quota` (tests use their own).
    public init(client: RedisClient, seed: QuotaSeed?, namespace: String = "smally:quota", logger: Logger) {
        self.client = client
        self.seed = seed
        self.fallback = InProcessQuotaLimiter(seed: seed, logger: logger)
        self.namespace = namespace
        self.logger = logger
    }

    public func admitRequest(keyID: String, limit: Int, now: Date) async -> LimitDecision {
        let minute = QuotaPeriod.minute(containing: now)
        let key = "\(namespace):minute:\(keyID):\(Int(minute.start.timeIntervalSince1970) / 60)"
        do {
            let (status, used) = try await run(key: key, count: 1, limit: limit, expireAt: minute.end.addingTimeInterval(5), seed: 0)
            return LimitDecision(allowed: status == 1, limit: limit, remaining: max(0, limit - used), resetAt: minute.end)
        } catch {
            warn(error)
            return await fallback.admitRequest(keyID: keyID, limit: limit, now: now)
        }
    }

    public func admitEmbeddings(organizationID: String, count: Int, limit: Int, now: Date) async -> LimitDecision {
        let month = QuotaPeriod.month(containing: now)
        let key = monthKey(organizationID, month: month)
        do {
            var (status, used) = try await run(key: key, count: count, limit: limit, expireAt: month.end.addingTimeInterval(86_400), seed: nil)
            if status == -1 {
                let start = try await seed?(organizationID, month) ?? 0
                (status, used) = try await run(key: key, count: count, limit: limit, expireAt: month.end.addingTimeInterval(86_400), seed: start)
            }
            return LimitDecision(allowed: status == 1, limit: limit, remaining: max(0, limit - used), resetAt: month.end)
        } catch {
            warn(error)
            return await fallback.admitEmbeddings(organizationID: organizationID, count: count, limit: limit, now: now)
        }
    }

    public func release(organizationID: String, count: Int, admittedAt: Date) async {
        let month = QuotaPeriod.month(containing: admittedAt)
        do {
            _ = try await run(key: monthKey(organizationID, month: month), count: -count, limit: 0,
                              expireAt: month.end.addingTimeInterval(86_400), seed: nil)
        } catch {
            warn(error)
            await fallback.release(organizationID: organizationID, count: count, admittedAt: admittedAt)
        }
    }

    private func monthKey(_ organizationID: String, month: QuotaPeriod.Interval) -> String {
        "\(namespace):month:\(organizationID):\(QuotaPeriod.label(of: month.start))"
    }

    /// EVALSHA, and EVAL when Redis does not know the script yet (which also caches it).
    private func run(key: String, count: Int, limit: Int, expireAt: Date, seed: Int?) async throws -> (Int, Int) {
        let arguments = [key, String(count), String(limit), String(Int(expireAt.timeIntervalSince1970.rounded(.up))), seed.map(String.init) ?? ""]
        let reply: RESPValue
        do {
            reply = try await client.send(["EVALSHA", Self.scriptSHA, "1"] + arguments)
        } catch let error as RedisError where error.code == .serverError && (error.message ?? "").hasPrefix("NOSCRIPT") {
            reply = try await client.send(["EVAL", Self.script, "1"] + arguments)
        }
        guard let values = reply.array, values.count == 2, let status = values[0].integer, let used = values[1].integer else {
            throw RedisError(.unexpectedReply, message: "quota script answered \(reply)")
        }
        return (status, used)
    }

    private func warn(_ error: any Error) {
        let now = Date()
        let due = lastWarning.withLock { last -> Bool in
            if let previous = last, now.timeIntervalSince(previous) < 60 { return false }
            last = now
            return true
        }
        if due {
            logger.warning("Redis quota counters unavailable; enforcing limits per node until it is back",
                           metadata: ["error": "\(error)"])
        } else {
            logger.debug("Redis quota counters unavailable", metadata: ["error": "\(error)"])
        }
    }
}
