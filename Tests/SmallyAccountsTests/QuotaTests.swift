import Foundation
import SmallyAccounts
import SmallyCache
import Testing

@Suite("quota") struct QuotaTests {
    enum Kind: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case inProcess
        case redis
        var testDescription: String { rawValue }
    }

    /// Runs `body` with a limiter of `kind` whose month counters are seeded with `seed`.
    static func withLimiter(_ kind: Kind, seed: Int = 0, _ body: @escaping @Sendable (any QuotaLimiter) async throws -> Void) async throws {
        let seedFunction: QuotaSeed = { _, _ in seed }
        switch kind {
        case .inProcess:
            try await body(InProcessQuotaLimiter(seed: seedFunction))
        case .redis:
            try await TestEnvironment.withRedis { client in
                try await body(RedisQuotaLimiter(client: client, seed: seedFunction, namespace: TestEnvironment.uniqueName("smally:test:quota"),
                                                 logger: TestEnvironment.logger))
            }
        }
    }

    /// 400 concurrent requests of one embedding each against a quota with 250 left: exactly 250 pass.
    @Test("exact under concurrency", arguments: Kind.allCases)
    func exactUnderConcurrency(kind: Kind) async throws {
        try await Self.withLimiter(kind, seed: 750) { limiter in
            let now = Date()
            let admitted = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<400 {
                    group.addTask { await limiter.admitEmbeddings(organizationID: "org_exact", count: 1, limit: 1000, now: now).allowed }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(admitted == 250)
            let status = await limiter.admitEmbeddings(organizationID: "org_exact", count: 0, limit: 1000, now: now)
            #expect(status.remaining == 0 && status.allowed)
            #expect(status.resetAt == QuotaPeriod.month(containing: now).end)
        }
    }

    @Test("batches are all or nothing and releasable", arguments: Kind.allCases)
    func batchesAreAllOrNothingAndReleasable(kind: Kind) async throws {
        try await Self.withLimiter(kind) { limiter in
            let now = Date()
            #expect(await limiter.admitEmbeddings(organizationID: "org_b", count: 8, limit: 10, now: now).remaining == 2)
            let refused = await limiter.admitEmbeddings(organizationID: "org_b", count: 3, limit: 10, now: now)
            #expect(!refused.allowed && refused.remaining == 2)
            await limiter.release(organizationID: "org_b", count: 8, admittedAt: now)
            #expect(await limiter.admitEmbeddings(organizationID: "org_b", count: 10, limit: 10, now: now).allowed)
            // A raised limit (tier change) applies at once.
            #expect(await limiter.admitEmbeddings(organizationID: "org_b", count: 5, limit: 20, now: now).remaining == 5)
            // Next month starts again (seeded from the store, here 0).
            let nextMonth = QuotaPeriod.month(containing: now).end.addingTimeInterval(1)
            #expect(await limiter.admitEmbeddings(organizationID: "org_b", count: 10, limit: 10, now: nextMonth).allowed)
        }
    }

    @Test("per minute limit and its reset", arguments: Kind.allCases)
    func perMinuteLimitAndItsReset(kind: Kind) async throws {
        try await Self.withLimiter(kind) { limiter in
            let key = TestEnvironment.uniqueName("key")
            let minute = QuotaPeriod.minute(containing: Date())
            let start = minute.start.addingTimeInterval(10)
            var decisions: [LimitDecision] = []
            for _ in 0..<6 { decisions.append(await limiter.admitRequest(keyID: key, limit: 5, now: start)) }
            #expect(decisions.map(\.allowed) == [true, true, true, true, true, false])
            #expect(decisions.map(\.remaining) == [4, 3, 2, 1, 0, 0])
            #expect(decisions[5].resetAt == minute.end && decisions[5].secondsUntilReset(from: start) == 50)
            // The next minute: a fresh allowance.
            let next = await limiter.admitRequest(keyID: key, limit: 5, now: minute.end.addingTimeInterval(1))
            #expect(next.allowed && next.remaining == 4)
        }
    }

    @Test("in process counters are seeded from the store") func inProcessCountersAreSeededFromTheStore() async throws {
        try await TestEnvironment.withStore(.sqlite) { store in
            let admin = AccountsAdmin(store: store)
            let org = try await admin.createOrganization(name: "acme", tier: .free)
            let key = try await admin.createKey(organization: "acme")
            let now = Date()
            try await store.apply(UsageBatch(counts: [UsageBucket(organizationID: org.id, keyID: key.record.id, at: now):
                                                        UsageCounts(requests: 1, embeddings: 95, tokens: 0, cacheHits: 0)], lastUsed: [:]))
            let limiter = InProcessQuotaLimiter(seed: { id, month in try await store.embeddings(organizationID: id, from: month.start, to: month.end) })
            #expect(await limiter.admitEmbeddings(organizationID: org.id, count: 5, limit: 100, now: now).remaining == 0)
            #expect(await !limiter.admitEmbeddings(organizationID: org.id, count: 1, limit: 100, now: now).allowed)
        }
    }

    /// While Redis is unreachable the limiter still decides (per node, in process).
    @Test("redis outage falls back to in process counters") func redisOutageFallsBackToInProcessCounters() async throws {
        let client = RedisClient(configuration: RedisConfiguration(host: "127.0.0.1", port: 1), logger: TestEnvironment.logger)
        let capture = LogCapture()
        let limiter = RedisQuotaLimiter(client: client, seed: { _, _ in 0 }, logger: capture.logger)  // never run: not connected
        let now = Date()
        #expect(await limiter.admitEmbeddings(organizationID: "org_x", count: 2, limit: 3, now: now).allowed)
        #expect(await !limiter.admitEmbeddings(organizationID: "org_x", count: 2, limit: 3, now: now).allowed)
        #expect(await limiter.admitRequest(keyID: "key_x", limit: 1, now: now).allowed)
        #expect(await !limiter.admitRequest(keyID: "key_x", limit: 1, now: now).allowed)
        #expect(capture.text.contains("Redis quota counters unavailable"))
    }
}
