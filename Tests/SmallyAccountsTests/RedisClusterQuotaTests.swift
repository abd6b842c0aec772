import Foundation
import SmallyAccounts
import SmallyCache
import SmallyTestSupport
import Testing

/// Quota counters on a Redis Cluster started by the test (3 masters, 3 replicas).
@Suite("quota on a redis cluster", .serialized)
struct RedisClusterQuotaTests {
    /// Two API nodes (each its own cluster client and limiter), 200 concurrent one-embedding
    /// requests each against one organization with 250 left: exactly 250 pass in all.
    @Test("exact across two nodes") func exactAcrossTwoNodes() async throws {
        guard try TestEnvironment.redisURL() != nil else { return }
        let cluster = try await LocalRedisCluster.start()
        defer { cluster.terminate() }
        let namespace = TestEnvironment.uniqueName("smally:test:quota")
        let clients = (0..<2).map { _ in RedisClusterClient(configuration: cluster.configuration, logger: TestEnvironment.logger) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in clients { group.addTask { try await client.run() } }
            defer { group.cancelAll() }
            for client in clients {
                try await waitUntil("cluster client connected", within: .seconds(30)) { client.isConnected }
            }
            let limiters = clients.map {
                RedisQuotaLimiter(client: $0, seed: { _, _ in 750 }, namespace: namespace, logger: TestEnvironment.logger)
            }
            // Three organizations whose counters live on the three masters, at once.
            let now = Date()
            let month = QuotaPeriod.label(of: QuotaPeriod.month(containing: now).start)
            let masters = cluster.masters()
            var organizations: [String] = []
            var used: Set<Int> = []
            for candidate in (0..<100).map({ "org_\($0)" }) where organizations.count < 3 {
                let slot = HashSlot.of("\(namespace):month:\(candidate):\(month)")
                if let port = masters.first(where: { $0.slots.contains { $0.contains(slot) } })?.port, used.insert(port).inserted {
                    organizations.append(candidate)
                }
            }
            try #require(organizations.count == 3)
            let admitted = await withTaskGroup(of: (String, Bool).self) { group in
                for organization in organizations {
                    for index in 0..<400 {
                        let limiter = limiters[index % 2]
                        group.addTask {
                            (organization, await limiter.admitEmbeddings(organizationID: organization, count: 1, limit: 1000, now: now).allowed)
                        }
                    }
                }
                return await group.reduce(into: [String: Int]()) { counts, result in counts[result.0, default: 0] += result.1 ? 1 : 0 }
            }
            #expect(admitted == Dictionary(uniqueKeysWithValues: organizations.map { ($0, 250) }))
            for limiter in limiters {
                #expect(await limiter.admitEmbeddings(organizationID: organizations[0], count: 0, limit: 1000, now: now).remaining == 0)
            }
        }
    }
}
