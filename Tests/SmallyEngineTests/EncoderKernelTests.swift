import CPackedGEMM
@testable import SmallyEngine
import SmallyTestSupport
import Testing

/// Every vector kernel's encoder passes against the portable reference on random inputs: row widths
/// that leave every tail length of 4, 8 and 16 lanes, strided rows whose padding (and a guard row)
/// must come back untouched, and attention over the short lengths the encoder sends to the kernels.
@Suite("encoder kernels against the portable reference")
struct EncoderKernelTests {
    static let kernels = PackedKernel.allCases.filter { $0 != .portable }
    static let widths = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 47, 100, 384]
    typealias Values = PackedGEMMTests.Values

    /// Runs `pass` with the reference and with `kernel` on copies of `before` (`rows` rows of `width`,
    /// `stride` apart, plus a guard row) and checks each element within `tolerance(reference value)`;
    /// everything outside the rows must be unchanged.
    func compare(_ kernel: PackedKernel, rows: Int, width: Int, stride: Int, before: [Float], _ what: String,
                 tolerance: (Float) -> Float, pass: (PackedKernel, UnsafeMutablePointer<Float>) -> Void) {
        var expected = before, actual = before
        expected.withUnsafeMutableBufferPointer { pass(.portable, $0.baseAddress!) }
        actual.withUnsafeMutableBufferPointer { pass(kernel, $0.baseAddress!) }
        var worst: Float = 0
        for index in before.indices {
            let (r, i) = index.quotientAndRemainder(dividingBy: stride)
            if r < rows && i < width {
                worst = max(worst, abs(actual[index] - expected[index]) / tolerance(expected[index]))
            } else {
                #expect(actual[index].bitPattern == before[index].bitPattern, "\(kernel) \(what): wrote outside at \(r), \(i)")
            }
        }
        #expect(worst <= 1, "\(kernel) \(what) width \(width): error \(worst) × tolerance")
    }

    /// The passes over strided rows, with their inputs' spread and their tolerance around the reference.
    enum StridedPass: String, CaseIterable, Sendable {
        /// The same single addition: exact.
        case bias
        /// Over [-5, 5) + bias: within 2e-7 + 1e-6·|GELU|.
        case gelu
        /// Within 3e-6 relative: the exponent's argument (here up to ±14) is rounded differently where
        /// a kernel fuses `x·scale − shift`.
        case softmax

        var spread: Float { self == .softmax ? 20 : 5 }

        func tolerance(_ expected: Float) -> Float {
            switch self {
            case .bias: .leastNonzeroMagnitude
            case .gelu: 2e-7 + 1e-6 * abs(expected)
            case .softmax: 3e-6 * expected + 1e-30
            }
        }

        func run(_ kernel: PackedKernel, _ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int, bias: [Float]) {
            let kernels = Kernels(kernel: kernel)
            switch self {
            case .bias: kernels.addBias(x, rows: rows, width: width, stride: stride, bias: bias)
            case .gelu: kernels.addBiasGELU(x, rows: rows, width: width, stride: stride, bias: bias)
            case .softmax: kernels.scaledSoftmax(x, rows: rows, width: width, stride: stride, scale: 0.35)
            }
        }
    }

    @Test("bias add, bias + GELU and scaled softmax on strided rows: within each pass's tolerance of the reference",
          arguments: kernels, StridedPass.allCases)
    func stridedPass(_ kernel: PackedKernel, _ pass: StridedPass) {
        PackedGEMMTests.onKernel(kernel) {
            for width in Self.widths {
                var values = Values(state: UInt64(width))
                let (rows, stride) = (3, width + 3)
                let x = values.array((rows + 1) * stride).map { $0 * pass.spread }, bias = values.array(width)
                compare(kernel, rows: rows, width: width, stride: stride, before: x, pass.rawValue, tolerance: pass.tolerance) {
                    pass.run($0, $1, rows: rows, width: width, stride: stride, bias: bias)
                }
            }
        }
    }

    @Test("bias + LayerNorm, with and without bias: within 2e-6 of the reference", arguments: kernels)
    func addBiasLayerNorm(_ kernel: PackedKernel) {
        PackedGEMMTests.onKernel(kernel) {
            for width in Self.widths where width > 1 {
                for withBias in [true, false] {
                    var values = Values(state: UInt64(200 + width))
                    let rows = 5
                    let x = values.array((rows + 1) * width).map { $0 * 3 + 0.5 }
                    let bias = values.array(width), gamma = values.array(width), beta = values.array(width)
                    compare(kernel, rows: rows, width: width, stride: width, before: x, "LayerNorm", tolerance: { _ in 2e-6 }) { k, p in
                        bias.withUnsafeBufferPointer { b in
                            Kernels(kernel: k).addBiasLayerNorm(p, rows: rows, width: width, bias: withBias ? b.baseAddress : nil,
                                                                gamma: gamma, beta: beta, epsilon: 1e-12)
                        }
                    }
                }
            }
        }
    }

    @Test("attention of one head: within 2e-6 of the reference for every short length and odd head sizes",
          arguments: kernels)
    func attentionHead(_ kernel: PackedKernel) {
        PackedGEMMTests.onKernel(kernel) {
            for headSize in [32, 64, 8, 12, 17] {
                for length in [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31, 46, 47] {
                    checkAttention(kernel, length: length, headSize: headSize)
                }
            }
        }
    }

    /// q, k, v interleaved in rows of `3·headSize + 3` (like the encoder's qkv rows, with padding), and an
    /// output whose rows have two padding columns.
    func checkAttention(_ kernel: PackedKernel, length: Int, headSize: Int) {
        var values = Values(state: UInt64(length * 1000 + headSize))
        let stride = 3 * headSize + 3, outStride = headSize + 2
        let qkv = values.array(length * stride).map { $0 * 2 }
        let before = values.array((length + 1) * outStride)
        let scale = 1 / Float(headSize).squareRoot()
        let scratch = FloatBuffer(count: Kernels.attentionScratch(length: length, headSize: headSize))
        compare(kernel, rows: length, width: headSize, stride: outStride, before: before,
                "attention l \(length) dh \(headSize)", tolerance: { _ in 2e-6 }) { k, out in
            qkv.withUnsafeBufferPointer { base in
                let q = base.baseAddress!
                Kernels(kernel: k).attentionHead(length: length, headSize: headSize, q: q, k: q + headSize, v: q + 2 * headSize,
                                                 stride: stride, scale: scale, out: out, outStride: outStride,
                                                 scratch: scratch.pointer)
            }
        }
    }
}
