import Benchmark
import BenchmarkSupport
import Foundation
import Logging
import SmallyCache
import SmallyCore
import SmallyEngine
import SmallyJSON
import SmallyTokenizer

// POST /v1/embed without the network: the body decoded as the route does, then the real request path
// (`EmbeddingService.embed` from SmallyCore: tokenize → CacheKey → L1 lookup, a hit → usage report),
// then the response written with JSONWriter as the route writes it
// (Sources/SmallyServer/Routes/EmbedRoutes.swift). Accounts off (no meter), so keys are the model's.
// The cache is a TieredEmbeddingCache with no L2; the batcher is never reached (its queue has no room,
// so a miss would fail the run instead of measuring inference).
// Not included: HTTP parsing, the Hummingbird router, middleware, the copy into a ByteBuffer.

/// The route's request body.
struct EmbedBody: Decodable {
    var text: String?
    var texts: [String]?
    var normalize: Bool?

    /// As the route reads it (`JSONBody.fields` + `JSONFields`, internal to SmallyServer): the
    /// document parsed by `JSONReader`, then each field checked for its type.
    init(reading body: [UInt8]) throws {
        guard case .object(let object) = try JSONReader.parse(body) else { throw RequestError.invalidBody }
        switch object["text"] {
        case .string(let value)?: text = value
        case nil, .null?: text = nil
        default: throw RequestError.invalidBody
        }
        switch object["texts"] {
        case .array(let elements)?:
            texts = try elements.map { element in
                guard case .string(let value) = element else { throw RequestError.invalidBody }
                return value
            }
        case nil, .null?: texts = nil
        default: throw RequestError.invalidBody
        }
        switch object["normalize"] {
        case .bool(let value)?: normalize = value
        case nil, .null?: normalize = nil
        default: throw RequestError.invalidBody
        }
    }
}

/// The embedding service over the real model, and a warm L1 holding every text of the workloads.
final class RequestState {
    let service: EmbeddingService
    let tokenizer: WordPieceTokenizer
    let modelName: String
    let dimension: Int
    let cache: TieredEmbeddingCache
    let singleBody: [UInt8]
    let batchBody: [UInt8]

    init() throws {
        let engine = InferenceEngine(model: try EmbeddingModel(directory: BenchPaths.modelDirectory), threads: 1)
        tokenizer = engine.model.tokenizer
        modelName = engine.model.name
        dimension = engine.model.configuration.dimension

        let l1 = LRUCache<[Float]>(capacity: 10_000)
        var rng = SplitMix64(seed: 7)
        for text in [BenchTexts.short] + BenchTexts.batch32 {
            // The service's key without a meter: the model's name and the token ids.
            l1.set(CacheKey(model: modelName, tokenIDs: tokenizer.encode(text).ids), syntheticEmbedding(dimension: dimension, using: &rng))
        }
        cache = TieredEmbeddingCache(l1: l1, l2: nil)
        let batcher = Batcher(engine: engine, maxQueuedTexts: 0, maxBatchSize: 1, maxBatchTokens: 1,
                              logger: Logger(label: "request-benchmarks"))
        service = EmbeddingService(engine: engine, batcher: batcher, cache: cache)

        singleBody = Array(#"{"text": "how to reset password", "normalize": true}"#.utf8)
        var batch = JSONWriter()
        batch.beginObject()
        batch.key("texts"); batch.beginArray(); for text in BenchTexts.batch32 { batch.string(text) }; batch.endArray()
        batch.key("normalize"); batch.bool(true)
        batch.endObject()
        batchBody = batch.bytes
    }

    /// The whole path for one request body; returns the response bytes.
    func handle(_ body: [UInt8]) async throws -> [UInt8] {
        let started = ContinuousClock.now
        let request = try EmbedBody(reading: body)
        let isBatch = request.texts != nil
        let texts = request.texts ?? [request.text ?? ""]
        let normalize = request.normalize ?? false

        let inputs = try await service.embed(texts: texts, meter: nil).inputs

        var writer = JSONWriter(capacity: 8192 * texts.count)
        writer.beginObject()
        if isBatch {
            writer.key("embeddings")
            writer.beginArray()
            for input in inputs { writer.floats(normalize ? l2Normalized(input.vector) : input.vector) }
            writer.endArray()
            writer.key("model"); writer.string(modelName)
            writer.key("tokens"); writer.ints(inputs.map(\.tokens))
            writer.key("cached"); writer.beginArray(); for input in inputs { writer.bool(input.cache != .miss) }; writer.endArray()
            writer.key("truncated"); writer.beginArray(); for input in inputs { writer.bool(input.truncated) }; writer.endArray()
            writer.key("total_tokens"); writer.int(inputs.reduce(0) { $0 + $1.tokens })
        } else {
            writer.key("embedding"); writer.floats(normalize ? l2Normalized(inputs[0].vector) : inputs[0].vector)
            writer.key("model"); writer.string(modelName)
            writer.key("tokens"); writer.int(inputs[0].tokens)
            writer.key("cached"); writer.bool(inputs[0].cache != .miss)
            writer.key("truncated"); writer.bool(inputs[0].truncated)
        }
        writer.key("dimension"); writer.int(dimension)
        writer.key("normalized"); writer.bool(normalize)
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) * 1e-15
        writer.key("latency_ms"); writer.double((milliseconds * 1000).rounded() / 1000)
        writer.endObject()
        return writer.bytes
    }
}

enum RequestError: Error {
    case invalidBody
}

let benchmarks: @Sendable () -> Void = {
    let state = Fixture<RequestState>()
    let setup: Benchmark.BenchmarkSetupHook = { state.set(try RequestState()) }
    func configuration(maxIterations: Int = 20_000) -> Benchmark.Configuration {
        BenchSettings.configuration(
            warmupIterations: 20, maxDuration: .seconds(1), maxIterations: maxIterations, setup: setup)
    }

    // MARK: The whole path

    Benchmark("request.single.l1hit", configuration: configuration()) { _ in
        blackHole(try await state.value.handle(state.value.singleBody))
    }

    Benchmark("request.batch32.l1hit", configuration: configuration(maxIterations: 5_000)) { _ in
        blackHole(try await state.value.handle(state.value.batchBody))
    }

    // The core's part alone (tokenize, key, L1 hit, usage), without body decoding and JSON writing.
    Benchmark("request.service.single.l1hit", configuration: configuration()) { _ in
        blackHole(try await state.value.service.embed(texts: [BenchTexts.short], meter: nil))
    }

    // MARK: Its steps, for the short text
    // Sub-10 µs steps do 1,000 operations per measured iteration (results shown per operation): with one
    // operation per iteration, the harness's own clock and malloc-counter reads (~0.7 µs) would dominate.

    func stepConfiguration(_ extraSetup: (@Sendable () throws -> Void)? = nil) -> Benchmark.Configuration {
        BenchSettings.configuration(
            scalingFactor: .kilo, warmupIterations: 3, maxDuration: .seconds(1), maxIterations: 1_000,
            setup: {
                try await setup()
                try extraSetup?()
            })
    }

    Benchmark("step.decodeBody", configuration: stepConfiguration()) { benchmark in
        let body = state.value.singleBody
        for _ in benchmark.scaledIterations {
            blackHole(try EmbedBody(reading: body))
        }
    }

    // What the route used before JSONReader, for comparison.
    Benchmark("step.decodeBody.JSONDecoder", configuration: stepConfiguration()) { benchmark in
        let body = state.value.singleBody
        for _ in benchmark.scaledIterations {
            blackHole(try JSONDecoder().decode(EmbedBody.self, from: Data(body)))
        }
    }

    Benchmark("step.tokenize", configuration: stepConfiguration()) { benchmark in
        let tokenizer = state.value.tokenizer
        for _ in benchmark.scaledIterations {
            blackHole(tokenizer.encode(BenchTexts.short))
        }
    }

    let shortIDs = Fixture<[Int32]>()
    Benchmark(
        "step.cacheKey",
        configuration: stepConfiguration { shortIDs.set(state.value.tokenizer.encode(BenchTexts.short).ids) }
    ) { benchmark in
        let model = state.value.modelName
        let ids = shortIDs.value
        for _ in benchmark.scaledIterations {
            blackHole(CacheKey(model: model, tokenIDs: ids))
        }
    }

    let shortKey = Fixture<[CacheKey]>()
    Benchmark(
        "step.l1Lookup",
        configuration: stepConfiguration {
            let s = state.value
            shortKey.set([CacheKey(model: s.modelName, tokenIDs: s.tokenizer.encode(BenchTexts.short).ids)])
        }
    ) { benchmark in
        let cache = state.value.cache
        let keys = shortKey.value
        for _ in benchmark.scaledIterations {
            blackHole(await cache.lookup(keys))
        }
    }

    Benchmark("step.l2Normalized.384", configuration: stepConfiguration()) { benchmark in
        let vector = vectors32[0]
        for _ in benchmark.scaledIterations {
            blackHole(l2Normalized(vector))
        }
    }

    // MARK: JSONWriter alone

    Benchmark("JSONWriter.floats.384", configuration: configuration()) { _ in
        var writer = JSONWriter(capacity: 8192)
        writer.floats(vectors32[0])
        blackHole(writer.bytes)
    }

    Benchmark("JSONWriter.floats.32x384", configuration: configuration(maxIterations: 5_000)) { _ in
        var writer = JSONWriter(capacity: 8192 * 32)
        writer.beginArray()
        for vector in vectors32 { writer.floats(vector) }
        writer.endArray()
        blackHole(writer.bytes)
    }
}

/// 32 embedding-like vectors (the response of a batch request).
let vectors32: [[Float]] = {
    var rng = SplitMix64(seed: 384)
    return (0..<32).map { _ in syntheticEmbedding(using: &rng) }
}()
