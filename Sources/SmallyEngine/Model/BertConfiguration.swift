/// The shape of a BERT encoder, from the model's `config.json`.
public struct BertConfiguration: Sendable, Equatable {
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var typeVocabularySize: Int
    public var vocabularySize: Int
    public var layerNormEpsilon: Float

    public var headSize: Int { hiddenSize / headCount }

    public init(hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int, maxPositions: Int,
                typeVocabularySize: Int, vocabularySize: Int, layerNormEpsilon: Float) {
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions
        self.typeVocabularySize = typeVocabularySize
        self.vocabularySize = vocabularySize
        self.layerNormEpsilon = layerNormEpsilon
    }

    /// Reads the sizes from config.json's object, refusing what this engine does not compute.
    init(config: [String: Any], file: String = "config.json") throws(ModelError) {
        func int(_ key: String) throws(ModelError) -> Int {
            guard let value = config[key] as? Int, value > 0 else {
                throw ModelError(file: file, "'\(key)' is missing or not a positive integer")
            }
            return value
        }
        if let type = config["model_type"] as? String, type != "bert" {
            throw ModelError(file: file, "model_type '\(type)' is not supported; this engine runs BERT encoders")
        }
        if let architectures = config["architectures"] as? [String],
           let other = architectures.first(where: { !$0.hasPrefix("Bert") }) {
            throw ModelError(file: file, "architecture '\(other)' is not supported; this engine runs BERT encoders (BertModel, BertForSequenceClassification)")
        }
        if let act = config["hidden_act"] as? String, act != "gelu" {
            throw ModelError(file: file, "hidden_act '\(act)' is not supported; expected 'gelu'")
        }
        if let embedding = config["position_embedding_type"] as? String, embedding != "absolute" {
            throw ModelError(file: file, "position_embedding_type '\(embedding)' is not supported; expected 'absolute'")
        }
        self.init(
            hiddenSize: try int("hidden_size"),
            layerCount: try int("num_hidden_layers"),
            headCount: try int("num_attention_heads"),
            intermediateSize: try int("intermediate_size"),
            maxPositions: try int("max_position_embeddings"),
            typeVocabularySize: (config["type_vocab_size"] as? Int) ?? 2,
            vocabularySize: try int("vocab_size"),
            layerNormEpsilon: Float((config["layer_norm_eps"] as? Double) ?? 1e-12)
        )
        guard hiddenSize % headCount == 0 else {
            throw ModelError(file: file, "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(headCount)")
        }
    }
}
