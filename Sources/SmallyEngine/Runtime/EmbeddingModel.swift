import Foundation
import SmallyTokenizer

/// A loaded sentence-transformers model (or cross-encoder): configuration, tokenizer and weights.
/// Immutable and shareable; computing embeddings (or scores) is done by `BertEncoder`s built on it.
public struct EmbeddingModel: Sendable {
    public let directory: URL
    public let configuration: ModelConfiguration
    public let tokenizer: WordPieceTokenizer
    public let weights: BertWeights

    /// Loads a model folder; every problem is reported as a `ModelError` naming the file. With
    /// `precision` int8 the linear layers are quantized at load (see ``Precision``).
    public init(directory: URL, precision: Precision = .fp32) throws(ModelError) {
        try self.init(directory: directory, precision: precision, plan: .standard)
    }

    /// The same with an explicit choice of the int8 layers (measurements, tests).
    init(directory: URL, precision: Precision, plan: QuantizationPlan) throws(ModelError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelError(file: directory.path, "model folder not found (run `make model` or set SMALLY_MODEL_DIR)")
        }
        let configuration = try ModelConfiguration(directory: directory)
        var tokenizer: WordPieceTokenizer
        let tokenizerURL = directory.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: tokenizerURL.path) else {
            throw ModelError(file: "tokenizer.json", "missing from model folder \(directory.path)")
        }
        do {
            tokenizer = try WordPieceTokenizer(contentsOf: tokenizerURL)
        } catch {
            throw ModelError(file: "tokenizer.json", "\(error)")
        }
        tokenizer.maxLength = configuration.maxSequenceLength
        guard tokenizer.vocabularySize <= configuration.bert.vocabularySize else {
            throw ModelError(file: "tokenizer.json", "vocabulary of \(tokenizer.vocabularySize) entries exceeds config.json vocab_size \(configuration.bert.vocabularySize)")
        }
        let weightsPath = directory.appendingPathComponent("model.safetensors").path
        guard FileManager.default.fileExists(atPath: weightsPath) else {
            throw ModelError(file: "model.safetensors", "missing from model folder \(directory.path) (only safetensors weights are supported)")
        }
        let file = try SafetensorsFile(path: weightsPath, displayName: "model.safetensors")
        let calibration = precision == .int8 ? Int8Calibration.texts.map { tokenizer.encode($0).ids } : []
        self.weights = try BertWeights(file: file, configuration: configuration.bert, kind: configuration.kind,
                                       precision: precision, plan: plan, calibration: calibration)
        self.directory = directory
        self.configuration = configuration
        self.tokenizer = tokenizer
    }

    /// The model's name as clients see it (the folder name, e.g. "all-MiniLM-L6-v2").
    public var name: String { configuration.name }

    /// The arithmetic of its linear layers.
    public var precision: Precision { weights.precision }

    /// What sets its vectors apart beside the name, for cache keys: nil for fp32, else the precision
    /// and the revision of its quantization plan ("int8.2"), so a cache filled by another plan's
    /// vectors never answers.
    public var cacheVariant: String? {
        precision == .fp32 ? nil : "\(precision).\(QuantizationPlan.standardRevision)"
    }

    /// The name with the precision when it is not fp32 ("all-MiniLM-L6-v2-int8"): the default served
    /// name and the metrics label of an int8 model, so its answers are never taken for fp32's.
    public var qualifiedName: String { precision == .fp32 ? name : "\(name)-\(precision)" }

    /// sentence-transformers' prompt length: the ids of `prompt` alone, truncated to the model's max
    /// length as it does, without the trailing [SEP] ([CLS] + the prompt's pieces); 0 for an empty
    /// prompt (which it does not apply). With `include_prompt` false this is the
    /// ``EncoderInput/poolingStart`` of the ids of prompt + text.
    public func promptLength(_ prompt: String) -> Int {
        prompt.isEmpty ? 0 : tokenizer.encode(prompt).count - 1
    }
}

/// L2 normalisation as sentence-transformers' `Normalize` module does it: `x / max(‖x‖, 1e-12)`.
public func l2Normalized(_ vector: [Float]) -> [Float] {
    var sum: Float = 0
    for x in vector { sum += x * x }
    let norm = max(sum.squareRoot(), 1e-12)
    return vector.map { $0 / norm }
}
