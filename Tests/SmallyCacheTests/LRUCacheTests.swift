import SmallyTestSupport
import Testing

@testable import SmallyCache

@Suite("LRU cache") struct LRUCacheTests {
    static func key(_ i: Int) -> CacheKey { CacheKey(model: "m", tokenIDs: [Int32(i)]) }

    @Test("evicts least recently used") func evictsLeastRecentlyUsed() {
        let cache = LRUCache<Int>(capacity: 3)
        for i in 1...3 { cache.set(Self.key(i), i) }
        cache.set(Self.key(4), 4)
        #expect(cache.get(Self.key(1)) == nil)
        #expect(cache.get(Self.key(2)) == 2)
        #expect(cache.get(Self.key(3)) == 3)
        #expect(cache.get(Self.key(4)) == 4)
        #expect(cache.count == 3)
    }

    @Test("get refreshes recency") func getRefreshesRecency() {
        let cache = LRUCache<Int>(capacity: 3)
        for i in 1...3 { cache.set(Self.key(i), i) }
        #expect(cache.get(Self.key(1)) == 1)  // 1 is now most recent; 2 is oldest
        cache.set(Self.key(4), 4)
        #expect(cache.get(Self.key(2)) == nil)
        #expect(cache.get(Self.key(1)) == 1)
        #expect(cache.keysByRecency == [Self.key(1), Self.key(4), Self.key(3)])
    }

    @Test("overwrite replaces value and refreshes") func overwriteReplacesValueAndRefreshes() {
        let cache = LRUCache<String>(capacity: 2)
        cache.set(Self.key(1), "a")
        cache.set(Self.key(2), "b")
        cache.set(Self.key(1), "A")  // 1 most recent again, no growth
        #expect(cache.count == 2)
        cache.set(Self.key(3), "c")  // evicts 2
        #expect(cache.get(Self.key(1)) == "A")
        #expect(cache.get(Self.key(2)) == nil)
        #expect(cache.get(Self.key(3)) == "c")
    }

    @Test("capacity one") func capacityOne() {
        let cache = LRUCache<Int>(capacity: 1)
        cache.set(Self.key(1), 1)
        #expect(cache.get(Self.key(1)) == 1)
        cache.set(Self.key(2), 2)
        #expect(cache.get(Self.key(1)) == nil)
        #expect(cache.get(Self.key(2)) == 2)
        cache.set(Self.key(2), 3)
        #expect(cache.get(Self.key(2)) == 3)
        #expect(cache.count == 1)
    }

    @Test("capacity zero is disabled") func capacityZeroIsDisabled() {
        let cache = LRUCache<Int>(capacity: 0)
        cache.set(Self.key(1), 1)
        #expect(cache.get(Self.key(1)) == nil)
        #expect(cache.count == 0)
        #expect(cache.capacity == 0)
    }

    @Test("long run matches reference model") func longRunMatchesReferenceModel() {
        // Random operations checked against a naive array-based LRU.
        var rng = SplitMix64(seed: 42)
        let capacity = 17
        let cache = LRUCache<Int>(capacity: capacity)
        var model: [(CacheKey, Int)] = []  // most recent first
        for step in 0..<20_000 {
            let k = Self.key(Int(rng.next() % 40))
            if rng.next() % 2 == 0 {
                cache.set(k, step)
                model.removeAll { $0.0 == k }
                model.insert((k, step), at: 0)
                if model.count > capacity { model.removeLast() }
            } else {
                let expected = model.firstIndex { $0.0 == k }.map { model[$0].1 }
                if let i = model.firstIndex(where: { $0.0 == k }) { model.insert(model.remove(at: i), at: 0) }
                #expect(cache.get(k) == expected)
            }
        }
        #expect(cache.keysByRecency == model.map(\.0))
    }

    @Test("concurrent hammering") func concurrentHammering() async {
        let cache = LRUCache<[Float]>(capacity: 64)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<32 {
                group.addTask {
                    var rng = SplitMix64(seed: UInt64(task))
                    for _ in 0..<5_000 {
                        let i = Int(rng.next() % 200)
                        if rng.next() % 3 == 0 {
                            cache.set(Self.key(i), [Float(i)])
                        } else if let value = cache.get(Self.key(i)) {
                            // A hit must be the value stored under that key, never another key's.
                            #expect(value == [Float(i)])
                        }
                        #expect(cache.count <= 64)
                    }
                }
            }
        }
        #expect(cache.count <= cache.capacity)
        #expect(cache.keysByRecency.count == cache.count)
    }

    @Test("conforms to embedding cache") func conformsToEmbeddingCache() async {
        let cache = LRUCache<[Float]>(capacity: 4)
        await cache.set([(Self.key(1), [1, 2])])
        #expect(await cache.get([Self.key(1), Self.key(2)]) == [[1, 2], nil])
    }
}
