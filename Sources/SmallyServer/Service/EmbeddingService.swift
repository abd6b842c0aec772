import SmallyCache
import SmallyEngine
import SmallyTokenizer

/// Where a vector came from.
public enum CacheStatus: String, Sendable {
    case l1 = "hit-l1"
    case l2 = "hit-l2"
    case miss
}

/// One text's embedding with what the API reports about it.
public struct EmbeddedInput: Sendable {
    /// Pooled, *unnormalised* vector; routes normalise on the way out.
    public var vector: [Float]
    public var tokens: Int
    public var truncated: Bool
    public var cache: CacheStatus
    /// The text's cache key (model id + token ids); nil when no cache is configured.
    public var key: CacheKey?
}

/// The request path behind the routes (TEI's `Infer`): tokenize, look up the cache (L1, then
/// L2 for L1's misses), batch what is left, fill the cache, and report timings. Knows nothing of HTTP.
///
/// Cache keys hash the model id with the token ids, so texts that tokenize alike share an entry;
/// the unnormalised vector is stored and normalised on the way out. With
/// ``CacheScope/organization`` (the default) the caller's organization is part of the key: an
/// organization only ever hits entries it filled itself, so `cached`, `x-cache` and the answer's
/// speed tell it nothing about what others embedded.
public struct EmbeddingService: Sendable {
    public let engine: InferenceEngine
    public let batcher: Batcher
    public let cache: TieredEmbeddingCache?
    public let cacheScope: CacheScope
    let metrics: ServerMetrics?

    public init(engine: InferenceEngine, batcher: Batcher, cache: TieredEmbeddingCache?, cacheScope: CacheScope = .organization,
                metrics: ServerMetrics? = nil) {
        self.engine = engine
        self.batcher = batcher
        self.cache = cache
        self.cacheScope = cacheScope
        self.metrics = metrics
    }

    /// The model part of the cache key: the model's name, plus the organization when entries are
    /// scoped (U+0001 cannot occur in a model name, so scoped and shared keys never meet).
    func cacheNamespace(organizationID: String?) -> String {
        guard cacheScope == .organization, let organizationID else { return modelName }
        return modelName + "\u{1}" + organizationID
    }

    public var tokenizer: WordPieceTokenizer { engine.model.tokenizer }
    public var modelName: String { engine.model.name }
    public var dimension: Int { engine.model.configuration.dimension }
    public var maxTokens: Int { engine.model.configuration.maxSequenceLength }

    public struct Outcome: Sendable {
        public var inputs: [EmbeddedInput]
        public var queueTime: Duration
        public var inferenceTime: Duration
    }

    /// Embeds texts (tokenized and truncated at the model's max length). When `client` goes
    /// before inference, the texts only this request waits for are dropped from the queue and
    /// this throws `CancellationError`. `client` is looked up only when something is not cached.
    public func embed(texts: [String], client: @autoclosure () -> ClientWatch? = nil) async throws -> Outcome {
        let encodings = texts.map { tokenizer.encode($0) }
        return try await embed(encodings.map { ($0.ids, $0.truncated) }, client: client())
    }

    /// Embeds token-id sequences given by the client, used as given.
    public func embed(tokenSequences: [[Int32]], client: @autoclosure () -> ClientWatch? = nil) async throws -> Outcome {
        try engine.validate(tokenSequences)
        return try await embed(tokenSequences.map { ($0, false) }, client: client())
    }

    private func embed(_ sequences: [([Int32], Bool)], client: @autoclosure () -> ClientWatch?) async throws -> Outcome {
        let meter = RequestMeter.current
        try await meter?.admit(embeddings: sequences.count)  // monthly quota (accounts on)
        let namespace = cache == nil ? "" : cacheNamespace(organizationID: meter?.principal.organization.id)
        let keys = cache == nil ? nil : sequences.map { CacheKey(model: namespace, tokenIDs: $0.0) }
        var inputs = sequences.indices.map { index in
            EmbeddedInput(vector: [], tokens: sequences[index].0.count, truncated: sequences[index].1, cache: .miss, key: keys?[index])
        }
        var missing = Array(sequences.indices)
        if let cache, let keys {
            let hits = await cache.lookup(keys)
            missing.removeAll(keepingCapacity: true)
            for (index, hit) in hits.enumerated() {
                if let hit {
                    inputs[index].vector = hit.vector
                    inputs[index].cache = hit.level == .l1 ? .l1 : .l2
                } else {
                    missing.append(index)
                }
            }
        }
        var queue = Duration.zero
        var inference = Duration.zero
        if !missing.isEmpty {
            let pending = missing.map { sequences[$0].0 }
            let batcher = self.batcher
            let results = if let client = client() {
                try await client.cancellingWhenGone { try await batcher.embed(pending) }
            } else {
                try await batcher.embed(pending)
            }
            for (index, (vector, timing)) in zip(missing, results) {
                queue = max(queue, timing.queue)
                inference = max(inference, timing.inference)
                inputs[index].vector = vector
            }
            if let cache, let keys {
                await cache.set(missing.map { (keys[$0], inputs[$0].vector) })
            }
        }
        if let metrics {
            for input in inputs { metrics.cache(input.cache, tokens: input.tokens) }
        }
        meter?.served(embeddings: inputs.count, tokens: inputs.reduce(0) { $0 + $1.tokens },
                                     cacheHits: inputs.reduce(0) { $0 + ($1.cache == .miss ? 0 : 1) })
        return Outcome(inputs: inputs, queueTime: queue, inferenceTime: inference)
    }
}
