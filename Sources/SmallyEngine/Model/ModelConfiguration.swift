import Foundation

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
}

/// How token vectors become one sentence vector (sentence-transformers' `1_Pooling/config.json`).
public enum PoolingMode: String, Sendable {
    case mean
    case cls
}

/// Everything read from a sentence-transformers model folder except the weights.
public struct ModelConfiguration: Sendable {
    public var name: String
    public var bert: BertConfiguration
    /// sentence-transformers' `max_seq_length`: it overrides the truncation in tokenizer.json.
    public var maxSequenceLength: Int
    public var pooling: PoolingMode
    /// Whether the model's pipeline ends in a `Normalize` module (modules.json).
    public var normalizesByDefault: Bool

    public var dimension: Int { bert.hiddenSize }

    /// Reads `config.json`, `sentence_bert_config.json`, `1_Pooling/config.json` and `modules.json`.
    /// Only config.json is required; the others default to what sentence-transformers does
    /// without them (mean pooling, no Normalize, max length = max positions).
    public init(directory: URL) throws(ModelError) {
        let config = try Self.readObject(directory, "config.json", required: true)!
        func int(_ key: String) throws(ModelError) -> Int {
            guard let value = config[key] as? Int, value > 0 else {
                throw ModelError(file: "config.json", "'\(key)' is missing or not a positive integer")
            }
            return value
        }
        if let type = config["model_type"] as? String, type != "bert" {
            throw ModelError(file: "config.json", "model_type '\(type)' is not supported; this engine runs BERT encoders")
        }
        if let act = config["hidden_act"] as? String, act != "gelu" {
            throw ModelError(file: "config.json", "hidden_act '\(act)' is not supported; expected 'gelu'")
        }
        if let embedding = config["position_embedding_type"] as? String, embedding != "absolute" {
            throw ModelError(file: "config.json", "position_embedding_type '\(embedding)' is not supported; expected 'absolute'")
        }
        let bert = BertConfiguration(
            hiddenSize: try int("hidden_size"),
            layerCount: try int("num_hidden_layers"),
            headCount: try int("num_attention_heads"),
            intermediateSize: try int("intermediate_size"),
            maxPositions: try int("max_position_embeddings"),
            typeVocabularySize: (config["type_vocab_size"] as? Int) ?? 2,
            vocabularySize: try int("vocab_size"),
            layerNormEpsilon: Float((config["layer_norm_eps"] as? Double) ?? 1e-12)
        )
        guard bert.hiddenSize % bert.headCount == 0 else {
            throw ModelError(file: "config.json", "hidden_size \(bert.hiddenSize) is not a multiple of num_attention_heads \(bert.headCount)")
        }

        var maxLength = bert.maxPositions
        if let st = try Self.readObject(directory, "sentence_bert_config.json", required: false) {
            if let value = st["max_seq_length"] as? Int {
                guard value > 2, value <= bert.maxPositions else {
                    throw ModelError(file: "sentence_bert_config.json", "max_seq_length \(value) must be between 3 and max_position_embeddings (\(bert.maxPositions))")
                }
                maxLength = value
            }
        }

        var pooling = PoolingMode.mean
        var normalizes = false
        if let modules = try Self.readArray(directory, "modules.json") {
            let types = modules.compactMap { $0["type"] as? String }
            normalizes = types.contains { $0.hasSuffix(".Normalize") }
            if let poolingModule = modules.first(where: { ($0["type"] as? String)?.hasSuffix(".Pooling") == true }) {
                let path = (poolingModule["path"] as? String) ?? "1_Pooling"
                pooling = try Self.readPooling(directory, "\(path)/config.json")
            }
        } else if FileManager.default.fileExists(atPath: directory.appendingPathComponent("1_Pooling/config.json").path) {
            pooling = try Self.readPooling(directory, "1_Pooling/config.json")
        }

        self.name = directory.lastPathComponent
        self.bert = bert
        self.maxSequenceLength = maxLength
        self.pooling = pooling
        self.normalizesByDefault = normalizes
    }

    private static func readPooling(_ directory: URL, _ file: String) throws(ModelError) -> PoolingMode {
        guard let object = try readObject(directory, file, required: true) else { return .mean }
        let flags = ["pooling_mode_cls_token", "pooling_mode_mean_tokens", "pooling_mode_max_tokens",
                     "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"]
        let enabled = flags.filter { (object[$0] as? Bool) == true }
        if let mode = object["pooling_mode"] as? String, enabled.isEmpty {
            switch mode {
            case "mean": return .mean
            case "cls": return .cls
            default: throw ModelError(file: file, "pooling_mode '\(mode)' is not supported; supported: mean, cls")
            }
        }
        switch enabled {
        case ["pooling_mode_mean_tokens"]: return .mean
        case ["pooling_mode_cls_token"]: return .cls
        default:
            throw ModelError(file: file, "pooling \(enabled) is not supported; enable exactly one of pooling_mode_mean_tokens, pooling_mode_cls_token")
        }
    }

    static func readData(_ directory: URL, _ file: String, required: Bool) throws(ModelError) -> Data? {
        let url = directory.appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            if required { throw ModelError(file: file, "missing from model folder \(directory.path) (run `make model`)") }
            return nil
        }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw ModelError(file: file, "cannot be read: \(error.localizedDescription)")
        }
    }

    static func readObject(_ directory: URL, _ file: String, required: Bool) throws(ModelError) -> [String: Any]? {
        guard let data = try readData(directory, file, required: required) else { return nil }
        // Cold path: model configuration read once at load (and SmallyEngine stays free of SmallyJSON), Foundation is simpler here.
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelError(file: file, "is not a JSON object")
        }
        return object
    }

    static func readArray(_ directory: URL, _ file: String) throws(ModelError) -> [[String: Any]]? {
        guard let data = try readData(directory, file, required: false) else { return nil }
        // Cold path: model configuration read once at load (and SmallyEngine stays free of SmallyJSON), Foundation is simpler here.
        guard let array = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw ModelError(file: file, "is not a JSON array of module objects")
        }
        return array
    }
}
