import Foundation
import SmallyAccounts
import SmallyCache
import SmallyTestSupport
import Testing

/// Quota counters in a Sentinel-managed Redis (1 master + 1 replica + 3 sentinels started by the test):
/// the master is SIGKILLed while admissions go on; afterwards the new master's counter holds exactly
/// what was admitted — before the kill (replicated), during the switch (per-node fallback, added back)
/// and after it.
@Suite("quota counters under a Sentinel failover", .serialized, .enabled(if: !RedisTestEnvironment.skip))
struct SentinelQuotaTests {
    @Test("master killed: admissions keep working and the new master's counter is exact")
    func masterKilled() async throws {
        let setup = try await LocalSentinelSetup.start()
        defer { setup.terminate() }
        var configuration = try RedisConfiguration(url: setup.url)
        configuration.commandTimeout = .milliseconds(500)
        configuration.connectTimeout = .milliseconds(500)
        let client = RedisClient(configuration: configuration, logger: TestEnvironment.logger)
        let namespace = TestEnvironment.uniqueName("smally:test:quota")
        let limiter = RedisQuotaLimiter(client: client, seed: { _, _ in 100 }, namespace: namespace, logger: TestEnvironment.logger)
        let now = Date()
        let key = "\(namespace):month:org_sentinel:\(QuotaPeriod.label(of: now))"
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            defer { group.cancelAll() }
            try await waitUntil("Redis connected", within: .seconds(30)) { client.isConnected }
            for _ in 0..<3 { #expect(await limiter.admitEmbeddings(organizationID: "org_sentinel", count: 10, limit: 1_000_000, now: now).allowed) }
            // Replicated before the kill (Redis replication is asynchronous: only what reached the replica survives).
            #expect(try await client.send(["WAIT", "1", "2000"]) == .integer(1))

            try setup.kill(port: setup.master.port)
            var admitted = 30
            let start = ContinuousClock.now
            // Admissions go on through the outage and the switch, until they are counted on the new master again.
            while ContinuousClock.now - start < .seconds(30) {
                if await limiter.admitEmbeddings(organizationID: "org_sentinel", count: 1, limit: 1_000_000, now: now).allowed { admitted += 1 }
                if setup.masterPort() == setup.replica.port, client.isConnected, limiter.unreconciled == 0 { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(limiter.unreconciled == 0)
            for _ in 0..<5 where await limiter.admitEmbeddings(organizationID: "org_sentinel", count: 2, limit: 1_000_000, now: now).allowed {
                admitted += 2
            }
            #expect(admitted >= 30 + 1 + 10)  // before, at least one through the switch, after
            let counter = try LocalSentinelSetup.cli(port: setup.replica.port, ["GET", key]).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(counter == String(100 + admitted))
        }
    }
}
