import Foundation
import MetricsTestKit
import NIOCore
import SmallyCache
import Testing

@testable import SmallyAccounts

/// A metered request's two counters decided together (`QuotaAdmission`): against a real Redis, in
/// one round trip, alone or riding along with the L2 cache lookup; and with the one-by-one
/// semantics kept (a request its minute refuses charges nothing to the month).
/// Serialized: one test flushes Redis's scripts, which would add round trips to another's count.
@Suite("quota admission", .serialized) struct QuotaAdmissionTests {
    static func roundTrips(_ metrics: TestMetrics) -> Int {
        metrics.timers.filter { $0.label == "smally_redis_command_duration_seconds" }.reduce(0) { $0 + $1.values.count }
    }

    static func limiter(_ client: RedisClient, seed: Int = 0) -> RedisQuotaLimiter {
        RedisQuotaLimiter(client: client, seed: { _, _ in seed }, namespace: TestEnvironment.uniqueName("smally:test:admission"),
                          logger: TestEnvironment.logger)
    }

    static func admission(key: String?, perMinute: Int = 100, organization: String, count: Int, perMonth: Int, now: Date = Date()) -> QuotaAdmission {
        QuotaAdmission(keyID: key, requestsPerMinute: perMinute, organizationID: organization, embeddings: count,
                       embeddingsPerMonth: perMonth, now: now)
    }

    @Test("the minute, the month and the L2 lookup cost one round trip")
    func oneRoundTripWithTheLookup() async throws {
        let metrics = TestMetrics()
        try await TestEnvironment.withRedis(metrics: metrics) { client in
            let limiter = Self.limiter(client)
            _ = try await client.send(["SCRIPT", "LOAD", RedisQuotaLimiter.script])  // EVALSHA known, as after the first request
            let cache = RedisEmbeddingCache(client: client, ttl: .seconds(60), keyPrefix: TestEnvironment.uniqueName("smally:test:emb") + ":")
            let stored = CacheKey(model: "m", tokenIDs: [101, 7, 102])
            await cache.set([(stored, [1, 2, 3])])
            let absent = CacheKey(model: "m", tokenIDs: [101, 8, 102])
            let key = TestEnvironment.uniqueName("key")
            let organization = TestEnvironment.uniqueName("org")
            let now = Date()
            let admission = Self.admission(key: key, perMinute: 5, organization: organization, count: 2, perMonth: 10, now: now)

            _ = await limiter.admitEmbeddings(organizationID: organization, count: 0, limit: 10, now: now)  // the month's counter exists
            let before = Self.roundTrips(metrics)
            let (vectors, replies) = await cache.get([stored, absent], alongside: limiter.commands(for: admission))
            let decision = await limiter.admit(admission, replies: replies)
            #expect(Self.roundTrips(metrics) - before == 1)
            #expect(vectors.count == 2 && vectors[0] == [1, 2, 3] && vectors[1] == nil)
            #expect(decision.perMinute?.allowed == true && decision.perMinute?.remaining == 4)
            #expect(decision.monthly?.allowed == true && decision.monthly?.remaining == 8)

            // Without a lookup to ride along with: still one round trip for both counters.
            let alone = await limiter.admit(Self.admission(key: key, perMinute: 5, organization: organization, count: 3, perMonth: 10, now: now), replies: nil)
            #expect(Self.roundTrips(metrics) - before == 2)
            #expect(alone.perMinute?.remaining == 3 && alone.monthly?.remaining == 5)
            // The counters themselves, read one by one.
            #expect(await limiter.admitEmbeddings(organizationID: organization, count: 0, limit: 10, now: now).remaining == 5)
            #expect(await limiter.admitRequest(keyID: key, limit: 5, now: now).remaining == 2)
        }
    }

    @Test("a request its minute refuses charges nothing to the month", arguments: QuotaTests.Kind.allCases)
    func refusedByTheMinute(kind: QuotaTests.Kind) async throws {
        try await QuotaTests.withLimiter(kind) { limiter in
            let key = TestEnvironment.uniqueName("key")
            let organization = TestEnvironment.uniqueName("org")
            let now = Date()
            let first = await limiter.admit(Self.admission(key: key, perMinute: 1, organization: organization, count: 4, perMonth: 10, now: now), replies: nil)
            #expect(first.perMinute?.allowed == true && first.monthly?.remaining == 6)
            // Redis: both scripts in one pipeline, the month's charge given back.
            let refused = await limiter.admit(Self.admission(key: key, perMinute: 1, organization: organization, count: 4, perMonth: 10, now: now), replies: nil)
            #expect(refused.perMinute?.allowed == false && refused.perMinute?.remaining == 0)
            #expect(refused.monthly == nil)
            #expect(await limiter.admitEmbeddings(organizationID: organization, count: 0, limit: 10, now: now).remaining == 6)
            // Counted already (keyID nil): only the month is decided.
            let monthOnly = await limiter.admit(Self.admission(key: nil, perMinute: 1, organization: organization, count: 6, perMonth: 10, now: now),
                                                replies: nil)
            #expect(monthOnly.perMinute == nil && monthOnly.monthly?.allowed == true && monthOnly.monthly?.remaining == 0)
        }
    }

    @Test("scripts Redis does not know yet and a missing month counter are decided one by one, counted once")
    func unknownScriptAndMissingCounter() async throws {
        try await TestEnvironment.withRedis { client in
            let limiter = Self.limiter(client, seed: 750)
            _ = try await client.send(["SCRIPT", "FLUSH"])
            let key = TestEnvironment.uniqueName("key")
            let organization = TestEnvironment.uniqueName("org")
            let now = Date()
            // NOSCRIPT for both: the one-by-one path loads the script and seeds the month from the store.
            let first = await limiter.admit(Self.admission(key: key, perMinute: 5, organization: organization, count: 1, perMonth: 1000, now: now),
                                            replies: nil)
            #expect(first.perMinute?.remaining == 4)
            #expect(first.monthly?.allowed == true && first.monthly?.remaining == 249)
            // The script is known now; a new month's counter is missing: seeded once, charged once.
            let nextMonth = QuotaPeriod.month(containing: now).end.addingTimeInterval(60)
            let second = await limiter.admit(Self.admission(key: key, perMinute: 5, organization: organization, count: 10, perMonth: 1000, now: nextMonth),
                                             replies: nil)
            #expect(second.perMinute?.remaining == 4)
            #expect(second.monthly?.remaining == 240)
            #expect(await limiter.admitEmbeddings(organizationID: organization, count: 0, limit: 1000, now: nextMonth).remaining == 240)
            #expect(await limiter.admitRequest(keyID: key, limit: 5, now: now).remaining == 3)
        }
    }

    /// 400 concurrent admissions of one embedding each (each riding in its own pipeline) against a
    /// quota with 250 left: exactly 250 pass, and each key's minute counted each request once.
    @Test("exact under concurrency")
    func exactUnderConcurrency() async throws {
        try await TestEnvironment.withRedis { client in
            let limiter = Self.limiter(client, seed: 750)
            let organization = TestEnvironment.uniqueName("org")
            let now = Date()
            _ = await limiter.admitEmbeddings(organizationID: organization, count: 0, limit: 1000, now: now)  // seeded
            let keys = (0..<4).map { _ in TestEnvironment.uniqueName("key") }
            let admitted = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<400 {
                    group.addTask {
                        let admission = Self.admission(key: keys[index % 4], perMinute: 1000, organization: organization, count: 1, perMonth: 1000,
                                                       now: now)
                        let replies = try? await client.execute(limiter.commands(for: admission)!)
                        return await limiter.admit(admission, replies: replies).monthly?.allowed == true
                    }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(admitted == 250)
            #expect(await limiter.admitEmbeddings(organizationID: organization, count: 0, limit: 1000, now: now).remaining == 0)
            for key in keys {
                #expect(await limiter.admitRequest(keyID: key, limit: 1000, now: now).remaining == 1000 - 101)
            }
        }
    }
}
