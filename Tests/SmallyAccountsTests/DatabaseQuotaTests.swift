import Foundation
import PostgresNIO
import SmallyAccounts
import Synchronization
import Testing

/// Monthly quotas counted in PostgreSQL (no Redis), by two "nodes" — two limiters, each with its
/// own connection pool — sharing one database.
@Suite("database quota") struct DatabaseQuotaTests {
    /// Runs `body` with two limiters over one fresh schema; `used` embeddings are recorded as usage first.
    static func withTwoNodes(organizationID: String, used: Int,
                             _ body: @escaping @Sendable (DatabaseQuotaLimiter, DatabaseQuotaLimiter) async throws -> Void) async throws {
        guard let url = try TestEnvironment.databaseURL() else { return }
        try await TestEnvironment.withPostgres(url: url, logger: TestEnvironment.logger) { first in
            if used > 0 {
                try await first.apply(UsageBatch(counts: [UsageBucket(organizationID: organizationID, keyID: "key_1", at: Date()):
                                                            UsageCounts(requests: 1, embeddings: used, tokens: 0, cacheHits: 0)], lastUsed: [:]))
            }
            var clientLogger = TestEnvironment.logger
            clientLogger.logLevel = .error
            let client = PostgresClient(configuration: try PostgresSettings.clientConfiguration(url: url, maxConnections: 8, schema: first.schema),
                                        backgroundLogger: clientLogger)
            let second = PostgresAccountStore(client: client, schema: first.schema, logger: TestEnvironment.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                // A long timeout: these tests are about the counting; with the whole suite on 2
                // cores, 400 admissions queued on one row took over the default 5 s (and the
                // fallback decided). The timeout path is tested with `FlakyCounters` below.
                try await body(DatabaseQuotaLimiter(store: first, timeout: .seconds(60), logger: TestEnvironment.logger),
                               DatabaseQuotaLimiter(store: second, timeout: .seconds(60), logger: TestEnvironment.logger))
            }
        }
    }

    /// 400 concurrent requests over two nodes against a quota with 250 left: exactly 250 pass.
    @Test("exact across two nodes under concurrency") func exactAcrossTwoNodes() async throws {
        try await Self.withTwoNodes(organizationID: "org_exact", used: 750) { a, b in
            let now = Date()
            let admitted = await withTaskGroup(of: Bool.self) { group in
                for i in 0..<400 {
                    let limiter = i % 2 == 0 ? a : b
                    group.addTask { await limiter.admitEmbeddings(organizationID: "org_exact", count: 1, limit: 1000, now: now).allowed }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(admitted == 250)
            for limiter in [a, b] {
                let status = await limiter.admitEmbeddings(organizationID: "org_exact", count: 0, limit: 1000, now: now)
                #expect(status.allowed && status.remaining == 0)
                #expect(status.resetAt == QuotaPeriod.month(containing: now).end)
            }
        }
    }

    @Test("batches are all or nothing, releasable, per month") func batchesAndRelease() async throws {
        try await Self.withTwoNodes(organizationID: "org_b", used: 0) { a, b in
            let now = Date()
            #expect(await a.admitEmbeddings(organizationID: "org_b", count: 8, limit: 10, now: now).remaining == 2)
            let refused = await b.admitEmbeddings(organizationID: "org_b", count: 3, limit: 10, now: now)
            #expect(!refused.allowed && refused.remaining == 2)
            await b.release(organizationID: "org_b", count: 8, admittedAt: now)
            #expect(await a.admitEmbeddings(organizationID: "org_b", count: 10, limit: 10, now: now).allowed)
            #expect(await b.admitEmbeddings(organizationID: "org_b", count: 5, limit: 20, now: now).remaining == 5)
            let nextMonth = QuotaPeriod.month(containing: now).end.addingTimeInterval(1)
            #expect(await b.admitEmbeddings(organizationID: "org_b", count: 10, limit: 10, now: nextMonth).allowed)
        }
    }

    @Test("database outage: fallback per node, closed refuses, admissions added back") func outage() async throws {
        let store = FlakyCounters()
        let limiter = DatabaseQuotaLimiter(store: store, timeout: .milliseconds(200), logger: TestEnvironment.logger)
        let now = Date()
        #expect(await limiter.admitEmbeddings(organizationID: "o", count: 60, limit: 100, now: now).remaining == 40)
        store.failing = true
        // Per node: this node's share is what remained at the last count it saw (40).
        #expect(await limiter.admitEmbeddings(organizationID: "o", count: 30, limit: 100, now: now).allowed)
        #expect(await !limiter.admitEmbeddings(organizationID: "o", count: 11, limit: 100, now: now).allowed)
        await limiter.release(organizationID: "o", count: 5, admittedAt: now)
        store.failing = false
        // Back: the 25 admitted (net) meanwhile are added to the shared counter first.
        let back = await limiter.admitEmbeddings(organizationID: "o", count: 0, limit: 100, now: now)
        #expect(back.remaining == 15)
        #expect(store.used == 85)

        // Slower than the timeout: the fallback decides, and the late count in the database is
        // taken off what is added back, so the admission is counted once.
        let slow = FlakyCounters()
        slow.delay = .milliseconds(400)
        let impatient = DatabaseQuotaLimiter(store: slow, timeout: .milliseconds(50), logger: TestEnvironment.logger)
        #expect(await impatient.admitEmbeddings(organizationID: "o", count: 10, limit: 100, now: now).allowed)
        try await Task.sleep(for: .milliseconds(600))
        slow.delay = nil
        #expect(await impatient.admitEmbeddings(organizationID: "o", count: 0, limit: 100, now: now).remaining == 90)
        #expect(slow.used == 10)

        let closed = DatabaseQuotaLimiter(store: store, fallback: .closed, timeout: .milliseconds(200), logger: TestEnvironment.logger)
        store.failing = true
        let refused = await closed.admitEmbeddings(organizationID: "o", count: 1, limit: 100, now: now)
        #expect(!refused.allowed && refused.unavailable)
    }
}

/// One organization-month counter in memory that fails on demand.
private final class FlakyCounters: QuotaCounterStore {
    private let state = Mutex((used: 0, failing: false, delay: Duration?.none))
    var failing: Bool {
        get { state.withLock { $0.failing } }
        set { state.withLock { $0.failing = newValue } }
    }
    var delay: Duration? {
        get { state.withLock { $0.delay } }
        set { state.withLock { $0.delay = newValue } }
    }
    var used: Int { state.withLock { $0.used } }

    struct Down: Error {}

    func addToQuota(organizationID: String, month: QuotaPeriod.Interval, count: Int, limit: Int) async throws -> (allowed: Bool, used: Int) {
        if let delay { try? await Task.sleep(for: delay) }  // not cancelled: the database finishes what it started
        return try state.withLock { state in
            if state.failing { throw Down() }
            guard state.used + count <= limit else { return (false, state.used) }
            state.used += count
            return (true, state.used)
        }
    }

    func adjustQuota(organizationID: String, month: QuotaPeriod.Interval, delta: Int) async throws {
        try state.withLock { state in
            if state.failing { throw Down() }
            state.used = max(0, state.used + delta)
        }
    }
}
