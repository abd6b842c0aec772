import CPackedGEMM

/// One linear layer's weights in int8 (`int8_gemm.h`): packed in the kernels' panel layout, with
/// one fp32 scale per output column, and optionally per-input smoothing factors.
struct QuantizedLinear: @unchecked Sendable {
    // Immutable pointers into buffers kept alive by `BertWeights.owners`.
    let packed: UnsafePointer<Int8>
    let scales: UnsafePointer<Float>
    /// What each input is multiplied by before its row is quantized (`1 / s_k`), nil without smoothing.
    let smoothing: UnsafePointer<Float>?
    /// Inputs rounded up to the kernels' group of 4: the stride of quantized activation rows.
    let depth: Int
    /// Bytes of the buffers above.
    let bytes: Int
    /// Activations quantized in two passes (``QuantizationPlan/twoPass``).
    let twoPass: Bool
    /// What the weights' rounding left out, quantized the same way (``QuantizationPlan/twoPassWeights``),
    /// for the first ``residualOutputs`` output columns.
    let residualPacked: UnsafePointer<Int8>?
    let residualScales: UnsafePointer<Float>?
    /// Output columns 0 ..< this have the residual copy (0: none).
    let residualOutputs: Int
    /// Values per activation row set aside from its scale and added in fp32 (``QuantizationPlan/outliers``),
    /// 0 for none; such a layer quantizes its activations in one pass.
    let outliers: Int
    /// Whether the dense product also uses the residual copy (``QuantizationPlan/twoPassWeights``); without
    /// it a residual copy serves only the outliers (``QuantizationPlan/outlierWeights``).
    let denseResidual: Bool
    /// Whether the outliers' fp32 part also uses the residual copy (``QuantizationPlan/outlierWeights``).
    let outlierResidual: Bool

    /// Quantizes `matrix` (`[outputs, inputs]`, `outputs` a multiple of the panel width), its column k
    /// first multiplied by `smoothing[k]` when given (the inputs are divided by it at run time); the
    /// buffers are appended to `owners`. `twoPassWeights`: how many leading output columns get the
    /// residual copy for the dense product (a multiple of the panel width; 0 for none).
    init(matrix: UnsafePointer<Float>, outputs: Int, inputs: Int, smoothing: [Float]? = nil, twoPass: Bool = false,
         twoPassWeights: Int = 0, outliers: Int = 0,
         outlierWeights: Bool = false, owners: inout [AnyObject]) {
        precondition(outliers >= 0 && outliers <= Int(SMALLY_S8_MAX_OUTLIERS) && (outliers == 0 || outliers < inputs))
        precondition(twoPassWeights >= 0 && twoPassWeights <= outputs && twoPassWeights % Int(SMALLY_PACKED_PANEL) == 0)
        self.outliers = outliers
        self.denseResidual = twoPassWeights > 0
        self.outlierResidual = outlierWeights && outliers > 0
        // The outliers' part against both copies needs every column's residual.
        let residualOutputs = outlierWeights && outliers > 0 ? outputs : twoPassWeights
        self.residualOutputs = residualOutputs
        self.twoPass = twoPass && outliers == 0
        depth = Int(smally_s8_depth(inputs))
        let packed = AlignedBuffer<Int8>(count: outputs * depth)
        let scales = FloatBuffer(count: outputs)
        let smoothed = FloatBuffer(count: outputs * inputs)
        for j in 0..<outputs {
            for k in 0..<inputs { smoothed[j * inputs + k] = matrix[j * inputs + k] * (smoothing?[k] ?? 1) }
        }
        smally_s8_pack_weights(smoothed.pointer, outputs, inputs, packed.pointer, scales.pointer)
        if residualOutputs > 0 {
            // Column j, input k sits at ((p·groups + g)·16 + c)·4 + e (int8_gemm.h).
            let groups = depth / 4, width = Int(SMALLY_PACKED_PANEL)
            for j in 0..<residualOutputs {
                for k in 0..<inputs {
                    let q = packed.pointer[((j / width * groups + k / 4) * width + j % width) * 4 + k % 4]
                    smoothed[j * inputs + k] -= scales[j] * Float(q)
                }
            }
            let residual = AlignedBuffer<Int8>(count: residualOutputs * depth)
            let residualScales = FloatBuffer(count: residualOutputs)
            smally_s8_pack_weights(smoothed.pointer, residualOutputs, inputs, residual.pointer, residualScales.pointer)
            owners += [residual, residualScales]
            self.residualPacked = UnsafePointer(residual.pointer)
            self.residualScales = UnsafePointer(residualScales.pointer)
        } else {
            self.residualPacked = nil
            self.residualScales = nil
        }
        if let smoothing {
            let inverse = FloatBuffer(count: inputs)
            for k in 0..<inputs { inverse[k] = 1 / smoothing[k] }
            owners.append(inverse)
            self.smoothing = UnsafePointer(inverse.pointer)
        } else {
            self.smoothing = nil
        }
        owners += [packed, scales]
        self.packed = UnsafePointer(packed.pointer)
        self.scales = UnsafePointer(scales.pointer)
        self.bytes = (outputs + residualOutputs) * (depth + 4) + (smoothing == nil ? 0 : inputs * 4)
    }
}
