import CPackedGEMM

/// The BERT forward pass on a *packed* batch: the tokens of all sequences are stacked into one
/// `[T, H]` matrix, so the linear layers (≈95% of the work) run as single products over real
/// tokens only — no padding rows, no attention mask. Attention is computed per sequence.
///
/// Run on one thread (`threads` 1, a lane), the linear layers use the weights packed at load time
/// (`CPackedGEMM`); spread over several threads they use BLIS's threads inside each product.
///
/// Not thread-safe: one encoder is owned by one thread (it reuses its scratch buffers). Several
/// encoders can share one `BertWeights`.
public final class BertEncoder {
    public let weights: BertWeights
    private var capacity = 0          // tokens the scratch buffers hold
    private var hidden = FloatBuffer(count: 0)        // [T, H]
    private var qkv = FloatBuffer(count: 0)           // [T, 3H]
    private var context = FloatBuffer(count: 0)       // [T, H]
    private var intermediate = FloatBuffer(count: 0)  // [T, I]
    private var scores: FloatBuffer                   // [L, L] for one head of one sequence

    /// Sequences at least this long use BLAS for attention; shorter ones a SIMD loop, which beats
    /// the per-call overhead of two tiny products per head.
    static let blasAttentionThreshold = 48

    public init(weights: BertWeights) {
        self.weights = weights
        let p = weights.configuration.maxPositions
        self.scores = FloatBuffer(count: p * p)
    }

    private func reserve(tokens: Int) {
        guard tokens > capacity else { return }
        let c = weights.configuration
        let newCapacity = max(tokens, capacity * 2, 64)
        hidden = FloatBuffer(count: newCapacity * c.hiddenSize)
        qkv = FloatBuffer(count: newCapacity * 3 * c.hiddenSize)
        context = FloatBuffer(count: newCapacity * c.hiddenSize)
        intermediate = FloatBuffer(count: newCapacity * c.intermediateSize)
        capacity = newCapacity
    }

    /// Checks what `forward` requires of its input.
    public static func validate(_ sequences: [[Int32]], configuration c: BertConfiguration) throws(EngineError) {
        for (index, ids) in sequences.enumerated() {
            if ids.isEmpty { throw .emptySequence(index: index) }
            if ids.count > c.maxPositions {
                throw .sequenceTooLong(index: index, length: ids.count, maximum: c.maxPositions)
            }
            for id in ids where id < 0 || Int(id) >= c.vocabularySize {
                throw .tokenIDOutOfRange(index: index, id: id, vocabularySize: c.vocabularySize)
            }
        }
    }

    /// Pooled (not normalised) sentence vectors, one per sequence of token ids (with [CLS]/[SEP]),
    /// computed on the calling thread plus `threads - 1` BLIS threads.
    public func forward(_ sequences: [[Int32]], pooling: PoolingMode, threads: Int = 1) throws(EngineError) -> [[Float]] {
        try forward(sequences, pooling: pooling, threads: threads, products: threads == 1 ? .packed : .blis)
    }

    /// How the linear layers are computed: both give the same vectors to float rounding.
    enum LinearProducts {
        /// `CPackedGEMM` on the calling thread (falls back to BLIS for a matrix that was not packed).
        case packed
        /// BLIS, with `threads` threads inside each product.
        case blis
    }

    func forward(_ sequences: [[Int32]], pooling: PoolingMode, threads: Int,
                 products: LinearProducts) throws(EngineError) -> [[Float]] {
        try Self.validate(sequences, configuration: weights.configuration)
        guard !sequences.isEmpty else { return [] }
        var offsets = [Int]()
        offsets.reserveCapacity(sequences.count + 1)
        var total = 0
        for ids in sequences {
            offsets.append(total)
            total += ids.count
        }
        offsets.append(total)
        reserve(tokens: total)

        // Also for BLIS's attention products of long sequences.
        BLAS.setThreadCount(threads)
        embed(sequences)
        for layer in weights.layers {
            runLayer(layer, tokens: total, offsets: offsets, packed: products == .packed)
        }
        return pool(offsets: offsets, pooling: pooling)
    }

    private func embed(_ sequences: [[Int32]]) {
        let c = weights.configuration
        let h = c.hiddenSize
        var row = 0
        for ids in sequences {
            for (position, id) in ids.enumerated() {
                let out = hidden.pointer + row * h
                let word = weights.wordEmbeddings + Int(id) * h
                let pos = weights.positionEmbeddings + position * h
                let type = weights.tokenTypeEmbeddings   // single-segment input: type 0
                for i in 0..<h { out[i] = word[i] + pos[i] + type[i] }
                row += 1
            }
        }
        Kernels.addBiasLayerNorm(hidden.pointer, rows: row, width: h, bias: nil,
                                 gamma: weights.embeddingNormWeight, beta: weights.embeddingNormBias,
                                 epsilon: c.layerNormEpsilon)
    }

    /// `out[t, outputs] = x[t, inputs] · Wᵀ`, plus `out` when `accumulate`.
    @inline(__always)
    private func linear(_ x: UnsafePointer<Float>, rows t: Int, _ w: LinearWeights,
                        into out: UnsafeMutablePointer<Float>, accumulate: Bool, packed: Bool) {
        if packed, let panels = w.packed {
            smally_gemm_packed(t, w.outputs, w.inputs, x, w.inputs, panels, out, w.outputs, accumulate ? 1 : 0)
        } else {
            BLAS.gemmTransposedB(m: t, n: w.outputs, k: w.inputs, a: x, lda: w.inputs, b: w.matrix, ldb: w.inputs,
                                 c: out, ldc: w.outputs, beta: accumulate ? 1 : 0)
        }
    }

    private func runLayer(_ w: BertLayerWeights, tokens t: Int, offsets: [Int], packed: Bool) {
        let c = weights.configuration
        let h = c.hiddenSize
        let inner = c.intermediateSize
        let eps = c.layerNormEpsilon

        // Self-attention.
        linear(hidden.pointer, rows: t, w.qkv, into: qkv.pointer, accumulate: false, packed: packed)
        Kernels.addBias(qkv.pointer, rows: t, width: 3 * h, bias: w.qkvBias)
        for s in 0..<(offsets.count - 1) {
            attention(start: offsets[s], length: offsets[s + 1] - offsets[s])
        }
        // hidden = LayerNorm(hidden + context·Woᵀ + bo): the residual is accumulated by the product.
        linear(context.pointer, rows: t, w.attentionOutput, into: hidden.pointer, accumulate: true, packed: packed)
        Kernels.addBiasLayerNorm(hidden.pointer, rows: t, width: h, bias: w.attentionOutputBias,
                                 gamma: w.attentionNormWeight, beta: w.attentionNormBias, epsilon: eps)

        // Feed-forward.
        linear(hidden.pointer, rows: t, w.intermediate, into: intermediate.pointer, accumulate: false, packed: packed)
        Kernels.addBiasGELU(intermediate.pointer, rows: t, width: inner, bias: w.intermediateBias)
        linear(intermediate.pointer, rows: t, w.output, into: hidden.pointer, accumulate: true, packed: packed)
        Kernels.addBiasLayerNorm(hidden.pointer, rows: t, width: h, bias: w.outputBias,
                                 gamma: w.outputNormWeight, beta: w.outputNormBias, epsilon: eps)
    }

    /// Multi-head attention of one sequence occupying rows `start ..< start + length`.
    private func attention(start: Int, length l: Int) {
        let c = weights.configuration
        let h = c.hiddenSize
        let dh = c.headSize
        let stride = 3 * h
        let scale = 1.0 / Float(dh).squareRoot()
        let base = qkv.pointer + start * stride
        let out = context.pointer + start * h
        let p = scores.pointer

        if l >= Self.blasAttentionThreshold || dh % 8 != 0 {
            for head in 0..<c.headCount {
                let q = base + head * dh
                let k = base + h + head * dh
                let v = base + 2 * h + head * dh
                BLAS.gemmTransposedB(m: l, n: l, k: dh, a: q, lda: stride, b: k, ldb: stride, c: p, ldc: l, beta: 0)
                Kernels.scaledSoftmax(p, rows: l, width: l, stride: l, scale: scale)
                BLAS.gemm(m: l, n: dh, k: l, a: p, lda: l, b: v, ldb: stride, c: out + head * dh, ldc: h)
            }
            return
        }

        for head in 0..<c.headCount {
            for i in 0..<l {
                let q = base + i * stride + head * dh
                for j in 0..<l {
                    let k = base + j * stride + h + head * dh
                    var acc = Vector8()
                    var d = 0
                    while d < dh { acc += load8(q + d) * load8(k + d); d += 8 }
                    p[j] = acc.sum()
                }
                Kernels.scaledSoftmax(p, rows: 1, width: l, stride: l, scale: scale)
                let o = out + i * h + head * dh
                var d = 0
                while d < dh {
                    var acc = Vector8()
                    for j in 0..<l {
                        acc += Vector8(repeating: p[j]) * load8(base + j * stride + 2 * h + head * dh + d)
                    }
                    store8(acc, o + d)
                    d += 8
                }
            }
        }
    }

    private func pool(offsets: [Int], pooling: PoolingMode) -> [[Float]] {
        let h = weights.configuration.hiddenSize
        var result: [[Float]] = []
        result.reserveCapacity(offsets.count - 1)
        for s in 0..<(offsets.count - 1) {
            let start = offsets[s]
            let length = offsets[s + 1] - start
            let vector = [Float](unsafeUninitializedCapacity: h) { buffer, count in
                let first = hidden.pointer + start * h
                switch pooling {
                case .cls:
                    for i in 0..<h { buffer[i] = first[i] }
                case .mean:
                    for i in 0..<h { buffer[i] = 0 }
                    for r in 0..<length {
                        let row = first + r * h
                        for i in 0..<h { buffer[i] += row[i] }
                    }
                    // Divide (not multiply by a reciprocal) to round as sentence-transformers does.
                    let divisor = Float(length)
                    for i in 0..<h { buffer[i] /= divisor }
                }
                count = h
            }
            result.append(vector)
        }
        return result
    }
}
