import SmallyCache
import SmallyEngine
import SmallyTokenizer
import Tracing

/// The request path behind the routes (TEI's `Infer`): validate, charge the quota, tokenize, look
/// up the cache (L1, then L2 for L1's misses), batch what is left, fill the cache, and report
/// timings. Knows nothing of HTTP: it throws ``CoreError``, which the HTTP layer maps.
///
/// Serves every model of the ``ModelCatalog`` through one ``Batcher``. Cache keys hash the model's
/// name with the token ids, so texts that tokenize alike share an entry; the unnormalised vector is
/// stored and normalised on the way out. With ``CacheScope/organization`` (the default) the
/// caller's organization (the meter's ``EmbeddingMeter/cacheScopeID``) is part of the key: an
/// organization only ever hits entries it filled itself, so `cached`, `x-cache` and the answer's
/// speed tell it nothing about what others embedded.
public struct EmbeddingService: Sendable {
    public let catalog: ModelCatalog
    public let batcher: Batcher
    public let cache: TieredEmbeddingCache?
    public let cacheScope: CacheScope
    let observer: (any EmbeddingObserver)?
    /// Spans for tokenize, cache lookup, queue wait and inference (nil: tracing off, nothing recorded).
    let tracer: (any Tracer)?

    public init(catalog: ModelCatalog, batcher: Batcher, cache: TieredEmbeddingCache?, cacheScope: CacheScope = .organization,
                observer: (any EmbeddingObserver)? = nil, tracer: (any Tracer)? = nil) {
        self.catalog = catalog
        self.batcher = batcher
        self.cache = cache
        self.cacheScope = cacheScope
        self.observer = observer
        self.tracer = tracer
    }

    /// One model, the batcher's model 0.
    public init(engine: InferenceEngine, batcher: Batcher, cache: TieredEmbeddingCache?, cacheScope: CacheScope = .organization,
                observer: (any EmbeddingObserver)? = nil) {
        self.init(catalog: ModelCatalog(engine: engine), batcher: batcher, cache: cache, cacheScope: cacheScope, observer: observer)
    }

    /// The default embedding model (the first), for callers that serve one.
    public var defaultModel: ServedModel { catalog.defaultModel }
    public var engine: InferenceEngine { defaultModel.engine }
    public var tokenizer: WordPieceTokenizer { defaultModel.tokenizer }
    public var modelName: String { defaultModel.name }
    public var dimension: Int { defaultModel.dimension }
    public var maxTokens: Int { defaultModel.maxTokens }

    /// The model part of the cache key: the model's name, where pooling starts when a prompt is
    /// left out of it, and where a pair's second segment starts (same tokens, other result), plus
    /// the organization when entries are scoped, and (U+0004) a precision other than fp32 with its
    /// quantization plan's revision.
    /// U+0001…U+0004 cannot occur in a model name, so these never meet.
    func cacheNamespace(model: ServedModel, input: EncoderInput? = nil, cacheScopeID: String?) -> String {
        var namespace = model.name
        // An int8 vector never answers an fp32 request, even under a name reused across restarts.
        if let variant = model.engine.model.cacheVariant { namespace += "\u{4}\(variant)" }
        if let input {
            if input.poolingStart > 0 { namespace += "\u{2}\(input.poolingStart)" }
            if let second = input.typeIDs.firstIndex(where: { $0 != 0 }) { namespace += "\u{3}\(second)" }
        }
        guard cacheScope == .organization, let cacheScopeID else { return namespace }
        return namespace + "\u{1}" + cacheScopeID
    }

    public struct Outcome: Sendable {
        public var model: ServedModel
        public var inputs: [EmbeddedInput]
        public var queueTime: Duration
        public var inferenceTime: Duration
    }

    /// Embeds texts (with the prompt `options` call for, tokenized and truncated at the model's max
    /// length), charged to `meter` (nil: accounts off). When `client` goes before inference, the
    /// texts only this request waits for are dropped from the queue and this throws
    /// `CancellationError`. `client` is looked up only when something is not cached.
    public func embed(texts: [String], model: ServedModel? = nil, options: TextOptions = TextOptions(),
                      meter: (any EmbeddingMeter)?, client: @autoclosure () -> ClientWatch? = nil) async throws -> Outcome {
        let model = model ?? defaultModel
        let prompt = try model.prompt(named: options.promptName, inputType: options.inputType)
        let poolingStart = model.poolingStart(prompt: prompt)   // once per request, not per text
        let inputs = try traced("tokenize") {
            var inputs: [Prepared] = []
            inputs.reserveCapacity(texts.count)
            for (index, text) in texts.enumerated() {
                let (input, encoding) = model.encode(text, prompt: prompt, poolingStart: poolingStart, direction: options.direction)
                if encoding.truncated, !options.truncate {
                    throw CoreError.inputTooLong(InputTooLong(index: texts.count == 1 ? nil : index,
                                                              tokens: encoding.untruncatedCount, maximum: model.maxTokens))
                }
                inputs.append(Prepared(input: input, truncated: encoding.truncated))
            }
            return inputs
        }
        return try await run(inputs, model: model, meter: meter, client: client())
    }

    /// Embeds token-id sequences given by the client, used as given once ``validated(tokenIDs:model:)``
    /// has accepted them (before anything is charged).
    public func embed(tokenIDs: [[Int]], model: ServedModel? = nil, meter: (any EmbeddingMeter)?,
                      client: @autoclosure () -> ClientWatch? = nil) async throws -> Outcome {
        let model = model ?? defaultModel
        let sequences = try validated(tokenIDs: tokenIDs, model: model)
        return try await run(sequences.map { Prepared(input: EncoderInput(ids: $0), truncated: false) }, model: model,
                             meter: meter, client: client())
    }

    /// The one check of token-id input (the encoder's own guard checks looser bounds, so it never
    /// fires for input that passed here): every sequence non-empty, within the model's max length,
    /// and every id inside the tokenizer's vocabulary.
    public func validated(tokenIDs lists: [[Int]], model: ServedModel? = nil) throws(CoreError) -> [[Int32]] {
        let model = model ?? defaultModel
        let vocabulary = model.tokenizer.vocabularySize
        let maxTokens = model.maxTokens
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

    /// An encoder input with what the API reports about its text.
    struct Prepared: Sendable {
        var input: EncoderInput
        var truncated: Bool
    }

    /// Charges, looks up the cache, runs what is missing through the batcher, fills the cache.
    func run(_ prepared: [Prepared], model: ServedModel, meter: (any EmbeddingMeter)?,
             client: @autoclosure () -> ClientWatch?) async throws -> Outcome {
        let keys = cache == nil ? nil : prepared.map { item in
            CacheKey(model: cacheNamespace(model: model, input: item.input, cacheScopeID: meter?.cacheScopeID),
                     tokenIDs: item.input.ids)
        }
        var inputs = prepared.indices.map { index in
            EmbeddedInput(vector: [], tokens: prepared[index].input.ids.count, truncated: prepared[index].truncated, cache: .miss,
                          key: keys?[index])
        }
        var missing = Array(prepared.indices)
        if let cache, let keys {
            // The quota's Redis commands ride in the L2 lookup's round trip (one write, one read; with
            // TLS one record each way); the hits are used only once the quota has admitted the request.
            let commands = meter?.admissionCommands(embeddings: prepared.count)
            let (hits, replies) = try await traced("cache.lookup") { await cache.lookup(keys, alongside: commands) }
            try await meter?.admit(embeddings: prepared.count, replies: replies)
            missing.removeAll(keepingCapacity: true)
            for (index, hit) in hits.enumerated() {
                if let hit {
                    inputs[index].vector = hit.vector
                    inputs[index].cache = hit.level == .l1 ? .l1 : .l2
                } else {
                    missing.append(index)
                }
            }
        } else {
            try await meter?.admit(embeddings: prepared.count, replies: nil)
        }
        var queue = Duration.zero
        var inference = Duration.zero
        if !missing.isEmpty {
            let pending = missing.map { prepared[$0].input }
            let batcher = self.batcher
            let submitted = tracer == nil ? 0 : DefaultTracerClock.now.nanosecondsSinceEpoch
            let results = if let client = client() {
                try await client.cancellingWhenGone { try await batcher.run(pending, model: model.index) }
            } else {
                try await batcher.run(pending, model: model.index)
            }
            for (index, (vector, timing)) in zip(missing, results) {
                queue = max(queue, timing.queue)
                inference = max(inference, timing.inference)
                inputs[index].vector = vector
            }
            if let tracer { Self.recordBatchSpans(tracer, submitted: submitted, queue: queue, inference: inference, results: results) }
            if let cache, let keys {
                await cache.set(missing.map { (keys[$0], inputs[$0].vector) })
            }
        }
        if let observer {
            for input in inputs { observer.embedded(input.cache, tokens: input.tokens, model: model.name) }
        }
        meter?.served(embeddings: inputs.count, tokens: inputs.reduce(0) { $0 + $1.tokens },
                      cacheHits: inputs.reduce(0) { $0 + ($1.cache == .miss ? 0 : 1) }, model: model.name)
        return Outcome(model: model, inputs: inputs, queueTime: queue, inferenceTime: inference)
    }
}
