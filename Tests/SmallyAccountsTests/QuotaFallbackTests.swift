import Foundation
import SmallyAccounts
import SmallyCache
import SmallyTestSupport
import Synchronization
import Testing

/// Issue #14: what the quota limiters do while Redis or the store is unreachable.
@Suite("quota fallback", .serialized) struct QuotaFallbackTests {
    /// A Redis client that never connects (nothing listens on port 1).
    static func deadClient() -> RedisClient {
        RedisClient(configuration: RedisConfiguration(host: "127.0.0.1", port: 1), logger: TestEnvironment.logger)
    }

    /// Stops a throw-away Redis, admits during the outage, starts it again (empty, or with the
    /// counter restored as a persistent Redis would keep it) and checks that the counter in Redis
    /// then holds everything admitted before and during the outage.
    @Test("what a node admits while Redis is down is added back to the Redis counter", arguments: [true, false])
    func outageAdmissionsAreAddedBack(redisKeepsData: Bool) async throws {
        if RedisTestEnvironment.skip { return }
        let server = try await LocalRedisServer.start()
        defer { server.terminate() }
        var configuration = server.configuration
        configuration.commandTimeout = .milliseconds(500)
        let client = RedisClient(configuration: configuration, logger: TestEnvironment.logger)
        let namespace = TestEnvironment.uniqueName("smally:test:quota")
        let limiter = RedisQuotaLimiter(client: client, seed: { _, _ in 100 }, namespace: namespace, logger: TestEnvironment.logger)
        let now = Date()
        let key = "\(namespace):month:org_outage:\(QuotaPeriod.label(of: now))"
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            defer { group.cancelAll() }
            try await waitUntil("Redis connected", within: .seconds(10)) { client.isConnected }

            for _ in 0..<3 { #expect(await limiter.admitEmbeddings(organizationID: "org_outage", count: 10, limit: 1_000, now: now).allowed) }
            #expect(try await client.send(["GET", key]).string == "130")  // seed 100 + 30

            try await server.shutdown()
            try await waitUntil("client sees the outage", within: .seconds(10)) { !client.isConnected }
            for _ in 0..<4 { #expect(await limiter.admitEmbeddings(organizationID: "org_outage", count: 5, limit: 1_000, now: now).allowed) }
            // The local count starts from Redis's last answer (130), not from 0 or the store's 100:
            // with a limit of 150 the 20 admitted meanwhile leave nothing.
            #expect(await !limiter.admitEmbeddings(organizationID: "org_outage", count: 1, limit: 150, now: now).allowed)
            await limiter.release(organizationID: "org_outage", count: 5, admittedAt: now)  // one request failed
            #expect(limiter.unreconciled == 15)

            try await server.start()
            try await waitUntil("Redis reconnected", within: .seconds(10)) { client.isConnected }
            if redisKeepsData {
                _ = try await client.send(["SET", key, "130"])  // what a persistent Redis would still hold
            }
            // The next decision adds the outage's 15 back first, then reads.
            let status = await limiter.admitEmbeddings(organizationID: "org_outage", count: 0, limit: 1_000, now: now)
            #expect(limiter.unreconciled == 0)
            #expect(try await client.send(["GET", key]).string == "145")
            #expect(status.remaining == 1_000 - 145)
        }
    }

    @Test("divided(nodes: 4) lets one node admit a quarter of what was left, and of the per-minute limit")
    func dividedPolicy() async throws {
        let limiter = RedisQuotaLimiter(client: Self.deadClient(), seed: { _, _ in 200 }, fallback: .divided(nodes: 4),
                                        logger: TestEnvironment.logger)
        let now = Date()
        var admitted = 0
        for _ in 0..<300 where await limiter.admitEmbeddings(organizationID: "org_d", count: 1, limit: 1_000, now: now).allowed {
            admitted += 1
        }
        #expect(admitted == 200)  // (1000 − 200) ÷ 4
        var requests = 0
        for _ in 0..<10 where await limiter.admitRequest(keyID: "key_d", limit: 10, now: now).allowed { requests += 1 }
        #expect(requests == 3)  // ⌈10 ÷ 4⌉
    }

    @Test("closed refuses everything while Redis is down and marks the decision unavailable (503)")
    func closedPolicy() async throws {
        let limiter = RedisQuotaLimiter(client: Self.deadClient(), seed: { _, _ in 0 }, fallback: .closed, logger: TestEnvironment.logger)
        let embeddings = await limiter.admitEmbeddings(organizationID: "org_c", count: 1, limit: 1_000, now: Date())
        #expect(!embeddings.allowed && embeddings.unavailable)
        let request = await limiter.admitRequest(keyID: "key_c", limit: 100, now: Date())
        #expect(!request.allowed && request.unavailable)
        #expect(limiter.unreconciled == 0)
    }

    @Test("fallback policies parse from text and refuse anything else")
    func parsing() throws {
        #expect(try QuotaFallback(parsing: "per-node") == .perNode)
        #expect(try QuotaFallback(parsing: "divided:3") == .divided(nodes: 3))
        #expect(try QuotaFallback(parsing: "CLOSED") == .closed)
        for bad in ["", "divided:0", "divided:-1", "divided:\(Int.max)", "divided:", "open"] {
            #expect(throws: AccountsError.self) { try QuotaFallback(parsing: bad) }
        }
        #expect(QuotaFallback.default == .perNode)
    }

    /// The store failed the first seed; this node counted its own admissions (10). When the store
    /// answers (50, which already includes those 10 once flushed) the count becomes 50, not 60.
    @Test("a late seed replaces the provisional count instead of adding to it")
    func lateSeedReplaces() async throws {
        let calls = Mutex(0)
        let limiter = InProcessQuotaLimiter(seed: { _, _ in
            let call = calls.withLock { $0 += 1; return $0 }
            if call == 1 { throw AccountsError(.storageUnavailable, "down") }
            return 50
        }, seedRetryInterval: 0, logger: TestEnvironment.logger)
        let now = Date()
        #expect(await limiter.admitEmbeddings(organizationID: "org_s", count: 10, limit: 100, now: now).allowed)
        #expect(limiter.used(organizationID: "org_s", now: now) == 10)
        let status = await limiter.admitEmbeddings(organizationID: "org_s", count: 0, limit: 100, now: now)
        #expect(limiter.used(organizationID: "org_s", now: now) == 50)
        #expect(status.remaining == 50)
    }
}
