import SmallyCache
import SmallyEngine
import SmallyTokenizer

/// The request path behind the routes (TEI's `Infer`): validate, charge the quota, tokenize, look
/// up the cache (L1, then L2 for L1's misses), batch what is left, fill the cache, and report
/// timings. Knows nothing of HTTP: it throws ``CoreError``, which the HTTP layer maps.
///
/// Cache keys hash the model id with the token ids, so texts that tokenize alike share an entry;
/// the unnormalised vector is stored and normalised on the way out. With
/// ``CacheScope/organization`` (the default) the caller's organization (the meter's
/// ``EmbeddingMeter/cacheScopeID``) is part of the key: an organization only ever hits entries it
/// filled itself, so `cached`, `x-cache` and the answer's speed tell it nothing about what others embedded.
public struct EmbeddingService: Sendable {
    public let engine: InferenceEngine
    public let batcher: Batcher
    public let cache: TieredEmbeddingCache?
    public let cacheScope: CacheScope
    let observer: (any EmbeddingObserver)?

    public init(engine: InferenceEngine, batcher: Batcher, cache: TieredEmbeddingCache?, cacheScope: CacheScope = .organization,
                observer: (any EmbeddingObserver)? = nil) {
        self.engine = engine
        self.batcher = batcher
        self.cache = cache
        self.cacheScope = cacheScope
        self.observer = observer
    }

    /// The model part of the cache key: the model's name, plus the organization when entries are
    /// scoped (U+0001 cannot occur in a model name, so scoped and shared keys never meet).
    func cacheNamespace(cacheScopeID: String?) -> String {
        guard cacheScope == .organization, let cacheScopeID else { return modelName }
        return modelName + "\u{1}" + cacheScopeID
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

    /// Embeds texts (tokenized and truncated at the model's max length), charged to `meter` (nil:
    /// accounts off). When `client` goes before inference, the texts only this request waits for
    /// are dropped from the queue and this throws `CancellationError`. `client` is looked up only
    /// when something is not cached.
    public func embed(texts: [String], meter: (any EmbeddingMeter)?,
                      client: @autoclosure () -> ClientWatch? = nil) async throws -> Outcome {
        let encodings = texts.map { tokenizer.encode($0) }
        return try await embed(encodings.map { ($0.ids, $0.truncated) }, meter: meter, client: client())
    }

    /// Embeds token-id sequences given by the client, used as given once ``validated(tokenIDs:)``
    /// has accepted them (before anything is charged).
    public func embed(tokenIDs: [[Int]], meter: (any EmbeddingMeter)?,
                      client: @autoclosure () -> ClientWatch? = nil) async throws -> Outcome {
        let sequences = try validated(tokenIDs: tokenIDs)
        return try await embed(sequences.map { ($0, false) }, meter: meter, client: client())
    }

    /// The one check of token-id input (the encoder's own guard checks looser bounds, so it never
    /// fires for input that passed here): every sequence non-empty, within the model's max length,
    /// and every id inside the tokenizer's vocabulary.
    public func validated(tokenIDs lists: [[Int]]) throws(CoreError) -> [[Int32]] {
        let vocabulary = tokenizer.vocabularySize
        var sequences: [[Int32]] = []
        sequences.reserveCapacity(lists.count)
        for (index, list) in lists.enumerated() {
            let at = lists.count == 1 ? nil : index
            if list.isEmpty {
                throw .invalidInput(InvalidTokenInput(index: at, problem: .empty))
            }
            if list.count > maxTokens {
                throw .invalidInput(InvalidTokenInput(index: at, problem: .tooManyTokens(count: list.count, maximum: maxTokens)))
            }
            if let bad = list.first(where: { $0 < 0 || $0 >= vocabulary }) {
                throw .invalidInput(InvalidTokenInput(index: at, problem: .tokenIDOutOfRange(id: bad, vocabularySize: vocabulary)))
            }
            sequences.append(list.map { Int32($0) })
        }
        return sequences
    }

    private func embed(_ sequences: [([Int32], Bool)], meter: (any EmbeddingMeter)?,
                       client: @autoclosure () -> ClientWatch?) async throws -> Outcome {
        try await meter?.admit(embeddings: sequences.count)  // monthly quota (accounts on)
        let namespace = cache == nil ? "" : cacheNamespace(cacheScopeID: meter?.cacheScopeID)
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
        if let observer {
            for input in inputs { observer.embedded(input.cache, tokens: input.tokens) }
        }
        meter?.served(embeddings: inputs.count, tokens: inputs.reduce(0) { $0 + $1.tokens },
                      cacheHits: inputs.reduce(0) { $0 + ($1.cache == .miss ? 0 : 1) })
        return Outcome(inputs: inputs, queueTime: queue, inferenceTime: inference)
    }
}
