/// Weights of one encoder layer. Query, key and value are fused into one `[3H, H]` matrix so each
/// layer starts with a single product.
struct BertLayerWeights: @unchecked Sendable {
    // Immutable pointers into buffers kept alive by `BertWeights.owners`.
    let qkv: LinearWeights                // [3H, H]
    let qkvBias: UnsafePointer<Float>     // [3H]
    let attentionOutput: LinearWeights    // [H, H]
    let attentionOutputBias: UnsafePointer<Float>
    let attentionNormWeight: UnsafePointer<Float>
    let attentionNormBias: UnsafePointer<Float>
    let intermediate: LinearWeights       // [I, H]
    let intermediateBias: UnsafePointer<Float>
    let output: LinearWeights             // [H, I]
    let outputBias: UnsafePointer<Float>
    let outputNormWeight: UnsafePointer<Float>
    let outputNormBias: UnsafePointer<Float>
}

/// All weights of a BERT encoder, read from `model.safetensors`. Immutable after loading, so one
/// instance can be shared by every encoder (each encoder has its own scratch space).
public final class BertWeights: @unchecked Sendable {
    public let configuration: BertConfiguration
    /// fp32 [V, H], or nil in an int8 model, which has `quantizedWordEmbeddings` instead.
    let wordEmbeddings: UnsafePointer<Float>?
    let quantizedWordEmbeddings: QuantizedRows?
    let positionEmbeddings: UnsafePointer<Float>  // [P, H]
    let tokenTypeEmbeddings: UnsafePointer<Float> // [T, H]
    let embeddingNormWeight: UnsafePointer<Float>
    let embeddingNormBias: UnsafePointer<Float>
    let layers: [BertLayerWeights]
    /// The pooler and classifier of a cross-encoder; nil for an embedding model.
    let classifier: ClassifierWeights?
    /// Whether every linear layer has its packed copy (BERT's sizes are multiples of the panel width),
    /// which lets several threads share one pass by splitting each product's panels.
    let isPacked: Bool
    /// The arithmetic of the linear layers.
    public let precision: Precision
    /// Whether some int8 layer quantizes its activations in two passes (the encoder's extra scratch).
    let hasTwoPassLayers: Bool
    /// The most outliers an int8 layer sets aside per row (``QuantizationPlan/outliers``), 0 for none.
    let maxOutliers: Int
    /// fp32 steps whose inputs are rounded to int8 (``QuantizationPlan/simulated``: measurements only).
    let simulated: Set<QuantizationPlan.SimulatedStep>

    /// Whether `step` is simulated in int8; answered without hashing in a served model (none are).
    func simulates(_ step: QuantizationPlan.SimulatedStep) -> Bool {
        !simulated.isEmpty && simulated.contains(step)
    }
    /// Bytes of the weights a pass reads (every row of the word embeddings counted): packed, quantized
    /// and converted buffers plus the tensors used straight from the mapped file. An int8 model's
    /// resident weights when every vocabulary row has been used.
    public let weightBytes: Int
    /// Keeps the mapped file and converted/fused buffers alive.
    private let owners: [AnyObject]

    /// `kind` `.crossEncoder` also loads `BertForSequenceClassification`'s pooler and classifier.
    /// With `precision` int8 the encoder's linear layers and word embeddings are quantized
    /// (``QuantizedLinear``, ``QuantizedRows``) and their fp32 copies are not kept.
    /// `calibration`: token ids an int8 model's smoothing is measured on (``Int8Calibration``); without
    /// them its layers are quantized unsmoothed.
    public convenience init(file: SafetensorsFile, configuration c: BertConfiguration, kind: ModelKind = .embedding,
                            precision: Precision = .fp32, calibration: [[Int32]] = []) throws(ModelError) {
        try self.init(file: file, configuration: c, kind: kind, precision: precision, plan: .standard,
                      calibration: calibration)
    }

    /// The same with an explicit choice of the layers that are quantized (measurements, tests).
    init(file: SafetensorsFile, configuration c: BertConfiguration, kind: ModelKind = .embedding,
         precision: Precision, plan: QuantizationPlan, calibration sequences: [[Int32]] = []) throws(ModelError) {
        // Smoothing needs the fp32 model's activation ranges: measured with a temporary fp32 copy.
        var calibration: Int8Calibration?
        if precision == .int8, !plan.smoothing.isEmpty, !sequences.isEmpty {
            let reference = try BertWeights(file: file, configuration: c, kind: kind, precision: .fp32, plan: plan)
            calibration = Int8Calibration.measure(reference, sequences: sequences)
        }
        // Checkpoints saved from `BertForMaskedLM` and friends prefix every name with "bert.".
        let prefix = file.contains("embeddings.word_embeddings.weight") ? "" : "bert."
        var owners: [AnyObject] = [file.file]
        var bytes = 0
        simulated = plan.simulated
        // `used`: read by passes (counted in `weightBytes`), not only to build a packed or quantized copy.
        func load(_ name: String, _ shape: [Int], used: Bool = true) throws(ModelError) -> UnsafePointer<Float> {
            let tensor = try file.tensor(prefix + name, shape: shape)
            owners.append(tensor.owner)
            if used { bytes += shape.reduce(4, *) }
            return tensor.pointer
        }
        let h = c.hiddenSize
        let words = try load("embeddings.word_embeddings.weight", [c.vocabularySize, h], used: precision == .fp32 || !plan.embeddings)
        if precision == .int8, plan.embeddings {
            let table = QuantizedRows(matrix: words, rows: c.vocabularySize, width: h, owners: &owners)
            bytes += table.bytes
            wordEmbeddings = nil
            quantizedWordEmbeddings = table
        } else {
            wordEmbeddings = words
            quantizedWordEmbeddings = nil
        }
        positionEmbeddings = try load("embeddings.position_embeddings.weight", [c.maxPositions, h])
        tokenTypeEmbeddings = try load("embeddings.token_type_embeddings.weight", [c.typeVocabularySize, h])
        embeddingNormWeight = try load("embeddings.LayerNorm.weight", [h])
        embeddingNormBias = try load("embeddings.LayerNorm.bias", [h])

        func linear(_ matrix: UnsafePointer<Float>, outputs: Int, inputs: Int, _ part: QuantizationPlan.Part,
                    layer: Int) -> LinearWeights {
            let chosen = precision == .int8 && plan.quantizes(part, layer: layer, of: c.layerCount) ? Precision.int8 : .fp32
            let key = QuantizationPlan.Matrix(layer: layer, part: part)
            let smoothing = chosen == .int8 ? plan.smoothing[part].flatMap { alpha in
                calibration?.smoothing(key, matrix: matrix, outputs: outputs, inputs: inputs, alpha: alpha)
            } : nil
            let weights = LinearWeights(matrix: matrix, outputs: outputs, inputs: inputs, precision: chosen,
                                        keepsMatrix: precision == .fp32, smoothing: smoothing,
                                        twoPass: plan.twoPass.contains(part),
                                        twoPassWeights: plan.residualOutputs(part, outputs: outputs),
                                        outliers: plan.outliers[part] ?? 0,
                                        outlierWeights: plan.outlierWeights.contains(part), owners: &owners)
            bytes += weights.bytes
            return weights
        }
        func linear(_ name: String, outputs: Int, inputs: Int, _ part: QuantizationPlan.Part, layer: Int) throws(ModelError) -> LinearWeights {
            linear(try load(name, [outputs, inputs], used: false), outputs: outputs, inputs: inputs, part, layer: layer)
        }

        var layers: [BertLayerWeights] = []
        for index in 0..<c.layerCount {
            let p = "encoder.layer.\(index)."
            let qkv = FloatBuffer(count: 3 * h * h)
            let qkvBias = FloatBuffer(count: 3 * h)
            for (part, name) in ["query", "key", "value"].enumerated() {
                let weight = try load(p + "attention.self.\(name).weight", [h, h], used: false)
                let bias = try load(p + "attention.self.\(name).bias", [h], used: false)
                (qkv.pointer + part * h * h).update(from: weight, count: h * h)
                (qkvBias.pointer + part * h).update(from: bias, count: h)
            }
            owners.append(qkvBias)
            bytes += 3 * h * 4
            // An int8 model keeps only the packed or quantized copy, not the fused fp32 matrix.
            if precision == .fp32 { owners.append(qkv) }
            layers.append(BertLayerWeights(
                qkv: linear(qkv.pointer, outputs: 3 * h, inputs: h, .qkv, layer: index),
                qkvBias: UnsafePointer(qkvBias.pointer),
                attentionOutput: try linear(p + "attention.output.dense.weight", outputs: h, inputs: h, .attentionOutput, layer: index),
                attentionOutputBias: try load(p + "attention.output.dense.bias", [h]),
                attentionNormWeight: try load(p + "attention.output.LayerNorm.weight", [h]),
                attentionNormBias: try load(p + "attention.output.LayerNorm.bias", [h]),
                intermediate: try linear(p + "intermediate.dense.weight", outputs: c.intermediateSize, inputs: h, .intermediate, layer: index),
                intermediateBias: try load(p + "intermediate.dense.bias", [c.intermediateSize]),
                output: try linear(p + "output.dense.weight", outputs: h, inputs: c.intermediateSize, .output, layer: index),
                outputBias: try load(p + "output.dense.bias", [h]),
                outputNormWeight: try load(p + "output.LayerNorm.weight", [h]),
                outputNormBias: try load(p + "output.LayerNorm.bias", [h])
            ))
        }
        self.layers = layers
        if case .crossEncoder(let labels) = kind {
            // The head sits outside the "bert." module of BertForSequenceClassification.
            let classifierWeight = try file.tensor("classifier.weight", shape: [labels, h])
            let classifierBias = try file.tensor("classifier.bias", shape: [labels])
            owners += [classifierWeight.owner, classifierBias.owner]
            self.classifier = ClassifierWeights(
                poolerWeight: try load("pooler.dense.weight", [h, h]), poolerBias: try load("pooler.dense.bias", [h]),
                classifierWeight: classifierWeight.pointer, classifierBias: classifierBias.pointer,
                hiddenSize: h, labelCount: labels)
        } else {
            self.classifier = nil
        }
        self.isPacked = layers.allSatisfy { layer in
            [layer.qkv, layer.attentionOutput, layer.intermediate, layer.output].allSatisfy(\.isPacked)
        }
        self.configuration = c
        self.hasTwoPassLayers = layers.contains { layer in
            [layer.qkv, layer.attentionOutput, layer.intermediate, layer.output].contains { $0.quantized?.twoPass == true }
        }
        self.maxOutliers = layers.flatMap { layer in
            [layer.qkv, layer.attentionOutput, layer.intermediate, layer.output].map { $0.quantized?.outliers ?? 0 }
        }.max() ?? 0
        self.precision = precision
        self.weightBytes = bytes
        self.owners = owners
        // The fp32 linear weights and word embeddings were read to quantize or pack them and are not
        // used again: their pages of the mapped file leave RSS (positions, biases and norms come back).
        if precision == .int8 { file.file.dropResidentPages() }
    }
}
