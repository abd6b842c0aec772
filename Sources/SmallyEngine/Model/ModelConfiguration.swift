import Foundation

/// Everything read from a sentence-transformers model folder (or a cross-encoder's) except the weights.
public struct ModelConfiguration: Sendable {
    public var name: String
    public var bert: BertConfiguration
    /// Maximum ids per text (or pair) including [CLS]/[SEP], as sentence-transformers 6 decides it:
    /// `processor_kwargs.model_max_length` or `max_seq_length` in sentence_bert_config.json, else
    /// tokenizer_config.json's `model_max_length` capped at max_position_embeddings.
    public var maxSequenceLength: Int
    public var pooling: PoolingMode
    /// The pooling's `include_prompt`: false leaves a prompt's [CLS] + prompt tokens out of pooling
    /// (``EncoderInput/poolingStart``).
    public var includePrompt: Bool
    /// Whether the model's pipeline ends in a `Normalize` module (modules.json).
    public var normalizesByDefault: Bool
    /// Named prompts prepended to texts (config_sentence_transformers.json `prompts`).
    public var prompts: [String: String]
    /// The prompt used when a request names none (`default_prompt_name`); always a key of `prompts`.
    public var defaultPromptName: String?
    public var kind: ModelKind
    /// What `CrossEncoder.predict` applies to the logits (meaningful for `.crossEncoder`).
    public var scoreActivation: ScoreActivation

    public var dimension: Int { bert.hiddenSize }

    /// Reads `config.json` and, when present, `modules.json`, `sentence_bert_config.json`,
    /// `tokenizer_config.json`, the pooling module's `config.json` and `config_sentence_transformers.json`.
    /// Only config.json is required; the others default to what sentence-transformers does without
    /// them (mean pooling, no Normalize, max length = max positions).
    public init(directory: URL) throws(ModelError) {
        let config = try ModelFolder.readObject(directory, "config.json", required: true)!
        let bert = try BertConfiguration(config: config)
        let stConfig = try ModelFolder.readObject(directory, Self.stConfigFile, required: false) ?? [:]

        var kind = ModelKind.embedding
        var activation = ScoreActivation.identity
        if let architectures = config["architectures"] as? [String], architectures.contains("BertForSequenceClassification") {
            let labels = (config["num_labels"] as? Int) ?? (config["id2label"] as? [String: Any])?.count ?? 2
            guard labels > 0 else { throw ModelError(file: "config.json", "a sequence classifier needs at least one label") }
            kind = .crossEncoder(labelCount: labels)
            activation = try Self.readActivation(stConfig, config, labels: labels)
        }

        self.name = directory.lastPathComponent
        self.bert = bert
        self.kind = kind
        self.scoreActivation = activation
        self.maxSequenceLength = try Self.readMaxLength(directory, bert: bert)
        self.pooling = .mean
        self.includePrompt = true
        self.normalizesByDefault = false
        self.prompts = [:]
        self.defaultPromptName = nil
        if kind == .embedding {
            try readModules(directory)
        }
        try readPrompts(stConfig)
    }

    static let stConfigFile = "config_sentence_transformers.json"

    /// The modules of modules.json, by the class name that ends their `type` (old
    /// `sentence_transformers.models.Pooling` and newer module paths alike). Modules that would change
    /// the vectors in ways this engine does not compute (Dense, LayerNorm, Router…) are refused.
    private mutating func readModules(_ directory: URL) throws(ModelError) {
        guard let modules = try ModelFolder.readArray(directory, "modules.json") else {
            if ModelFolder.exists(directory, "1_Pooling/config.json") {
                try readPooling(directory, "1_Pooling/config.json")
            }
            return
        }
        for module in modules {
            let type = (module["type"] as? String) ?? ""
            switch type.split(separator: ".").last.map(String.init) ?? "" {
            case "Transformer":
                continue
            case "Pooling":
                let path = (module["path"] as? String) ?? "1_Pooling"
                try readPooling(directory, path.isEmpty ? "config.json" : "\(path)/config.json")
            case "Normalize":
                normalizesByDefault = true
            default:
                throw ModelError(file: "modules.json", "module '\(type)' is not supported; supported: Transformer, Pooling, Normalize")
            }
        }
    }

    /// sentence-transformers 6's `pooling_mode` (a name) or the older `pooling_mode_*_token(s)` flags.
    private mutating func readPooling(_ directory: URL, _ file: String) throws(ModelError) {
        guard let object = try ModelFolder.readObject(directory, file, required: true) else { return }
        let legacy: [(String, PoolingMode?)] = [
            ("pooling_mode_cls_token", .cls), ("pooling_mode_max_tokens", .max), ("pooling_mode_mean_tokens", .mean),
            ("pooling_mode_mean_sqrt_len_tokens", .meanSqrtLengthTokens), ("pooling_mode_weightedmean_tokens", nil),
            ("pooling_mode_lasttoken", .lastToken),
        ]
        let supported = PoolingMode.allCases.map(\.rawValue).joined(separator: ", ")
        if let mode = object["pooling_mode"] {
            // A single mode, or a list of one; several modes would concatenate vectors.
            let names = (mode as? [String]) ?? (mode as? String).map { [$0] } ?? []
            guard names.count == 1, let parsed = PoolingMode(rawValue: names[0]) else {
                throw ModelError(file: file, "pooling_mode \(mode) is not supported; supported: one of \(supported)")
            }
            pooling = parsed
        } else {
            let enabled = legacy.filter { (object[$0.0] as? Bool) == true }
            switch enabled.count {
            case 0:
                pooling = .mean  // sentence-transformers' default when no flag is set
            case 1 where enabled[0].1 != nil:
                pooling = enabled[0].1!
            default:
                throw ModelError(file: file, "pooling \(enabled.map(\.0)) is not supported; enable exactly one of \(supported)")
            }
        }
        if let include = object["include_prompt"] {
            guard let include = include as? Bool else { throw ModelError(file: file, "include_prompt must be true or false") }
            includePrompt = include
        }
    }

    /// `prompts` and `default_prompt_name` of config_sentence_transformers.json (sentence-transformers 6
    /// saves empty "query"/"document" prompts by default: an empty prompt adds nothing).
    private mutating func readPrompts(_ object: [String: Any]) throws(ModelError) {
        let file = Self.stConfigFile
        if let prompts = object["prompts"] {
            guard let prompts = prompts as? [String: String] else {
                throw ModelError(file: file, "prompts must be an object of strings")
            }
            self.prompts = prompts
        }
        if let name = object["default_prompt_name"], !(name is NSNull) {
            guard let name = name as? String, prompts[name] != nil else {
                throw ModelError(file: file, "default_prompt_name \(name) is not one of the prompts \(prompts.keys.sorted())")
            }
            defaultPromptName = name
        }
    }

    /// sentence-transformers 6 (`Transformer.__init__`): an explicit `model_max_length` in
    /// `processor_kwargs` (older `tokenizer_args`) wins, then `max_seq_length`; both are used as they
    /// are. Otherwise the tokenizer's `model_max_length` (transformers' 1e30 when absent) is capped at
    /// max_position_embeddings. Anything above max_position_embeddings is refused: it could not run.
    private static func readMaxLength(_ directory: URL, bert: BertConfiguration) throws(ModelError) -> Int {
        func checked(_ value: Double?, _ file: String, _ key: String) throws(ModelError) -> Int? {
            guard let value else { return nil }
            guard value >= 3, value <= Double(bert.maxPositions), value.rounded() == value else {
                throw ModelError(file: file, "\(key) \(value) must be an integer between 3 and max_position_embeddings (\(bert.maxPositions))")
            }
            return Int(value)
        }
        let stFile = "sentence_bert_config.json"
        if let st = try ModelFolder.readObject(directory, stFile, required: false) {
            let kwargs = (st["processor_kwargs"] as? [String: Any]) ?? (st["tokenizer_args"] as? [String: Any])
            if let value = try checked(ModelFolder.number(kwargs?["model_max_length"]), stFile, "model_max_length") {
                return value
            }
            if let value = try checked(ModelFolder.number(st["max_seq_length"]), stFile, "max_seq_length") {
                return value
            }
        }
        let tokenizerFile = "tokenizer_config.json"
        guard let tokenizer = try ModelFolder.readObject(directory, tokenizerFile, required: false),
              let limit = ModelFolder.number(tokenizer["model_max_length"]) else {
            return bert.maxPositions
        }
        return try checked(min(limit, Double(bert.maxPositions)), tokenizerFile, "model_max_length") ?? bert.maxPositions
    }

    /// sentence-transformers 6's CrossEncoder: `activation_fn` of config_sentence_transformers.json,
    /// else config.json's `sentence_transformers.activation_fn` (versions 4–5), else the pre-4.0
    /// `sbert_ce_default_activation_function`, else Sigmoid for one label and Identity for several.
    /// Paths outside `torch.` are skipped as sentence-transformers does without trust_remote_code.
    private static func readActivation(_ stConfig: [String: Any], _ config: [String: Any], labels: Int) throws(ModelError) -> ScoreActivation {
        let candidates: [(String, String?)] = [
            (stConfigFile, stConfig["activation_fn"] as? String),
            ("config.json", (config["sentence_transformers"] as? [String: Any])?["activation_fn"] as? String),
            ("config.json", config["sbert_ce_default_activation_function"] as? String),
        ]
        for case let (file, path?) in candidates where path.hasPrefix("torch.") {
            switch path.split(separator: ".").last {
            case "Sigmoid": return .sigmoid
            case "Identity": return .identity
            default:
                throw ModelError(file: file, "activation_fn '\(path)' is not supported; supported: torch.nn.Sigmoid, torch.nn.Identity")
            }
        }
        return labels == 1 ? .sigmoid : .identity
    }
}
