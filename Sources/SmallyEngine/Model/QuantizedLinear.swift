import CPackedGEMM

/// One linear layer's weights in int8 (`int8_gemm.h`): packed in the kernels' panel layout, with
/// one fp32 scale per output column.
struct QuantizedLinear: @unchecked Sendable {
    // Immutable pointers into buffers kept alive by `BertWeights.owners`.
    let packed: UnsafePointer<Int8>
    let scales: UnsafePointer<Float>
    /// Inputs rounded up to the kernels' group of 4: the stride of quantized activation rows.
    let depth: Int

    /// Quantizes `matrix` (`[outputs, inputs]`, `outputs` a multiple of the panel width); the
    /// buffers are appended to `owners`.
    init(matrix: UnsafePointer<Float>, outputs: Int, inputs: Int, owners: inout [AnyObject]) {
        depth = Int(smally_s8_depth(inputs))
        let packed = AlignedBuffer<Int8>(count: outputs * depth)
        let scales = FloatBuffer(count: outputs)
        smally_s8_pack_weights(matrix, outputs, inputs, packed.pointer, scales.pointer)
        owners += [packed, scales]
        self.packed = UnsafePointer(packed.pointer)
        self.scales = UnsafePointer(scales.pointer)
    }
}
