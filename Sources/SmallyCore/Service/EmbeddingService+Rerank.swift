import SmallyEngine

/// One scored document of a rerank request.
public struct RerankScore: Sendable {
    /// Position of the document in the request.
    public var index: Int
    /// The classifier's raw output.
    public var logit: Float
    /// The relevance score: the logit through the model's activation (sigmoid for a one-label
    /// cross-encoder, as sentence-transformers' `CrossEncoder.predict`).
    public var score: Float
    public var tokens: Int
    public var truncated: Bool
}

extension EmbeddingService {
    public struct RerankOutcome: Sendable {
        public var model: ServedModel
        /// In the documents' order.
        public var scores: [RerankScore]
        public var outcome: Outcome
    }

    /// Scores every (query, document) pair with a cross-encoder, batched with everything else. Each
    /// scored document counts as one embedding against the quota; pairs are cached like embeddings.
    public func rerank(query: String, documents: [String], model: ServedModel, truncate: Bool = true,
                       meter: (any EmbeddingMeter)?, client: @autoclosure () -> ClientWatch? = nil) async throws -> RerankOutcome {
        var prepared: [Prepared] = []
        prepared.reserveCapacity(documents.count)
        for (index, document) in documents.enumerated() {
            let encoding = model.tokenizer.encodePair(query, document, maxLength: model.maxTokens)
            if encoding.truncated, !truncate {
                throw CoreError.inputTooLong(InputTooLong(index: documents.count == 1 ? nil : index,
                                                          tokens: encoding.untruncatedCount, maximum: model.maxTokens))
            }
            prepared.append(Prepared(input: EncoderInput(ids: encoding.ids, typeIDs: encoding.typeIDs), truncated: encoding.truncated))
        }
        let outcome = try await run(prepared, model: model, meter: meter, client: client())
        let scores = outcome.inputs.enumerated().map { index, input in
            let logit = input.vector.first ?? .nan
            return RerankScore(index: index, logit: logit, score: model.relevance(logit: logit), tokens: input.tokens,
                               truncated: input.truncated)
        }
        return RerankOutcome(model: model, scores: scores, outcome: outcome)
    }

    /// The model's int8/uint8 ranges for stored (`normalized` false) or normalised vectors: those
    /// stored in its folder (``CalibrationFile``), else measured on ``CalibrationCorpus`` through the
    /// batcher the first time they are needed (one batch of ~100 short texts: the first int8/uint8
    /// request of a model waits for it) and stored there.
    public func quantizationRanges(for model: ServedModel, normalized: Bool) async throws -> QuantizationRanges {
        if let ranges = model.calibration.value { return normalized ? ranges.normalized : ranges.raw }
        let file = CalibrationFile(modelDirectory: model.engine.model.directory)
        let ranges: CalibrationBox.Ranges
        if let stored = file.read(dimension: model.dimension) {
            ranges = stored
        } else {
            let inputs = CalibrationCorpus.texts.map { model.encode($0, prompt: nil, poolingStart: 0, direction: .right).input }
            let vectors = try await batcher.run(inputs, model: model.index).map(\.0)
            ranges = CalibrationBox.Ranges(raw: QuantizationRanges(calibration: vectors),
                                           normalized: QuantizationRanges(calibration: vectors.map(l2Normalized)))
            file.write(ranges)
        }
        model.calibration.store(ranges)
        return normalized ? ranges.normalized : ranges.raw
    }
}

extension ServedModel {
    /// A cross-encoder's score from its first logit, through the model's activation (as
    /// sentence-transformers' `CrossEncoder.predict`: sigmoid for one label unless the folder says otherwise).
    public func relevance(logit: Float) -> Float {
        configuration.scoreActivation.apply(logit)
    }
}
