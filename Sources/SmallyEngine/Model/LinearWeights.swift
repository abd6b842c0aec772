import CPackedGEMM

/// One linear layer's weight matrix, PyTorch-shaped `[outputs, inputs]` and row-major (what
/// `cblas_sgemm` with `transB` wants), plus the same weights packed once for the single-threaded
/// kernel of `CPackedGEMM` when `outputs` is a multiple of its panel width (true of BERT's sizes).
struct LinearWeights: @unchecked Sendable {
    // Immutable pointers into buffers kept alive by `BertWeights.owners`.
    let matrix: UnsafePointer<Float>
    let packed: UnsafePointer<Float>?
    let outputs: Int
    let inputs: Int

    /// Packs `matrix`; the packed copy is appended to `owners`, which must outlive this value.
    init(matrix: UnsafePointer<Float>, outputs: Int, inputs: Int, owners: inout [AnyObject]) {
        self.matrix = matrix
        self.outputs = outputs
        self.inputs = inputs
        guard outputs % Int(SMALLY_PACKED_PANEL) == 0 else {
            self.packed = nil
            return
        }
        let buffer = FloatBuffer(count: outputs * inputs)
        smally_pack_weights(matrix, outputs, inputs, buffer.pointer)
        owners.append(buffer)
        self.packed = UnsafePointer(buffer.pointer)
    }
}
