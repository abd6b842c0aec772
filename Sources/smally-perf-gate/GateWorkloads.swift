import Foundation
import Logging
import SmallyCache
import SmallyCore
import SmallyEngine
import SmallyJSON
import SmallyPerfGate
import SmallyTokenizer

/// The gated subset: the hot pieces a request goes through, each small enough to sample many times
/// in seconds. Texts are the first 32 queries of `scripts/performance/queries.txt` (the k6 texts).
enum GateWorkloads {
    static func make(modelDirectory: URL, queriesFile: URL) throws -> [GateWorkload] {
        let queries = try String(contentsOf: queriesFile, encoding: .utf8)
            .split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("#") }.prefix(32)
        let texts = Array(queries)
        // One thread: the gate times code, not how many cores this machine lends it.
        let engine = InferenceEngine(model: try EmbeddingModel(directory: modelDirectory), threads: 1)
        let tokenizer = engine.model.tokenizer
        let dimension = engine.model.configuration.dimension
        let vectors = (0..<32).map { row in (0..<dimension).map { Float(sin(Double(row * dimension + $0))) * 0.15 } }
        let keys = (0..<2_000).map { CacheKey(model: "gate", tokenIDs: [101, Int32($0), Int32($0 % 97), 102]) }
        let lru = LRUCache<[Float]>(capacity: 1_000)
        for (index, key) in keys.prefix(1_000).enumerated() { lru.set(key, vectors[index % 32]) }

        var body = JSONWriter()
        body.beginObject()
        body.key("input"); body.beginArray(); for text in texts { body.string(text) }; body.endArray()
        body.key("model"); body.string(engine.model.name)
        body.endObject()
        let requestBody = body.bytes

        // One short query (as most requests are): ~1 ms, so a sample's chunks stay short.
        let shortIDs = [tokenizer.encode(texts[0]).ids]
        let service = try cachedService(engine: engine, text: texts[0], vector: vectors[0])
        let first = texts[0]

        return [
            GateWorkload(name: "tokenizer.encode.batch32") {
                for text in texts { _ = tokenizer.encode(text) }
            },
            GateWorkload(name: "lru.mixed.cap1000") {
                // 3 hits and 1 miss-then-insert per step, over keys that keep cycling through the cache.
                for step in 0..<64 {
                    _ = lru.get(keys[step * 13 % 1_000])
                    _ = lru.get(keys[(step * 29 + 7) % 1_000])
                    _ = lru.get(keys[(step * 31 + 3) % 1_000])
                    let key = keys[1_000 + step * 17 % 1_000]
                    if lru.get(key) == nil { lru.set(key, vectors[step % 32]) }
                }
            },
            GateWorkload(name: "json.read.request32") {
                _ = try JSONReader.parse(requestBody)
            },
            GateWorkload(name: "json.write.embeddings32x384") {
                var writer = JSONWriter(capacity: 8192 * 32)
                writer.beginObject()
                writer.key("data"); writer.beginArray(); for vector in vectors { writer.floats(vector) }; writer.endArray()
                writer.endObject()
                precondition(!writer.bytes.isEmpty)
            },
            GateWorkload(name: "engine.single.short") {
                _ = try engine.embedSynchronously(tokenIDs: shortIDs)
            },
            GateWorkload(name: "core.request.l1hit") {
                let outcome = try await service.embed(texts: [first], meter: nil)
                precondition(outcome.inputs[0].cache != .miss, "the gate's cached request missed the cache")
            },
        ]
    }

    /// The real `EmbeddingService` over a warm L1. The batcher has no room, so a cache miss fails
    /// the run instead of timing inference.
    private static func cachedService(engine: InferenceEngine, text: String, vector: [Float]) throws -> EmbeddingService {
        let l1 = LRUCache<[Float]>(capacity: 100)
        l1.set(CacheKey(model: engine.model.name, tokenIDs: engine.model.tokenizer.encode(text).ids), vector)
        let batcher = Batcher(engine: engine, maxQueuedTexts: 0, maxBatchSize: 1, maxBatchTokens: 1,
                              logger: Logger(label: "smally-perf-gate"))
        return EmbeddingService(engine: engine, batcher: batcher, cache: TieredEmbeddingCache(l1: l1, l2: nil))
    }
}
