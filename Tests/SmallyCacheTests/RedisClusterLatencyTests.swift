import Foundation
import SmallyTestSupport
import Testing

@testable import SmallyCache

/// L2 lookup latency, one Redis against a 3-master cluster on the same machine, in alternating rounds.
/// A measurement, not a CI check (timings on a shared 2-core machine): run with
/// `SMALLY_CLUSTER_BENCH=1 swift test --filter RedisClusterLatencyTests` (a release build: add `-c release`).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["SMALLY_CLUSTER_BENCH"] == "1"))
struct RedisClusterLatencyTests {
    private static func percentile(_ values: [Duration], _ p: Double) -> Duration {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    private static func microseconds(_ d: Duration) -> String {
        String(format: "%.0f µs", Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12)
    }

    /// Times `lookups` calls of `cache.get` of `batch` stored keys each.
    private static func round(_ cache: RedisEmbeddingCache, keys: [CacheKey], batch: Int, lookups: Int) async -> [Duration] {
        var timings: [Duration] = []
        timings.reserveCapacity(lookups)
        for index in 0..<lookups {
            let start = (index * batch) % (keys.count - batch)
            let slice = Array(keys[start..<(start + batch)])
            let began = ContinuousClock.now
            let values = await cache.get(slice)
            timings.append(ContinuousClock.now - began)
            precondition(values.allSatisfy { $0 != nil }, "a stored key missed")
        }
        return timings
    }

    @Test("L2 hit p99: cluster within 1.2x of one Redis (alternating rounds)") func latency() async throws {
        let single = try await LocalRedisServer.start()
        defer { single.terminate() }
        let cluster = try await LocalRedisCluster.start()
        defer { cluster.terminate() }
        let rounds = Int(ProcessInfo.processInfo.environment["ROUNDS"] ?? "6") ?? 6
        let keys = uniqueKeys(1024)
        try await withRunningClient(single.configuration) { one in
            try await withRunningCluster(cluster.configuration) { many in
                let caches = [RedisEmbeddingCache(client: one, ttl: .seconds(300)), RedisEmbeddingCache(client: many, ttl: .seconds(300))]
                for cache in caches {
                    for start in stride(from: 0, to: keys.count, by: 128) {
                        await cache.set(keys[start..<(start + 128)].map { ($0, testVector(1)) })
                    }
                }
                for batch in [1, 32] {
                    var all: [[Duration]] = [[], []]
                    var roundP99: [[Duration]] = [[], []]
                    for _ in 0..<rounds {
                        for (index, cache) in caches.enumerated() {  // A B A B ...
                            let timings = await Self.round(cache, keys: keys, batch: batch, lookups: batch == 1 ? 2000 : 500)
                            all[index] += timings
                            roundP99[index].append(Self.percentile(timings, 0.99))
                        }
                    }
                    let p99 = all.map { Self.percentile($0, 0.99) }
                    let p50 = all.map { Self.percentile($0, 0.5) }
                    print("L2 lookup of \(batch) key(s), \(rounds) alternating rounds: one Redis p50 \(Self.microseconds(p50[0])) p99 \(Self.microseconds(p99[0])) (rounds \(roundP99[0].map(Self.microseconds))); cluster p50 \(Self.microseconds(p50[1])) p99 \(Self.microseconds(p99[1])) (rounds \(roundP99[1].map(Self.microseconds))); ratio p99 \(String(format: "%.2f", p99[1] / p99[0]))")
                    if batch == 1 {
                        #expect(p99[1] <= p99[0] * 1.2, "cluster p99 \(p99[1]) vs one Redis \(p99[0])")
                    }
                }
            }
        }
    }
}
