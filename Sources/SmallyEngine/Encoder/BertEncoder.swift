import CPackedGEMM

/// The BERT forward pass on a *packed* batch: the tokens of all sequences are stacked into one
/// `[T, H]` matrix, so the linear layers (≈95% of the work) run as single products over real
/// tokens only — no padding rows, no attention mask. Attention is computed per sequence.
///
/// The linear layers use the weights packed at load time (`CPackedGEMM`). Several threads can compute
/// one pass together (`run` with a ``Share``): each takes a slice of every product's output panels,
/// of the attention heads and of the rows, and they meet at a barrier between steps. (BLIS, with its
/// own threads inside each product, remains for weights that could not be packed.)
///
/// Not thread-safe: one encoder is owned by one thread (it reuses its scratch buffers), which may
/// lend it to helpers for the `run` of one pass and waits for them. Several encoders can share one
/// `BertWeights`.
public final class BertEncoder {
    public let weights: BertWeights
    private var capacity = 0          // tokens the scratch buffers hold
    private var hidden = FloatBuffer(count: 0)        // [T, H]
    private var qkv = FloatBuffer(count: 0)           // [T, 3H]
    private var context = FloatBuffer(count: 0)       // [T, H]
    private var intermediate = FloatBuffer(count: 0)  // [T, I]
    // int8 layers: quantized activation rows [T, depth], their scales and sums [T], int32 products [T, max outputs].
    private var quantized = AlignedBuffer<Int8>(count: 0)
    private var rowScales = FloatBuffer(count: 0)
    private var rowSums = AlignedBuffer<Int32>(count: 0)
    private var products = AlignedBuffer<Int32>(count: 0)
    // Two-pass layers: what the first pass left out [T, I], and its quantized rows, scales and sums.
    private var leftover = FloatBuffer(count: 0)
    private var quantized2 = AlignedBuffer<Int8>(count: 0)
    private var rowScales2 = FloatBuffer(count: 0)
    private var rowSums2 = AlignedBuffer<Int32>(count: 0)
    // Layers with outliers: per row, the inputs and values set aside [T, max outliers].
    private var outlierIndex = AlignedBuffer<Int32>(count: 0)
    private var outlierValue = FloatBuffer(count: 0)
    /// Per member of a team (one for a pass on one thread): [L, L] for one head of one sequence.
    private var scores: [FloatBuffer]

    /// Sequences at least this long use BLAS for attention; shorter ones a SIMD loop, which beats
    /// the per-call overhead of two tiny products per head.
    static let blasAttentionThreshold = 48

    /// The compiled kernel for the packed products (chosen once per process, at start).
    public let kernel: PackedKernel
    /// The element-wise passes and short attention, on the same kernel.
    private var kernels: Kernels { Kernels(kernel: kernel) }
    /// The int8 kernel of the same instruction-set family, for int8 layers.
    public let int8Kernel: Int8Kernel
    /// Shown every linear layer's input (`rows` × `width`) before its product, in one-thread passes
    /// (``Int8Calibration``, measurements).
    var inputObserver: ((QuantizationPlan.Matrix, UnsafePointer<Float>, _ rows: Int, _ width: Int) -> Void)?

    /// `int8Kernel`: by default the int8 kernel of `kernel`'s instruction-set family (tests force others).
    public init(weights: BertWeights, kernel: PackedKernel = .best, int8Kernel: Int8Kernel? = nil) {
        self.weights = weights
        self.kernel = kernel
        self.int8Kernel = int8Kernel ?? Int8Kernel(for: kernel)
        let p = weights.configuration.maxPositions
        self.scores = [FloatBuffer(count: p * p)]
    }

    private func reserve(tokens: Int) {
        guard tokens > capacity else { return }
        let c = weights.configuration
        let newCapacity = max(tokens, capacity * 2, 64)
        hidden = FloatBuffer(count: newCapacity * c.hiddenSize)
        qkv = FloatBuffer(count: newCapacity * 3 * c.hiddenSize)
        context = FloatBuffer(count: newCapacity * c.hiddenSize)
        intermediate = FloatBuffer(count: newCapacity * c.intermediateSize)
        if weights.precision == .int8 {
            let depth = Int(smally_s8_depth(max(c.hiddenSize, c.intermediateSize)))
            quantized = AlignedBuffer(count: newCapacity * depth)
            rowScales = FloatBuffer(count: newCapacity)
            rowSums = AlignedBuffer(count: newCapacity)
            products = AlignedBuffer(count: newCapacity * max(3 * c.hiddenSize, c.intermediateSize))
            if weights.hasTwoPassLayers {
                leftover = FloatBuffer(count: newCapacity * max(c.hiddenSize, c.intermediateSize))
                quantized2 = AlignedBuffer(count: newCapacity * depth)
                rowScales2 = FloatBuffer(count: newCapacity)
                rowSums2 = AlignedBuffer(count: newCapacity)
            }
            if weights.maxOutliers > 0 {
                outlierIndex = AlignedBuffer(count: newCapacity * weights.maxOutliers)
                outlierValue = FloatBuffer(count: newCapacity * weights.maxOutliers)
            }
        }
        capacity = newCapacity
    }

    /// Checks what `forward` requires of its input.
    public static func validate(_ inputs: [EncoderInput], configuration c: BertConfiguration) throws(EngineError) {
        for (index, input) in inputs.enumerated() {
            let ids = input.ids
            if ids.isEmpty { throw .emptySequence(index: index) }
            if ids.count > c.maxPositions {
                throw .sequenceTooLong(index: index, length: ids.count, maximum: c.maxPositions)
            }
            for id in ids where id < 0 || Int(id) >= c.vocabularySize {
                throw .tokenIDOutOfRange(index: index, id: id, vocabularySize: c.vocabularySize)
            }
            if !input.typeIDs.isEmpty {
                if input.typeIDs.count != ids.count {
                    throw .typeIDCountMismatch(index: index, typeIDs: input.typeIDs.count, ids: ids.count)
                }
                for type in input.typeIDs where type < 0 || Int(type) >= c.typeVocabularySize {
                    throw .typeIDOutOfRange(index: index, typeID: type, typeVocabularySize: c.typeVocabularySize)
                }
            }
        }
    }

    /// Per input: the pooled (not normalised) sentence vector, or for a cross-encoder's weights the
    /// raw logits. Computed on the calling thread (`threads` 1) or with BLIS's threads inside each product.
    public func forward(_ inputs: [EncoderInput], pooling: PoolingMode, threads: Int = 1) throws(EngineError) -> [[Float]] {
        try forward(inputs, pooling: pooling, threads: threads, products: threads == 1 ? .packed : .blis)
    }

    /// The same for token ids alone (with [CLS]/[SEP], segment 0, every row pooled).
    public func forward(_ sequences: [[Int32]], pooling: PoolingMode, threads: Int = 1) throws(EngineError) -> [[Float]] {
        try forward(sequences.map { EncoderInput(ids: $0) }, pooling: pooling, threads: threads)
    }

    /// How the linear layers are computed: both give the same vectors to float rounding.
    enum LinearProducts {
        /// `CPackedGEMM` on the calling thread (falls back to BLIS for a matrix that was not packed).
        case packed
        /// BLIS, with `threads` threads inside each product.
        case blis
    }

    func forward(_ inputs: [EncoderInput], pooling: PoolingMode, threads: Int,
                 products: LinearProducts) throws(EngineError) -> [[Float]] {
        guard let pass = try prepare(inputs) else { return [] }
        BLAS.setThreadCount(threads)
        run(pass, inputs, products: products, share: .whole)
        return outputs(pass, inputs, pooling: pooling)
    }

    /// Where each sequence's rows start in the packed batch, and where the last one ends.
    struct Pass: Sendable {
        let offsets: [Int]
        var tokens: Int { offsets[offsets.count - 1] }
        var sequenceCount: Int { offsets.count - 1 }
    }

    /// One thread's part of a pass that several threads compute together (``BertEncoder/run``):
    /// member `member` of `size`, meeting the others at `barrier` between steps.
    struct Share: Sendable {
        let member: Int
        let size: Int
        let barrier: SpinBarrier?

        /// The whole pass on one thread.
        static let whole = Share(member: 0, size: 1, barrier: nil)

        /// This member's slice of `count` items (rows, heads, panels): contiguous, sizes differing by one at most.
        func range(_ count: Int) -> Range<Int> {
            count * member / size ..< count * (member + 1) / size
        }

        func sync() { barrier?.wait() }
    }

    /// Validates the input and sizes the scratch buffers for a pass computed by `members` threads;
    /// nil when there are no sequences.
    func prepare(_ inputs: [EncoderInput], members: Int = 1) throws(EngineError) -> Pass? {
        try Self.validate(inputs, configuration: weights.configuration)
        guard !inputs.isEmpty else { return nil }
        let p = weights.configuration.maxPositions
        while scores.count < members { scores.append(FloatBuffer(count: p * p)) }
        var offsets = [Int]()
        offsets.reserveCapacity(inputs.count + 1)
        var total = 0
        for input in inputs {
            offsets.append(total)
            total += input.ids.count
        }
        offsets.append(total)
        reserve(tokens: total)
        return Pass(offsets: offsets)
    }

    /// The embeddings and every layer of a prepared pass. The members of a team all call it with the
    /// same pass and sequences, each on its own thread; each computes its share of every step
    /// (product columns, attention heads, rows) in disjoint parts of this encoder's buffers.
    func run(_ pass: Pass, _ inputs: [EncoderInput], products: LinearProducts, share: Share) {
        if share.member == 0 { embed(inputs) }
        share.sync()
        for (index, layer) in weights.layers.enumerated() {
            runLayer(layer, index: index, pass, products: products, share: share)
        }
    }

    private func embed(_ inputs: [EncoderInput]) {
        let c = weights.configuration
        let h = c.hiddenSize
        var row = 0
        for input in inputs {
            let types = input.typeIDs
            for (position, id) in input.ids.enumerated() {
                let out = hidden.pointer + row * h
                let pos = weights.positionEmbeddings + position * h
                let type = weights.tokenTypeEmbeddings + (types.isEmpty ? 0 : Int(types[position])) * h
                if let table = weights.quantizedWordEmbeddings {
                    table.add(row: Int(id), pos, type, into: out)
                } else if let words = weights.wordEmbeddings {
                    let word = words + Int(id) * h
                    for i in 0..<h { out[i] = word[i] + pos[i] + type[i] }
                }
                row += 1
            }
        }
        kernels.addBiasLayerNorm(hidden.pointer, rows: row, width: h, bias: nil,
                                 gamma: weights.embeddingNormWeight, beta: weights.embeddingNormBias,
                                 epsilon: c.layerNormEpsilon)
    }

    /// `out[t, outputs] = x[t, inputs] · Wᵀ`, plus `out` when `accumulate`, for the share's slice of
    /// the output columns (whole panels); returns that slice.
    @inline(__always)
    @discardableResult
    private func linear(_ x: UnsafePointer<Float>, rows t: Int, _ w: LinearWeights,
                        into out: UnsafeMutablePointer<Float>, accumulate: Bool,
                        products: LinearProducts, share: Share) -> Range<Int> {
        if let q = w.quantized {
            return linearInt8(x, rows: t, w, q, into: out, accumulate: accumulate, share: share)
        }
        if products == .packed || w.matrix == nil, let panels = w.packed {
            let width = Int(SMALLY_PACKED_PANEL)
            let mine = share.range(w.outputs / width)
            if !mine.isEmpty {
                smally_gemm_packed_with(kernel.code, t, mine.count * width, w.inputs, x, w.inputs, panels + mine.lowerBound * width * w.inputs,
                                   out + mine.lowerBound * width, w.outputs, accumulate ? 1 : 0)
            }
            return mine.lowerBound * width ..< mine.upperBound * width
        }
        guard share.member == 0, let matrix = w.matrix else { return 0..<0 }
        BLAS.gemmTransposedB(m: t, n: w.outputs, k: w.inputs, a: x, lda: w.inputs, b: matrix, ldb: w.inputs,
                             c: out, ldc: w.outputs, beta: accumulate ? 1 : 0)
        return 0..<w.outputs
    }

    /// ``linear`` for an int8 layer: each member quantizes its share of the rows, then (after they
    /// meet) computes its panels' int32 products over all rows and scales them back into `out`.
    private func linearInt8(_ x: UnsafePointer<Float>, rows t: Int, _ w: LinearWeights, _ q: QuantizedLinear,
                            into out: UnsafeMutablePointer<Float>, accumulate: Bool, share: Share) -> Range<Int> {
        let rows = share.range(t)
        if !rows.isEmpty {
            let first = rows.lowerBound
            if q.outliers > 0 {
                smally_s8_quantize_rows_outliers(int8Kernel.code, rows.count, w.inputs, x + first * w.inputs, w.inputs,
                                                 q.smoothing, q.outliers, quantized.pointer + first * q.depth, q.depth,
                                                 rowScales.pointer + first, rowSums.pointer + first,
                                                 outlierIndex.pointer + first * q.outliers,
                                                 outlierValue.pointer + first * q.outliers)
            } else {
                smally_s8_quantize_rows(int8Kernel.code, rows.count, w.inputs, x + first * w.inputs, w.inputs,
                                        q.smoothing, quantized.pointer + first * q.depth, q.depth,
                                        rowScales.pointer + first, rowSums.pointer + first)
            }
            if q.twoPass {
                smally_s8_quantization_error(rows.count, w.inputs, x + first * w.inputs, w.inputs, q.smoothing,
                                             quantized.pointer + first * q.depth, q.depth, rowScales.pointer + first,
                                             leftover.pointer + first * w.inputs, w.inputs)
                smally_s8_quantize_rows(int8Kernel.code, rows.count, w.inputs, leftover.pointer + first * w.inputs, w.inputs,
                                        nil, quantized2.pointer + first * q.depth, q.depth,
                                        rowScales2.pointer + first, rowSums2.pointer + first)
            }
        }
        share.sync()
        let width = Int(SMALLY_PACKED_PANEL)
        let mine = share.range(w.outputs / width)
        let columns = mine.lowerBound * width ..< mine.upperBound * width
        guard !mine.isEmpty else { return columns }
        // Every pass of the activations against every copy of the weights, summed into `out`.
        var first = true
        for pass in 0..<(q.twoPass ? 2 : 1) {
            let (rowsQ, rowsScale, rowsSum) = pass == 0 ? (quantized.pointer, rowScales.pointer, rowSums.pointer)
                                                        : (quantized2.pointer, rowScales2.pointer, rowSums2.pointer)
            for copy in [(q.packed, q.scales, columns),
                         q.denseResidual ? (q.residualPacked, q.residualScales, columns.clamped(to: 0..<q.residualOutputs)) : (nil, nil, columns)] {
                guard let packed = copy.0, let scales = copy.1, !copy.2.isEmpty else { continue }
                let span = copy.2
                smally_s8_gemm_dequantize(int8Kernel.code, t, span.count, w.inputs, rowsQ, q.depth, rowsSum,
                                          packed + span.lowerBound * q.depth, products.pointer + span.lowerBound,
                                          w.outputs, rowsScale, scales + span.lowerBound, out + span.lowerBound,
                                          w.outputs, first && !accumulate ? 0 : 1)
                first = false
            }
        }
        if q.outliers > 0 {
            for copy in [(q.packed, q.scales), q.outlierResidual ? (q.residualPacked, q.residualScales) : (nil, nil)] {
                guard let packed = copy.0, let scales = copy.1 else { continue }
                smally_s8_add_outliers(int8Kernel.code, t, columns.count, w.inputs, q.outliers, outlierIndex.pointer,
                                       outlierValue.pointer, packed + columns.lowerBound * q.depth,
                                       scales + columns.lowerBound, out + columns.lowerBound, w.outputs)
            }
        }
        return columns
    }

    private func runLayer(_ w: BertLayerWeights, index: Int, _ pass: Pass, products: LinearProducts, share: Share) {
        let c = weights.configuration
        let h = c.hiddenSize
        let inner = c.intermediateSize
        let eps = c.layerNormEpsilon
        let t = pass.tokens
        let rows = share.range(t)

        func observe(_ part: QuantizationPlan.Part, _ x: UnsafePointer<Float>, width: Int) {
            inputObserver?(QuantizationPlan.Matrix(layer: index, part: part), x, t, width)
        }

        // Self-attention: each member adds the biases of its own heads' q, k, v and attends with them.
        observe(.qkv, hidden.pointer, width: h)
        linear(hidden.pointer, rows: t, w.qkv, into: qkv.pointer, accumulate: false, products: products, share: share)
        share.sync()
        let heads = share.range(c.headCount)
        if !heads.isEmpty {
            for part in 0..<3 {
                let column = part * h + heads.lowerBound * c.headSize
                kernels.addBias(qkv.pointer + column, rows: t, width: heads.count * c.headSize, stride: 3 * h,
                                bias: w.qkvBias + column)
            }
            // q and k (parts 0, 1) for QKᵀ, v (part 2) for P·V, each token's per head.
            let rounded = (weights.simulates(.attentionScores) ? [0, 1] : []) + (weights.simulates(.attentionValues) ? [2] : [])
            for token in 0..<(rounded.isEmpty ? 0 : t) {
                for part in rounded {
                    for head in heads {
                        Self.roundToInt8(qkv.pointer + token * 3 * h + part * h + head * c.headSize, count: c.headSize)
                    }
                }
            }
            for s in 0..<pass.sequenceCount {
                attention(start: pass.offsets[s], length: pass.offsets[s + 1] - pass.offsets[s], heads: heads,
                          scores: scores[share.member].pointer)
            }
        }
        share.sync()
        // hidden = LayerNorm(hidden + context·Woᵀ + bo): the residual is accumulated by the product.
        observe(.attentionOutput, context.pointer, width: h)
        linear(context.pointer, rows: t, w.attentionOutput, into: hidden.pointer, accumulate: true,
               products: products, share: share)
        share.sync()
        simulate(.layerNormInput, rows: rows, width: h)
        kernels.addBiasLayerNorm(hidden.pointer + rows.lowerBound * h, rows: rows.count, width: h, bias: w.attentionOutputBias,
                                 gamma: w.attentionNormWeight, beta: w.attentionNormBias, epsilon: eps)
        share.sync()

        // Feed-forward; GELU on the columns this member computed.
        observe(.intermediate, hidden.pointer, width: h)
        let columns = linear(hidden.pointer, rows: t, w.intermediate, into: intermediate.pointer, accumulate: false,
                             products: products, share: share)
        if weights.simulates(.geluInput) {  // whole rows: every member's columns first
            share.sync()
            for row in rows { Self.roundToInt8(intermediate.pointer + row * inner, count: inner) }
            share.sync()
        }
        kernels.addBiasGELU(intermediate.pointer + columns.lowerBound, rows: t, width: columns.count, stride: inner,
                            bias: w.intermediateBias + columns.lowerBound)
        share.sync()
        observe(.output, intermediate.pointer, width: inner)
        linear(intermediate.pointer, rows: t, w.output, into: hidden.pointer, accumulate: true,
               products: products, share: share)
        share.sync()
        simulate(.layerNormInput, rows: rows, width: h)
        kernels.addBiasLayerNorm(hidden.pointer + rows.lowerBound * h, rows: rows.count, width: h, bias: w.outputBias,
                                 gamma: w.outputNormWeight, beta: w.outputNormBias, epsilon: eps)
        share.sync()
    }

    /// Rounds rows `rows` of `hidden` (`width` wide) to int8 when the plan simulates `step` there.
    private func simulate(_ step: QuantizationPlan.SimulatedStep, rows: Range<Int>, width: Int) {
        guard weights.simulates(step) else { return }
        for row in rows { Self.roundToInt8(hidden.pointer + row * width, count: width) }
    }

    /// What int8 would keep of `count` values (``QuantizationPlan/SimulatedStep``): each rounded to the
    /// nearest of 127 steps of their largest magnitude (255 when `unsigned`), kept in fp32.
    static func roundToInt8(_ x: UnsafeMutablePointer<Float>, count: Int, unsigned: Bool = false) {
        var top: Float = 0
        for i in 0..<count { top = max(top, abs(x[i])) }
        guard top > 0 else { return }
        let step = top / (unsigned ? 255 : 127)
        for i in 0..<count { x[i] = (x[i] / step).rounded(.toNearestOrEven) * step }
    }

    /// Heads `heads` of the multi-head attention of one sequence occupying rows `start ..< start + length`.
    private func attention(start: Int, length l: Int, heads: Range<Int>, scores p: UnsafeMutablePointer<Float>) {
        let c = weights.configuration
        let h = c.hiddenSize
        let dh = c.headSize
        let stride = 3 * h
        let scale = 1.0 / Float(dh).squareRoot()
        let base = qkv.pointer + start * stride
        let out = context.pointer + start * h

        // The probabilities are rounded to int8 only on this path, which keeps them in `p`.
        let roundsProbabilities = weights.simulates(.attentionValues)
        if l >= Self.blasAttentionThreshold || roundsProbabilities {
            for head in heads {
                let q = base + head * dh
                let k = base + h + head * dh
                let v = base + 2 * h + head * dh
                BLAS.gemmTransposedB(m: l, n: l, k: dh, a: q, lda: stride, b: k, ldb: stride, c: p, ldc: l, beta: 0)
                kernels.scaledSoftmax(p, rows: l, width: l, stride: l, scale: scale)
                if roundsProbabilities {
                    for row in 0..<l { Self.roundToInt8(p + row * l, count: l, unsigned: true) }
                }
                BLAS.gemm(m: l, n: dh, k: l, a: p, lda: l, b: v, ldb: stride, c: out + head * dh, ldc: h)
            }
            return
        }

        assert(Kernels.attentionScratch(length: l, headSize: dh) <= weights.configuration.maxPositions * weights.configuration.maxPositions)
        for head in heads {
            kernels.attentionHead(length: l, headSize: dh, q: base + head * dh, k: base + h + head * dh,
                                  v: base + 2 * h + head * dh, stride: stride, scale: scale,
                                  out: out + head * dh, outStride: h, scratch: p)
        }
    }

    /// The results of a finished pass: pooled sentence vectors, or a cross-encoder's logits.
    func outputs(_ pass: Pass, _ inputs: [EncoderInput], pooling: PoolingMode) -> [[Float]] {
        let offsets = pass.offsets
        let h = weights.configuration.hiddenSize
        if let classifier = weights.classifier {
            return (0..<pass.sequenceCount).map { s in classifier.logits(cls: hidden.pointer + offsets[s] * h) }
        }
        if weights.simulates(.pooling) {
            for token in 0..<pass.tokens { Self.roundToInt8(hidden.pointer + token * h, count: h) }
        }
        return (0..<pass.sequenceCount).map { s in
            [Float](unsafeUninitializedCapacity: h) { buffer, count in
                pooling.pool(hidden.pointer + offsets[s] * h, length: offsets[s + 1] - offsets[s], width: h,
                             start: inputs[s].poolingStart, into: buffer.baseAddress!)
                count = h
            }
        }
    }
}
