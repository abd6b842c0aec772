import Foundation
import SmallyAccounts
import SmallyTestSupport
import Testing

/// Issue #14: usage rows and key updates are written in one global order, so two nodes flushing
/// overlapping rows cannot deadlock in PostgreSQL.
@Suite("usage order") struct UsageOrderTests {
    static func batch(organizations: Int, keys: Int, minutes: Int, shuffledWith seed: UInt64) -> UsageBatch {
        var generator = SplitMix64(seed: seed)
        var buckets: [UsageBucket] = []
        for o in 0..<organizations {
            for k in 0..<keys {
                for m in 0..<minutes {
                    buckets.append(UsageBucket(organizationID: "org_\(o)", keyID: "key_\(o)_\(k)", minute: Int64(1_800_000_000 + 60 * m)))
                }
            }
        }
        buckets.shuffle(using: &generator)
        var counts: [UsageBucket: UsageCounts] = [:]
        var lastUsed: [String: Date] = [:]
        for bucket in buckets {
            counts[bucket] = UsageCounts(requests: 1, embeddings: 2, tokens: 3, cacheHits: 0)
            lastUsed[bucket.keyID] = Date(timeIntervalSince1970: TimeInterval(bucket.minute))
        }
        return UsageBatch(counts: counts, lastUsed: lastUsed)
    }

    @Test("a batch's rows come out sorted by organization, key and minute, and its keys by id, whatever the dictionary order")
    func orderIsGlobal() {
        let batch = Self.batch(organizations: 7, keys: 5, minutes: 9, shuffledWith: 14)
        let rows = batch.orderedCounts.map(\.bucket)
        #expect(rows.count == 7 * 5 * 9)
        for (a, b) in zip(rows, rows.dropFirst()) {
            let tupleA = (a.organizationID, a.keyID, a.minute), tupleB = (b.organizationID, b.keyID, b.minute)
            #expect(tupleA < tupleB, "\(tupleA) before \(tupleB)")
        }
        let keys = batch.orderedLastUsed.map(\.keyID)
        #expect(keys == keys.sorted() && keys.count == 35)
        // Another process would build the same dictionary in another order; the output is the same.
        let other = Self.batch(organizations: 7, keys: 5, minutes: 9, shuffledWith: 99)
        #expect(other.orderedCounts.map(\.bucket) == rows)
    }

    @Test("two writers applying overlapping batches concurrently both commit (no deadlock) and every count lands once",
          arguments: Backend.allCases)
    func concurrentOverlappingBatches(backend: Backend) async throws {
        try await TestEnvironment.withStore(backend) { store in
            let rounds = 8
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<2 {
                    group.addTask {
                        for round in 0..<rounds {
                            // Same 4 × 10 × 5 rows, built in a different order by each writer and round.
                            try await store.apply(Self.batch(organizations: 4, keys: 10, minutes: 5, shuffledWith: UInt64(writer * 1000 + round)))
                        }
                    }
                }
                try await group.waitForAll()
            }
            for o in 0..<4 {
                let rows = try await store.usage(organizationID: "org_\(o)", from: Date(timeIntervalSince1970: 1_799_000_000),
                                                 to: Date(timeIntervalSince1970: 1_801_000_000))
                #expect(rows.count == 10)
                #expect(rows.allSatisfy { $0.counts == UsageCounts(requests: 2 * rounds * 5, embeddings: 4 * rounds * 5, tokens: 6 * rounds * 5) })
            }
        }
    }
}
