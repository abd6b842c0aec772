/// Element-wise and row-wise passes of the BERT forward pass. All work on row-major
/// `[rows, width]` fp32 matrices; the caller owns the memory.
enum Kernels {
    /// `x[r] = LayerNorm(x[r] + bias) * gamma + beta` in place, for every row. Adding the bias of the
    /// preceding linear layer here saves a separate pass over the matrix.
    static func addBiasLayerNorm(
        _ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>?,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float
    ) {
        let vectorWidth = width & ~7
        for r in 0..<rows {
            let row = x + r * width
            if let bias {
                var i = 0
                while i < vectorWidth {
                    store8(load8(row + i) + load8(bias + i), row + i)
                    i += 8
                }
                while i < width { row[i] += bias[i]; i += 1 }
            }
            var sum8 = Vector8()
            var i = 0
            while i < vectorWidth { sum8 += load8(row + i); i += 8 }
            var sum = sum8.sum()
            while i < width { sum += row[i]; i += 1 }
            let mean = sum / Float(width)

            var sq8 = Vector8()
            let mean8 = Vector8(repeating: mean)
            i = 0
            while i < vectorWidth {
                let d = load8(row + i) - mean8
                sq8 += d * d
                i += 8
            }
            var sq = sq8.sum()
            while i < width { let d = row[i] - mean; sq += d * d; i += 1 }
            let inverse = 1.0 / (sq / Float(width) + epsilon).squareRoot()
            let inverse8 = Vector8(repeating: inverse)
            i = 0
            while i < vectorWidth {
                store8((load8(row + i) - mean8) * inverse8 * load8(gamma + i) + load8(beta + i), row + i)
                i += 8
            }
            while i < width { row[i] = (row[i] - mean) * inverse * gamma[i] + beta[i]; i += 1 }
        }
    }

    /// `x[r] = x[r] + bias` for every row (leading dimension `stride`, default `width`).
    static func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int? = nil,
                        bias: UnsafePointer<Float>) {
        let vectorWidth = width & ~7
        let stride = stride ?? width
        for r in 0..<rows {
            let row = x + r * stride
            var i = 0
            while i < vectorWidth { store8(load8(row + i) + load8(bias + i), row + i); i += 8 }
            while i < width { row[i] += bias[i]; i += 1 }
        }
    }

    /// `x[r] = GELU(x[r] + bias)` for every row (leading dimension `stride`, default `width`).
    static func addBiasGELU(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int? = nil,
                            bias: UnsafePointer<Float>) {
        let vectorWidth = width & ~7
        let stride = stride ?? width
        for r in 0..<rows {
            let row = x + r * stride
            var i = 0
            while i < vectorWidth { store8(gelu8(load8(row + i) + load8(bias + i)), row + i); i += 8 }
            while i < width { row[i] = geluScalar(row[i] + bias[i]); i += 1 }
        }
    }

    /// Softmax of each row of `x` (`[rows, width]`, leading dimension `stride`) after scaling by `scale`.
    static func scaledSoftmax(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int, scale: Float) {
        let vectorWidth = width & ~7
        for r in 0..<rows {
            let row = x + r * stride
            var maximum = -Float.infinity
            for i in 0..<width { maximum = max(maximum, row[i]) }
            let shift = Vector8(repeating: maximum * scale)
            let scale8 = Vector8(repeating: scale)
            var sum8 = Vector8()
            var i = 0
            while i < vectorWidth {
                let e = exp8(load8(row + i) * scale8 - shift)
                store8(e, row + i)
                sum8 += e
                i += 8
            }
            var sum = sum8.sum()
            while i < width {
                let e = expScalar(row[i] * scale - maximum * scale)
                row[i] = e
                sum += e
                i += 1
            }
            let inverse = 1.0 / sum
            for j in 0..<width { row[j] *= inverse }
        }
    }
}
