import SmallyEngine

/// The models a process serves, in the order given; the first embedding model answers requests
/// that name none, as does the first cross-encoder for rerank requests.
public struct ModelCatalog: Sendable {
    public let models: [ServedModel]

    /// - Parameter engines: (name, engine) pairs; names must be distinct.
    public init(_ engines: [(name: String, engine: InferenceEngine)]) {
        precondition(!engines.isEmpty, "a catalog needs at least one model")
        models = engines.enumerated().map { ServedModel(index: $0.offset, name: $0.element.name, engine: $0.element.engine) }
    }

    /// One model, named after its folder.
    public init(engine: InferenceEngine) {
        self.init([(engine.model.name, engine)])
    }

    public var engines: [InferenceEngine] { models.map(\.engine) }

    /// The model of requests that name none: the first embedding model (the first model when
    /// every one is a cross-encoder, so single-model callers always have one).
    public var defaultModel: ServedModel { models.first { !$0.isCrossEncoder } ?? models[0] }

    /// The embedding model a request names (nil: the default one).
    public func embeddingModel(named requested: String?) throws(CoreError) -> ServedModel {
        try model(named: requested, crossEncoder: false)
    }

    /// The cross-encoder a rerank request names (nil: the default one).
    public func rerankModel(named requested: String?) throws(CoreError) -> ServedModel {
        let model = try model(named: requested, crossEncoder: true)
        // A relevance score is one number: several labels (e.g. NLI) are classification, not reranking.
        if case .crossEncoder(let labels) = model.configuration.kind, labels != 1 {
            throw .wrongModelKind(model: model.name, purpose: "rerank")
        }
        return model
    }

    private func model(named requested: String?, crossEncoder: Bool) throws(CoreError) -> ServedModel {
        let kind = crossEncoder ? "rerank" : "embedding"
        guard let requested else {
            guard let first = models.first(where: { $0.isCrossEncoder == crossEncoder }) else {
                throw .modelNotFound(ModelNotFound(requested: nil, purpose: kind, available: names(crossEncoder: crossEncoder)))
            }
            return first
        }
        // An exact name first, so a request for the fp32 folder name gets the fp32 model when both
        // precisions are served; an int8 model alone also answers to its folder's name.
        guard let model = models.first(where: { $0.answersExactly(to: requested) }) ?? models.first(where: { $0.answers(to: requested) }) else {
            throw .modelNotFound(ModelNotFound(requested: requested, purpose: kind, available: names(crossEncoder: crossEncoder)))
        }
        guard model.isCrossEncoder == crossEncoder else {
            throw .wrongModelKind(model: model.name, purpose: kind)
        }
        return model
    }

    private func names(crossEncoder: Bool) -> [String] {
        models.filter { $0.isCrossEncoder == crossEncoder }.map(\.name)
    }
}
