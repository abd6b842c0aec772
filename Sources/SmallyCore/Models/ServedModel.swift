import SmallyEngine
import SmallyTokenizer

/// One model the process serves: its engine (whose index in the batcher is `index`), the name
/// clients choose it by, and its prompts.
public struct ServedModel: Sendable {
    /// Position in ``ModelCatalog/models`` and in the batcher's engines.
    public let index: Int
    /// The name clients give in `model` (from `--model NAME=DIR`, or the folder's name).
    public let name: String
    public let engine: InferenceEngine
    /// Ranges of the compact int8/uint8 outputs, measured once (see ``QuantizationRanges``).
    let calibration: CalibrationBox

    public init(index: Int, name: String, engine: InferenceEngine) {
        self.index = index
        self.name = name
        self.engine = engine
        self.calibration = CalibrationBox()
    }

    public var configuration: ModelConfiguration { engine.model.configuration }
    public var tokenizer: WordPieceTokenizer { engine.model.tokenizer }
    public var dimension: Int { configuration.dimension }
    public var maxTokens: Int { configuration.maxSequenceLength }
    public var isCrossEncoder: Bool { configuration.kind != .embedding }
    /// What `/info` and `/v1/models` call the model's precision: `fp32` or `int8`.
    public var precision: String { engine.model.precision.rawValue }

    /// Other names clients may use: the Hugging Face id of a sentence-transformers folder, with or
    /// without the precision (``ModelCatalog`` prefers a model of the precision named).
    public func answers(to requested: String) -> Bool {
        let model = engine.model
        return [name, model.name, model.qualifiedName].contains { requested == $0 || requested == "sentence-transformers/\($0)" }
    }

    /// Whether `requested` names this model exactly (its served name, or its folder's name with its
    /// precision: "…-int8" for int8, the plain folder name for fp32).
    func answersExactly(to requested: String) -> Bool {
        [name, engine.model.qualifiedName].contains { requested == $0 || requested == "sentence-transformers/\($0)" }
    }

    /// The prompt for a request: `promptName` (must be one of the model's prompts), else the one
    /// `inputType` calls for (the model's `query` prompt for queries, its `document` or `passage`
    /// prompt for documents; none when it has none), else the model's default prompt (as
    /// sentence-transformers' `encode` does). nil: no prompt.
    public func prompt(named promptName: String?, inputType: InputType?) throws(CoreError) -> String? {
        let prompts = configuration.prompts
        if let promptName {
            guard let prompt = prompts[promptName] else {
                throw .unknownPrompt(UnknownPrompt(model: name, requested: promptName, available: prompts.keys.sorted()))
            }
            return prompt
        }
        if let inputType {
            let names = inputType == .query ? ["query"] : ["document", "passage"]
            return names.lazy.compactMap { prompts[$0] }.first
        }
        return configuration.defaultPromptName.flatMap { prompts[$0] }
    }

    /// Where pooling starts for texts given `prompt`: after the prompt's tokens ([CLS] and the
    /// prompt, as sentence-transformers counts them) when the model leaves it out (`include_prompt`
    /// false), else 0.
    func poolingStart(prompt: String?) -> Int {
        guard let prompt, !configuration.includePrompt else { return 0 }
        return engine.model.promptLength(prompt)
    }

    /// Tokenizes one text as the model's pipeline does: the prompt prepended, truncated at the
    /// model's max length from `direction`, pooled from `poolingStart` (``poolingStart(prompt:)``).
    func encode(_ text: String, prompt: String?, poolingStart: Int, direction: TruncationDirection)
        -> (input: EncoderInput, encoding: TokenEncoding) {
        let encoding = tokenizer.encode((prompt ?? "") + text, maxLength: maxTokens, direction: direction)
        // Never past the last row (a left-truncated text may have lost part of the prompt).
        return (EncoderInput(ids: encoding.ids, poolingStart: min(poolingStart, encoding.count - 1)), encoding)
    }
}

/// What the text is for (Cohere's `input_type`), which picks the model's prompt.
public enum InputType: String, Sendable, CaseIterable {
    case query
    case document
}
