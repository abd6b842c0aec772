import Benchmark
import BenchmarkSupport
import Foundation
import Logging
import SmallyCache

// L1: LRUCache<[Float]> with one distinct 384-float vector per key (as in production, where every entry
// owns its vector; a shared vector would keep a single refcount line hot and flatter `get`).
// Keys are CacheKeys (SHA-256 of model id + token ids), all computed before measuring.
//
// How the LRU is called matters: LRUCache is generic and not @inlinable, so a call from another module
// runs the unspecialised generic code, while SmallyCache itself (TieredEmbeddingCache, the EmbeddingCache
// conformance) runs a copy specialised for [Float]. The server only reaches the LRU through
// TieredEmbeddingCache, i.e. the specialised code. So:
// - `LRU.*` call the LRU through its EmbeddingCache conformance (`get(_ keys:)` / `set(_ entries:)`,
//   implemented in SmallyCache): 1,000 keys per call, the same specialised get/set the server runs, plus
//   one result array per get call;
// - `LRU.crossModule.*` call `get(_:)` / `set(_:_:)` one key at a time from this module (unspecialised):
//   what any caller outside SmallyCache pays today.
//
// Each measured iteration does 1,000 operations (`scalingFactor: .kilo`); results are shown per operation.
// The static goals in Thresholds/ are raw p90 values per iteration, i.e. per 1,000 operations:
// get (hit) ≤ 50 ns → 50,000; put ≤ 100 ns → 100,000; miss ≤ 20 ns → 20,000, and the allocation count.

let benchmarks: @Sendable () -> Void = {
    for capacity in [100, 1_000, 10_000] {
        registerLRUBenchmarks(capacity: capacity)
    }
    registerCrossModuleLRUBenchmarks(capacity: 1_000)
    registerCacheKeyBenchmark()
    registerTieredBenchmarks()
}

/// Keys as the server builds them: model id + token ids of an ~8-token query, made distinct by the ids.
func makeKeys(_ count: Int, salt: Int32) -> [CacheKey] {
    (0..<count).map { i in
        CacheKey(model: "all-MiniLM-L6-v2", tokenIDs: [101, 2129, 2000, salt, Int32(truncatingIfNeeded: i), 20786, 1012, 102])
    }
}

func makeVectors(_ count: Int, seed: UInt64) -> [[Float]] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in syntheticEmbedding(using: &rng) }
}

/// Splits a cyclic walk over `count` items into `chunks` runs of `length` indices.
func cyclicChunks(count: Int, length: Int = 1_000, chunks: Int) -> [[Int]] {
    (0..<chunks).map { chunk in (0..<length).map { (chunk * length + $0) % count } }
}

/// Everything a capacity's LRU benchmarks need, built in the setup hook (outside the measurement).
final class LRUState {
    let cache: LRUCache<[Float]>
    /// Present in the cache: key batches walking all resident keys in order (every get hits).
    let hitBatches: [[CacheKey]]
    /// Never inserted.
    let missBatches: [[CacheKey]]
    /// Entries over twice the capacity, walked in order: every put inserts an absent key into the full
    /// cache and evicts the least recently used entry (the usual put after a miss).
    let putBatches: [[(CacheKey, [Float])]]
    /// Request-shaped mix, 70 % reads / 30 % writes: blocks of one get of 7 keys and one set of 3 entries,
    /// keys drawn at random from a space twice the capacity (about half the gets hit).
    let mixedBlocks: [(reads: [CacheKey], writes: [(CacheKey, [Float])])]

    // The same data one key at a time, for the cross-module benchmarks.
    let residentKeys: [CacheKey]
    let absentKeys: [CacheKey]
    let putKeys: [CacheKey]
    let putVectors: [[Float]]
    var cursor = 0

    init(capacity: Int) {
        let resident = makeKeys(capacity, salt: 1)
        let absent = makeKeys(max(capacity, 1_000), salt: 2)
        let puts = makeKeys(2 * capacity, salt: 3)
        let putValues = makeVectors(2 * capacity, seed: 3)
        residentKeys = resident
        absentKeys = absent
        putKeys = puts
        putVectors = putValues

        let chunkCount = max(1, 2 * capacity / 1_000) * 2
        hitBatches = cyclicChunks(count: resident.count, chunks: chunkCount).map { $0.map { resident[$0] } }
        missBatches = cyclicChunks(count: absent.count, chunks: chunkCount).map { $0.map { absent[$0] } }
        putBatches = cyclicChunks(count: puts.count, chunks: chunkCount).map { $0.map { (puts[$0], putValues[$0]) } }

        let mixedKeys = makeKeys(2 * capacity, salt: 4)
        let mixedVectors = makeVectors(2 * capacity, seed: 4)
        var rng = SplitMix64(seed: 0x5EED_0000 + UInt64(capacity))
        mixedBlocks = (0..<1_000).map { _ in
            let reads = (0..<7).map { _ in mixedKeys[Int.random(in: 0..<(2 * capacity), using: &rng)] }
            let writes = (0..<3).map { _ in
                let k = Int.random(in: 0..<(2 * capacity), using: &rng)
                return (mixedKeys[k], mixedVectors[k])
            }
            return (reads, writes)
        }

        cache = LRUCache(capacity: capacity)
        for (key, vector) in zip(resident, makeVectors(capacity, seed: 1)) {
            cache.set(key, vector)
        }
    }

    /// The next index into an array of `count` batches, round-robin.
    func next(_ count: Int) -> Int {
        let i = cursor % count
        cursor = i + 1
        return i
    }
}

func lruConfiguration(
    _ state: Fixture<LRUState>, capacity: Int, hasGoal: Bool
) -> Benchmark.Configuration {
    // ~1 s each, at most 2,000 × 1,000 operations.
    BenchSettings.configuration(
        scalingFactor: .kilo, warmupIterations: 5, maxDuration: .seconds(1), maxIterations: 2_000, hasGoal: hasGoal,
        setup: { state.set(LRUState(capacity: capacity)) },
        teardown: { state.clear() })
}

func registerLRUBenchmarks(capacity: Int) {
    let state = Fixture<LRUState>()

    Benchmark("LRU.get.hit.cap\(capacity)", configuration: lruConfiguration(state, capacity: capacity, hasGoal: true)) { _ in
        let s = state.value
        let results = await s.cache.get(s.hitBatches[s.next(s.hitBatches.count)])
        if results.last! == nil { fatalError("LRU.get.hit: a resident key missed") }
    }

    Benchmark("LRU.get.miss.cap\(capacity)", configuration: lruConfiguration(state, capacity: capacity, hasGoal: true)) { _ in
        let s = state.value
        let results = await s.cache.get(s.missBatches[s.next(s.missBatches.count)])
        if results.last! != nil { fatalError("LRU.get.miss: an absent key hit") }
    }

    Benchmark("LRU.put.cap\(capacity)", configuration: lruConfiguration(state, capacity: capacity, hasGoal: true)) { _ in
        let s = state.value
        await s.cache.set(s.putBatches[s.next(s.putBatches.count)])
    }

    Benchmark("LRU.mixed70r30w.cap\(capacity)", configuration: lruConfiguration(state, capacity: capacity, hasGoal: false)) { benchmark in
        let s = state.value
        var hits = 0
        // 100 blocks of 10 operations; the 1,000 blocks are walked 100 at a time.
        let blocksPerIteration = benchmark.configuration.scalingFactor.rawValue / 10
        let start = s.next(s.mixedBlocks.count / blocksPerIteration) * blocksPerIteration
        for block in s.mixedBlocks[start..<(start + blocksPerIteration)] {
            for hit in await s.cache.get(block.reads) where hit != nil { hits &+= 1 }
            await s.cache.set(block.writes)
        }
        blackHole(hits)
    }
}

/// The public single-key API called from outside SmallyCache (unspecialised generic code).
func registerCrossModuleLRUBenchmarks(capacity: Int) {
    let state = Fixture<LRUState>()

    Benchmark("LRU.crossModule.get.hit.cap\(capacity)", configuration: lruConfiguration(state, capacity: capacity, hasGoal: false)) { benchmark in
        let s = state.value
        let keys = s.residentKeys
        var i = s.cursor % keys.count
        var found = 0
        for _ in benchmark.scaledIterations {
            if let vector = s.cache.get(keys[i]) { found &+= vector.count }
            i += 1
            if i == keys.count { i = 0 }
        }
        s.cursor = i
        blackHole(found)
    }

    Benchmark("LRU.crossModule.get.miss.cap\(capacity)", configuration: lruConfiguration(state, capacity: capacity, hasGoal: false)) { benchmark in
        let s = state.value
        let keys = s.absentKeys
        var i = s.cursor % keys.count
        var found = 0
        for _ in benchmark.scaledIterations {
            if let vector = s.cache.get(keys[i]) { found &+= vector.count }
            i += 1
            if i == keys.count { i = 0 }
        }
        s.cursor = i
        blackHole(found)
    }

    Benchmark("LRU.crossModule.put.cap\(capacity)", configuration: lruConfiguration(state, capacity: capacity, hasGoal: false)) { benchmark in
        let s = state.value
        let keys = s.putKeys
        let vectors = s.putVectors
        var i = s.cursor % keys.count
        for _ in benchmark.scaledIterations {
            s.cache.set(keys[i], vectors[i])
            i += 1
            if i == keys.count { i = 0 }
        }
        s.cursor = i
    }
}

/// Building the key itself (SHA-256 over model id + 8 token ids), which every request pays once per text.
func registerCacheKeyBenchmark() {
    let ids: [Int32] = [101, 2129, 2000, 25141, 20786, 1012, 2651, 102]
    Benchmark(
        "CacheKey.init.8tokens",
        configuration: BenchSettings.configuration(scalingFactor: .kilo, maxDuration: .seconds(1), maxIterations: 1_000)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(CacheKey(model: "all-MiniLM-L6-v2", tokenIDs: ids))
        }
    }
}

// MARK: - Two tiers: L1 + Redis (only with REDIS_URL)

/// A RedisClient running as a service in a task for the length of one benchmark process.
final class RedisFixture: @unchecked Sendable {
    let client: RedisClient
    let runner: Task<Void, any Error>
    let l2: RedisEmbeddingCache
    /// Written to Redis in setup; read back by the L2-hit benchmarks.
    let storedKeys: [CacheKey]
    /// Never written.
    let absentKeys: [CacheKey]
    let vector: [Float]
    var cursor = 0

    static let storedCount = 2_048

    init(url: String) async throws {
        var configuration = try RedisConfiguration(url: url)
        configuration.commandTimeout = .seconds(1)
        var logger = Logger(label: "smally.bench.redis")
        logger.logLevel = .warning
        let client = RedisClient(configuration: configuration, logger: logger)
        self.client = client
        runner = Task { try await client.run() }
        let deadline = ContinuousClock.now + .seconds(5)
        while !client.isConnected {
            guard ContinuousClock.now < deadline else {
                runner.cancel()
                throw RedisSetupError(message: "no connection to \(url) within 5 s")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        // A fresh key prefix per process: nothing from another run can turn a miss into a hit.
        let prefix = "smally:bench:\(ProcessInfo.processInfo.processIdentifier):\(UInt32.random(in: 0...UInt32.max)):"
        l2 = RedisEmbeddingCache(client: client, ttl: .seconds(120), keyPrefix: prefix)
        storedKeys = makeKeys(Self.storedCount, salt: 11)
        absentKeys = makeKeys(Self.storedCount, salt: 12)
        var rng = SplitMix64(seed: 11)
        vector = syntheticEmbedding(using: &rng)
        for start in stride(from: 0, to: storedKeys.count, by: 256) {
            let chunk = storedKeys[start..<min(start + 256, storedKeys.count)]
            await l2.set(chunk.map { ($0, vector) })
        }
        guard await l2.get([storedKeys[0]])[0] != nil else {
            runner.cancel()
            throw RedisSetupError(message: "Redis at \(url) did not keep the benchmark entries")
        }
    }

    /// Cancels the client's `run()` (it closes its connections) and waits for it to return.
    func shutdown() async {
        runner.cancel()
        _ = await runner.result
    }

    /// The next `count` stored keys, round-robin.
    func nextStored(_ count: Int) -> ArraySlice<CacheKey> {
        if cursor + count > storedKeys.count { cursor = 0 }
        defer { cursor += count }
        return storedKeys[cursor..<(cursor + count)]
    }
}

struct RedisSetupError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

func registerTieredBenchmarks() {
    guard let url = ProcessInfo.processInfo.environment["REDIS_URL"], !url.isEmpty else {
        benchNoteOnce("redis", "CacheBenchmarks: Tiered.* (L1 + Redis) skipped: set REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6390) to run them")
        return
    }
    let redis = Fixture<RedisFixture>()
    func configuration(maxDuration: Duration = .seconds(2)) -> Benchmark.Configuration {
        BenchSettings.configuration(
            warmupIterations: 20, maxDuration: maxDuration, maxIterations: 5_000,
            tolerances: BenchSettings.ioTolerances,
            setup: { redis.set(try await RedisFixture(url: url)) },
            teardown: {
                await redis.value.shutdown()
                redis.clear()
            })
    }

    // L1 hit: answered in-process; Redis is not asked. 1,000 lookups per measured iteration (shown per lookup).
    let l1 = LRUCache<[Float]>(capacity: 1_000)
    let l1Keys = makeKeys(1_000, salt: 13).map { [$0] }
    Benchmark(
        "Tiered.lookup.l1hit",
        configuration: {
            var configuration = configuration(maxDuration: .seconds(1))
            configuration.scalingFactor = .kilo
            configuration.warmupIterations = 3
            configuration.maxIterations = 1_000
            return configuration
        }()
    ) { benchmark in
        let fixture = redis.value
        if l1.count == 0 {
            for key in l1Keys { l1.set(key[0], fixture.vector) }
        }
        let tiered = TieredEmbeddingCache(l1: l1, l2: fixture.l2)
        benchmark.startMeasurement()
        var i = 0
        for _ in benchmark.scaledIterations {
            let result = await tiered.lookup(l1Keys[i])
            if result[0]?.level != .l1 { fatalError("Tiered.lookup.l1hit: expected an L1 hit") }
            i = i + 1 == l1Keys.count ? 0 : i + 1
        }
    }

    // L1 miss, L2 hit: one MGET round trip, then the vector is copied into L1. L1 has capacity 1, so every
    // lookup of the round-robin keys misses it and the whole two-tier path is measured each time.
    Benchmark("Tiered.lookup.l2hit", configuration: configuration()) { benchmark in
        let fixture = redis.value
        let tiered = TieredEmbeddingCache(l1: LRUCache(capacity: 1), l2: fixture.l2)
        let keys = Array(fixture.nextStored(1))
        benchmark.startMeasurement()
        let result = await tiered.lookup(keys)
        benchmark.stopMeasurement()
        if result[0]?.level != .l2 { benchmark.error("expected an L2 hit, got \(String(describing: result[0]?.level))") }
    }

    // Miss in both tiers: the MGET answers nil.
    Benchmark("Tiered.lookup.miss", configuration: configuration()) { benchmark in
        let fixture = redis.value
        let tiered = TieredEmbeddingCache(l1: LRUCache(capacity: 1), l2: fixture.l2)
        let key = fixture.absentKeys[benchmark.currentIteration % fixture.absentKeys.count]
        benchmark.startMeasurement()
        let result = await tiered.lookup([key])
        benchmark.stopMeasurement()
        if result[0] != nil { benchmark.error("expected a miss") }
    }

    // A batch request: 32 keys, all L1 misses and L2 hits, fetched with one MGET.
    Benchmark("Tiered.lookup.l2hit.batch32", configuration: configuration()) { benchmark in
        let fixture = redis.value
        let tiered = TieredEmbeddingCache(l1: LRUCache(capacity: 1), l2: fixture.l2)
        let keys = Array(fixture.nextStored(32))
        benchmark.startMeasurement()
        let result = await tiered.lookup(keys)
        benchmark.stopMeasurement()
        if result.contains(where: { $0?.level != .l2 }) { benchmark.error("expected 32 L2 hits") }
    }

    // The cache fill after inference: L1 set + one pipelined `SET … EX` to Redis.
    Benchmark("Tiered.set", configuration: configuration()) { benchmark in
        let fixture = redis.value
        let tiered = TieredEmbeddingCache(l1: LRUCache(capacity: 1_000), l2: fixture.l2)
        let key = fixture.storedKeys[benchmark.currentIteration % fixture.storedKeys.count]
        benchmark.startMeasurement()
        await tiered.set([(key, fixture.vector)])
    }
}
