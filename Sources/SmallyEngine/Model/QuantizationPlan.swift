/// Which linear layers an int8 model computes in int8 (the others stay fp32), and how their inputs
/// are smoothed. The standard plan was chosen by measurement against fp32 (PERFORMANCE.md, "int8");
/// other plans exist for those measurements.
struct QuantizationPlan: Sendable {
    /// The four linear layers of a BERT layer.
    enum Part: String, Sendable, CaseIterable {
        case qkv, attentionOutput, intermediate, output
    }

    /// One matrix of the model.
    struct Matrix: Hashable, Sendable {
        var layer: Int, part: Part
    }

    /// Parts quantized in every layer.
    var parts: Set<Part> = Set(Part.allCases)
    /// Layers (0-based) kept entirely in fp32; negative numbers count from the end (-1: the last).
    var fp32Layers: Set<Int> = []
    /// Single matrices kept in fp32 (layer counted as in `fp32Layers`).
    var fp32Matrices: Set<Matrix> = []
    /// SmoothQuant's migration strength α per part (none: no smoothing): input k of a matrix is divided
    /// by `s_k = max|x_k|^α / max|W_·k|^(1−α)` (activation ranges measured on ``Int8Calibration``'s
    /// texts with fp32 weights) and the weights' column k multiplied by it, so the few outlier inputs
    /// of BERT's activations no longer set every row's scale.
    var smoothing: [Part: Float] = [:]

    /// The same α for every part.
    static func smoothing(_ alpha: Float) -> [Part: Float] {
        Dictionary(uniqueKeysWithValues: Part.allCases.map { ($0, alpha) })
    }
    /// Parts whose activations are quantized in two passes (the row, then what its rounding left out):
    /// about 14-bit activations for twice the int8 products. For the FFN down-projection, whose
    /// GELU inputs have outliers that differ from token to token (smoothing cannot move them).
    var twoPass: Set<Part> = []
    /// Parts whose weights are stored twice: the int8 weights, then what their rounding left out, also
    /// in int8 (twice the bytes and the products).
    var twoPassWeights: Set<Part> = []
    /// Of q, k, v (in that order), how many leading ones get the second copy when q/k/v has two-pass
    /// weights: v's products never pass through softmax's exponential, and dropping its copy kept the
    /// accuracy goals (PERFORMANCE.md, "int8") for 1 H² fewer products.
    var qkvSecondCopies = 3
    /// Per part, at most how many values of each activation row are set aside (LLM.int8()-style, per
    /// token): the row is clipped at the lowest of max|x|·2^(−j/2) that at most that many values exceed
    /// (`smally_s8_quantize_rows_outliers`), so the few outliers (GELU's change from token to token) no
    /// longer coarsen every other value's step; what their clamping to ±127 left out is added in fp32
    /// against the int8 weights (no fp32 weight copy). One activation pass.
    var outliers: [Part: Int] = [:]
    /// Parts with outliers whose fp32 part is taken against both weight copies (the int8 weights and
    /// what their rounding left out, stored as for ``twoPassWeights``) while the dense product uses the
    /// first copy alone: an outlier is many steps of its row, so its product needs the finer weights.
    var outlierWeights: Set<Part> = []
    /// Whether the word embeddings are stored in int8 (``QuantizedRows``).
    var embeddings = true

    /// A step that stays fp32 in every shipped plan, whose inputs a measurement can round to int8 to see
    /// what computing it in int8 would cost in accuracy (values rounded to 127 levels of their group's
    /// largest magnitude, kept in fp32; PERFORMANCE.md, "int8").
    enum SimulatedStep: String, Sendable, CaseIterable {
        /// QKᵀ: each token's q and k of each head (32 values).
        case attentionScores
        /// P·V: each row of softmax's probabilities (255 levels, unsigned) and each token's v of each head.
        case attentionValues
        /// GELU: each row of the FFN up-projection's product (before its bias).
        case geluInput
        /// Layer norm: each row of the residual sum it normalizes (before its bias).
        case layerNormInput
        /// Pooling: each token's last hidden state.
        case pooling
    }
    /// Steps simulated in int8 (measurements only; none in a served model).
    var simulated: Set<SimulatedStep> = []

    /// The plan an int8 model uses: ``outliers``.
    static let standard = Self.outliers
    /// Bumped whenever the standard plan's vectors change; part of an int8 model's cache identity
    /// (``EmbeddingModel/cacheVariant``), so entries an earlier plan stored (in Redis, across a deploy)
    /// never answer. 1: the first plans (unnumbered keys); 2: 18 H², v with one weight copy.
    static let standardRevision = 2
    /// Every linear layer in int8, smoothed (α 0.75; 0.5 for the FFN down-projection), q, k and the
    /// FFN down-projection with two-pass weights, and per-row outliers in every part (at most 32 of FFN
    /// down's 1,536 inputs, 8 of the others' 384): 18 H² int8 multiply-adds per token and layer.
    /// Against fp32 on the golden texts + 1,200 varied ones, mean / min cosine / top-10 overlap
    /// (PERFORMANCE.md, "int8"): first version (q/k/v fp32, unsmoothed) 0.9982 / 0.989 / 92.2 %; all
    /// smoothed 0.9980 / 0.990 / 92.8 % (300 texts); + two-pass FFN down activations 0.9989 / 0.996 /
    /// 93.8 %; + two-pass weights for q/k/v and FFN down (``twoPassActivations``, 27 H²) 0.9993 / 0.998
    /// / 95.5 %; outliers with v's second copy too (19 H²) 0.9995 / 0.998 / 95.3 %; this plan 0.9994 /
    /// 0.998 / 95.5 %.
    static let outliers = QuantizationPlan(smoothing: smoothing(0.75).merging([.output: 0.5]) { $1 },
                                           twoPassWeights: [.qkv, .output], qkvSecondCopies: 2,
                                           outliers: [.output: 32, .qkv: 8, .attentionOutput: 8, .intermediate: 8])
    /// The previous standard plan: FFN down's activations in two passes instead of outliers (27 H²).
    static let twoPassActivations = QuantizationPlan(smoothing: smoothing(0.75).merging([.output: 0.5]) { $1 },
                                                     twoPass: [.output], twoPassWeights: [.qkv, .output])

    /// How many leading output columns of `part`'s matrix (`outputs` wide) take the residual copy.
    func residualOutputs(_ part: Part, outputs: Int) -> Int {
        guard twoPassWeights.contains(part) else { return 0 }
        return part == .qkv ? outputs / 3 * qkvSecondCopies : outputs
    }

    func quantizes(_ part: Part, layer: Int, of count: Int) -> Bool {
        parts.contains(part) && !fp32Layers.contains(layer) && !fp32Layers.contains(layer - count)
            && !fp32Matrices.contains(Matrix(layer: layer, part: part))
            && !fp32Matrices.contains(Matrix(layer: layer - count, part: part))
    }
}
