import CPackedGEMM

/// Element-wise and row-wise passes of the BERT forward pass, and short-sequence attention, computed
/// by the C kernels of the encoder's ``PackedKernel`` (`encoder_kernels.h`), like its products. All
/// work on row-major fp32 matrices; the caller owns the memory.
struct Kernels {
    let kernel: PackedKernel

    /// `x[r] = LayerNorm(x[r] + bias) * gamma + beta` in place, for every row. Adding the bias of the
    /// preceding linear layer here saves a separate pass over the matrix.
    func addBiasLayerNorm(
        _ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>?,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float
    ) {
        smally_add_bias_layer_norm(kernel.code, x, rows, width, bias, gamma, beta, epsilon)
    }

    /// `x[r] = x[r] + bias` for every row (leading dimension `stride`, default `width`).
    func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int? = nil,
                 bias: UnsafePointer<Float>) {
        smally_add_bias(kernel.code, x, rows, width, stride ?? width, bias)
    }

    /// `x[r] = GELU(x[r] + bias)` for every row (leading dimension `stride`, default `width`).
    func addBiasGELU(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int? = nil,
                     bias: UnsafePointer<Float>) {
        smally_add_bias_gelu(kernel.code, x, rows, width, stride ?? width, bias)
    }

    /// Softmax of each row of `x` (`[rows, width]`, leading dimension `stride`) after scaling by `scale`.
    func scaledSoftmax(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int, scale: Float) {
        smally_scaled_softmax(kernel.code, x, rows, width, stride, scale)
    }

    /// Floats of scratch ``attentionHead`` needs.
    static func attentionScratch(length: Int, headSize: Int) -> Int {
        smally_attention_scratch(length, headSize)
    }

    /// One head over one sequence of `length` tokens: `out[i] = softmax(scale · q[i]·Kᵀ) · V`, rows of
    /// q, k, v `stride` apart, rows of out `outStride` apart.
    func attentionHead(length: Int, headSize: Int, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
                       v: UnsafePointer<Float>, stride: Int, scale: Float,
                       out: UnsafeMutablePointer<Float>, outStride: Int, scratch: UnsafeMutablePointer<Float>) {
        smally_attention_head(kernel.code, length, headSize, q, k, v, stride, scale, out, outStride, scratch)
    }
}
