import Synchronization
import SmallyTestSupport
import Testing

@testable import SmallyCache

/// The LRU's own hash table and batched paths: everything is checked against a naive reference model.
@Suite("LRU cache table") struct LRUCacheTableTests {
    /// Most recent first; linear scans are fine at test sizes.
    struct ReferenceLRU {
        let capacity: Int
        var entries: [(key: CacheKey, value: Int)] = []

        mutating func get(_ key: CacheKey) -> Int? {
            guard let i = self.entries.firstIndex(where: { $0.key == key }) else { return nil }
            let entry = self.entries.remove(at: i)
            self.entries.insert(entry, at: 0)
            return entry.value
        }

        mutating func set(_ key: CacheKey, _ value: Int) {
            guard self.capacity > 0 else { return }
            self.entries.removeAll { $0.key == key }
            self.entries.insert((key, value), at: 0)
            if self.entries.count > self.capacity { self.entries.removeLast() }
        }
    }

    /// Keys whose `w0`s pile up on few home buckets: several share `w0` outright (same home and same
    /// fingerprint, told apart only by `w1`), and some home on the last bucket so chains wrap around to
    /// bucket 0, where others home. Whatever the table size, `w0 >> 32 == 0xFFFF_FFFF` homes on the last
    /// bucket and `w0 >> 32 == 0` on the first.
    static func collidingKeys(_ count: Int) -> [CacheKey] {
        let w0s: [UInt64] = [
            0xFFFF_FFFF_0000_0001, 0xFFFF_FFFF_0000_0002,  // last bucket
            0x0000_0000_0000_0003, 0x0000_0000_0000_0004,  // first bucket
            0x8000_0000_0000_0005,  // the middle
        ]
        return (0..<count).map { i in CacheKey(w0: w0s[i % w0s.count], w1: UInt64(i), w2: 0, w3: 0) }
    }

    static func hashedKeys(_ count: Int) -> [CacheKey] {
        (0..<count).map { CacheKey(model: "m", tokenIDs: [Int32($0)]) }
    }

    /// Random single and batched gets and sets (batches crossing `batchChunk`, with repeated keys) checked
    /// step by step against the reference model; the recency order is compared every few hundred steps.
    func churn(capacity: Int, keys: [CacheKey], steps: Int, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let cache = LRUCache<Int>(capacity: capacity)
        var model = ReferenceLRU(capacity: capacity)
        let maxBatch = 2 * LRUCache<Int>.batchChunk + 3
        for step in 0..<steps {
            switch rng.next() % 4 {
            case 0:
                let key = keys[Int(rng.next() % UInt64(keys.count))]
                cache.set(key, step)
                model.set(key, step)
            case 1:
                let key = keys[Int(rng.next() % UInt64(keys.count))]
                let expected = model.get(key)
                #expect(cache.get(key) == expected, "step \(step)")
            case 2:
                let batch = (0..<Int(rng.next() % UInt64(maxBatch))).map { i in
                    (keys[Int(rng.next() % UInt64(keys.count))], step * 1_000 + i)
                }
                cache.store(batch)
                for (key, value) in batch { model.set(key, value) }
            default:
                let batch = (0..<Int(rng.next() % UInt64(maxBatch))).map { _ in keys[Int(rng.next() % UInt64(keys.count))] }
                let expected = batch.map { model.get($0) }
                #expect(cache.values(for: batch) == expected, "step \(step)")
            }
            if step % 251 == 0 {
                #expect(cache.keysByRecency == model.entries.map(\.key), "step \(step)")
            }
        }
        #expect(cache.keysByRecency == model.entries.map(\.key))
        #expect(cache.count == model.entries.count)
    }

    @Test("churn with hashed keys matches reference model", arguments: [1, 2, 7, 64, 300])
    func churnWithHashedKeysMatchesReferenceModel(capacity: Int) {
        // Three times the capacity in keys: most sets evict.
        self.churn(capacity: capacity, keys: Self.hashedKeys(3 * capacity + 1), steps: 1_500, seed: UInt64(capacity))
    }

    @Test("churn with colliding keys matches reference model", arguments: [1, 3, 8, 40])
    func churnWithCollidingKeysMatchesReferenceModel(capacity: Int) {
        self.churn(capacity: capacity, keys: Self.collidingKeys(2 * capacity + 5), steps: 1_500, seed: 7 + UInt64(capacity))
    }

    @Test("evicting from the middle of a probe chain keeps the rest reachable") func evictingFromTheMiddleOfAProbeChainKeepsTheRestReachable() {
        // Six keys with one w0 form a single probe chain; evicting each position in turn (front, middle,
        // wrapped end) must leave every other key reachable and the evicted one gone.
        let sameW0 = (0..<6).map { CacheKey(w0: 0xFFFF_FFFF_1234_5678, w1: UInt64($0), w2: 9, w3: 9) }
        for victim in 0..<6 {
            let cache = LRUCache<Int>(capacity: 6)
            for (i, key) in sameW0.enumerated() { cache.set(key, i) }
            // Refresh everything but the victim, oldest first, so the victim becomes least recently used.
            for (i, key) in sameW0.enumerated() where i != victim { #expect(cache.get(key) == i) }
            let newcomer = CacheKey(w0: 0xFFFF_FFFF_1234_5678, w1: 100, w2: 9, w3: 9)
            cache.set(newcomer, 100)
            #expect(cache.get(sameW0[victim]) == nil, "victim \(victim)")
            for (i, key) in sameW0.enumerated() where i != victim { #expect(cache.get(key) == i, "victim \(victim), key \(i)") }
            #expect(cache.get(newcomer) == 100)
            #expect(cache.count == 6)
        }
    }

    @Test("keys differing only after the first word are distinct") func keysDifferingOnlyAfterTheFirstWordAreDistinct() {
        let a = CacheKey(w0: 42, w1: 1, w2: 2, w3: 3)
        let b = CacheKey(w0: 42, w1: 1, w2: 2, w3: 4)
        let cache = LRUCache<String>(capacity: 4)
        cache.set(a, "a")
        #expect(cache.get(b) == nil)
        cache.set(b, "b")
        #expect(cache.get(a) == "a")
        #expect(cache.get(b) == "b")
        #expect(cache.count == 2)
    }

    @Test("batched paths on a disabled cache") func batchedPathsOnADisabledCache() {
        let cache = LRUCache<Int>(capacity: 0)
        let keys = Self.hashedKeys(3)
        cache.store(keys.map { ($0, 1) })
        #expect(cache.values(for: keys) == [nil, nil, nil])
        #expect(cache.values(for: []) == [])
        #expect(cache.count == 0)
    }

    /// Counts its deinits, and traps if released while the cache's lock is held: its deinit reads the
    /// cache's `count`, which locks, and `Mutex` traps on a recursive lock.
    final class Tracked: Sendable {
        static let released = Atomic<Int>(0)
        weak let cache: LRUCache<Tracked>?
        let id: Int

        init(_ id: Int, cache: LRUCache<Tracked>) {
            self.id = id
            self.cache = cache
        }

        deinit {
            _ = self.cache?.count
            Self.released.add(1, ordering: .relaxed)
        }
    }

    @Test("displaced values are released outside the lock") func displacedValuesAreReleasedOutsideTheLock() {
        let before = Tracked.released.load(ordering: .relaxed)
        let batchSize = LRUCache<Tracked>.batchChunk + 10
        do {
            let cache = LRUCache<Tracked>(capacity: 3)
            let keys = Self.hashedKeys(10)
            // Single-key path: one overwrite, then one eviction.
            cache.set(keys[0], Tracked(0, cache: cache))
            cache.set(keys[0], Tracked(1, cache: cache))
            for i in 1...3 { cache.set(keys[i], Tracked(10 + i, cache: cache)) }
            #expect(Tracked.released.load(ordering: .relaxed) - before == 2)
            // Batched path, more entries than one chunk: each batch first displaces the previous batch's
            // last three values, whose only owner by then is the cache.
            for round in 0..<3 {
                let batch = (0..<batchSize).map { i in (keys[4 + i % 6], Tracked(1_000 * round + i, cache: cache)) }
                cache.store(batch)
                #expect(cache.keysByRecency == batch.suffix(3).reversed().map(\.0))
                #expect(cache.get(batch.last!.0)?.id == batch.last!.1.id)
            }
            // All but the three resident values.
            #expect(Tracked.released.load(ordering: .relaxed) - before == 5 + 3 * batchSize - 3)
            #expect(cache.count == 3)  // also keeps the cache alive up to here
        }
        // Once the cache is gone, so is every value: none leaked.
        #expect(Tracked.released.load(ordering: .relaxed) - before == 5 + 3 * batchSize)
    }

    @Test("concurrent batched and single key access") func concurrentBatchedAndSingleKeyAccess() async {
        // Colliding and hashed keys mixed, so probe chains change under concurrent eviction.
        let keys = Self.collidingKeys(40) + Self.hashedKeys(160)
        let cache = LRUCache<[Float]>(capacity: 64)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var rng = SplitMix64(seed: 1_000 + UInt64(task))
                    for _ in 0..<300 {
                        let indices = (0..<Int(1 + rng.next() % 100)).map { _ in Int(rng.next() % UInt64(keys.count)) }
                        switch rng.next() % 4 {
                        case 0: await cache.set(indices.map { (keys[$0], [Float($0)]) })
                        case 1: cache.set(keys[indices[0]], [Float(indices[0])])
                        case 2:
                            // A hit must be the value stored under that key, never another key's.
                            for (i, value) in zip(indices, await cache.get(indices.map { keys[$0] })) where value != nil {
                                #expect(value == [Float(i)])
                            }
                        default:
                            if let value = cache.get(keys[indices[0]]) { #expect(value == [Float(indices[0])]) }
                        }
                    }
                }
            }
        }
        let resident = cache.keysByRecency
        #expect(resident.count == cache.count)
        #expect(Set(resident).count == resident.count)
        #expect(cache.count == 64)
        for key in resident {
            let i = keys.firstIndex(of: key)!
            #expect(cache.get(key) == [Float(i)])
        }
    }
}
