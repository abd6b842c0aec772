import CPackedGEMM

/// One linear layer's weights: in fp32, PyTorch-shaped `[outputs, inputs]` and row-major (what
/// `cblas_sgemm` with `transB` wants), plus the same weights packed once for the single-threaded
/// kernel of `CPackedGEMM` when `outputs` is a multiple of its panel width (true of BERT's sizes);
/// or, for an int8 layer, only its quantized copy (the fp32 matrix is not kept).
struct LinearWeights: @unchecked Sendable {
    // Immutable pointers into buffers kept alive by `BertWeights.owners`.
    /// nil for an int8 layer.
    let matrix: UnsafePointer<Float>?
    let packed: UnsafePointer<Float>?
    let quantized: QuantizedLinear?
    let outputs: Int
    let inputs: Int

    /// Packs `matrix` (fp32) or quantizes it (int8, when `outputs` is a multiple of the panel width);
    /// the new buffers are appended to `owners`, which must outlive this value. An int8 layer, and a
    /// packed one with `keepsMatrix` false (the fp32 layers of an int8 model, which always run on the
    /// packed kernels), do not refer to `matrix` afterwards.
    /// `smoothing`, `twoPass`, `twoPassWeights`, `outliers`: an int8 layer's per-input factors, activation
    /// passes, output columns with a residual weight copy and per-row outliers (``QuantizedLinear``).
    init(matrix: UnsafePointer<Float>, outputs: Int, inputs: Int, precision: Precision = .fp32, keepsMatrix: Bool = true,
         smoothing: [Float]? = nil, twoPass: Bool = false, twoPassWeights: Int = 0, outliers: Int = 0,
         outlierWeights: Bool = false, owners: inout [AnyObject]) {
        self.outputs = outputs
        self.inputs = inputs
        guard outputs % Int(SMALLY_PACKED_PANEL) == 0 else {
            self.matrix = matrix
            self.packed = nil
            self.quantized = nil
            return
        }
        if precision == .int8 {
            self.matrix = nil
            self.packed = nil
            self.quantized = QuantizedLinear(matrix: matrix, outputs: outputs, inputs: inputs, smoothing: smoothing,
                                             twoPass: twoPass, twoPassWeights: twoPassWeights, outliers: outliers,
                                             outlierWeights: outlierWeights, owners: &owners)
            return
        }
        let buffer = FloatBuffer(count: outputs * inputs)
        smally_pack_weights(matrix, outputs, inputs, buffer.pointer)
        owners.append(buffer)
        self.matrix = keepsMatrix ? matrix : nil
        self.packed = UnsafePointer(buffer.pointer)
        self.quantized = nil
    }

    /// Bytes a pass reads: the quantized copy, or the packed one plus the fp32 matrix when kept.
    var bytes: Int {
        if let quantized { return quantized.bytes }
        return ((packed == nil ? 0 : 1) + (matrix == nil ? 0 : 1)) * outputs * inputs * 4
    }

    /// Whether the lanes' single-threaded kernels can compute it (packed fp32 or int8).
    var isPacked: Bool { packed != nil || quantized != nil }
}
