import CPackedGEMM
@testable import SmallyEngine
import SmallyTestSupport
import Testing

/// The lanes' packed-weight kernel against a double-precision reference, and the encoder's two
/// ways of computing its linear layers against sentence-transformers.
@Suite("packed matrix products")
struct PackedGEMMTests {
    struct Shape: Sendable, CustomTestStringConvertible {
        let m: Int, n: Int, k: Int
        /// Extra columns in A's and C's rows (strided operands, as the encoder's views are).
        let padA: Int, padC: Int
        let accumulate: Bool
        var testDescription: String { "m \(m) n \(n) k \(k) padA \(padA) padC \(padC)\(accumulate ? " +C" : "")" }
    }

    static let shapes: [Shape] = [
        // Every row remainder of the 6-row tile, one and several panels.
        Shape(m: 1, n: 16, k: 8, padA: 0, padC: 0, accumulate: false),
        Shape(m: 2, n: 32, k: 5, padA: 3, padC: 0, accumulate: true),
        Shape(m: 3, n: 48, k: 64, padA: 0, padC: 7, accumulate: false),
        Shape(m: 4, n: 16, k: 1, padA: 1, padC: 1, accumulate: true),
        Shape(m: 5, n: 64, k: 100, padA: 0, padC: 0, accumulate: false),
        Shape(m: 6, n: 32, k: 384, padA: 0, padC: 0, accumulate: true),
        Shape(m: 7, n: 48, k: 383, padA: 2, padC: 5, accumulate: false),
        Shape(m: 13, n: 96, k: 384, padA: 0, padC: 0, accumulate: false),
        // k beyond one 384-wide block, whole and ragged (later blocks add to earlier ones).
        Shape(m: 11, n: 32, k: 385, padA: 0, padC: 3, accumulate: false),
        Shape(m: 17, n: 16, k: 1536, padA: 4, padC: 0, accumulate: true),
        Shape(m: 37, n: 48, k: 800, padA: 0, padC: 0, accumulate: false),
        // The AVX-512 tile: 12 rows × two panels, every row remainder, an odd last panel.
        Shape(m: 12, n: 32, k: 384, padA: 0, padC: 0, accumulate: false),
        Shape(m: 23, n: 80, k: 129, padA: 1, padC: 2, accumulate: true),
        Shape(m: 24, n: 16, k: 7, padA: 0, padC: 0, accumulate: false),
        Shape(m: 35, n: 112, k: 384, padA: 0, padC: 16, accumulate: false),
    ]

    /// Every kernel of the build; the ones this CPU cannot run are reported, not silently dropped.
    static let kernels = PackedKernel.allCases

    /// Runs `body` if this CPU can run `kernel`; otherwise records why it was not checked.
    static func onKernel(_ kernel: PackedKernel, _ body: () throws -> Void) rethrows {
        guard kernel.isAvailable else {
            #if arch(x86_64)
            // x86-64 CI must check the AVX2 path and the reference; AVX-512 only where the CPU has it.
            #expect(kernel != .portable && kernel != .avx2, "\(kernel) must run on every x86-64 CI machine")
            #endif
            print("packed GEMM: \(kernel) kernel skipped: this CPU or build cannot run it")
            return
        }
        try body()
    }

    /// Deterministic values in [-1, 1), so a failure reproduces.
    struct Values {
        var generator: SplitMix64
        init(state: UInt64) { generator = SplitMix64(seed: state) }
        mutating func next() -> Float {
            Float(generator.next() >> 40) / Float(1 << 23) - 1
        }
        mutating func array(_ count: Int) -> [Float] { (0..<count).map { _ in next() } }
    }

    @Test("packing puts output column 16p + c, input k at panel p, step k, lane c")
    func packingLayout() {
        let (n, k) = (32, 3)
        let w = (0..<(n * k)).map(Float.init)   // w[j][kk] = j * k + kk
        var packed = [Float](repeating: -1, count: n * k)
        smally_pack_weights(w, n, k, &packed)
        for p in 0..<(n / 16) {
            for kk in 0..<k {
                for c in 0..<16 {
                    #expect(packed[(p * k + kk) * 16 + c] == Float((16 * p + c) * k + kk))
                }
            }
        }
    }

    @Test("every kernel: C = A·Wᵀ (+ C) matches a double-precision reference and writes nothing else",
          arguments: kernels, shapes)
    func product(_ kernel: PackedKernel, _ s: Shape) {
        Self.onKernel(kernel) { check(kernel, s) }
    }

    func check(_ kernel: PackedKernel, _ s: Shape) {
        var values = Values(state: UInt64(s.m * 1_000_003 + s.n * 1009 + s.k))
        let lda = s.k + s.padA, ldc = s.n + s.padC
        let a = values.array(s.m * lda)
        let w = values.array(s.n * s.k)
        // One guard row below C, and the padding columns, must come back untouched.
        let before = values.array((s.m + 1) * ldc)
        let packed = FloatBuffer(count: s.n * s.k)
        smally_pack_weights(w, s.n, s.k, packed.pointer)
        var c = before
        smally_gemm_packed_with(kernel.code, s.m, s.n, s.k, a, lda, packed.pointer, &c, ldc, s.accumulate ? 1 : 0)

        var worst: Double = 0
        for i in 0..<(s.m + 1) {
            for j in 0..<ldc {
                let index = i * ldc + j
                guard i < s.m, j < s.n else {
                    #expect(c[index] == before[index], "wrote outside C at row \(i), column \(j)")
                    continue
                }
                var exact = s.accumulate ? Double(before[index]) : 0
                var magnitude = s.accumulate ? abs(Double(before[index])) : 0
                for kk in 0..<s.k {
                    let term = Double(a[i * lda + kk]) * Double(w[j * s.k + kk])
                    exact += term
                    magnitude += abs(term)
                }
                // A float sum of k + 1 terms: error at most ~(k + 1)·ε·Σ|terms|.
                let bound = Double(s.k + 1) * Double(Float.ulpOfOne) * magnitude + 1e-30
                worst = max(worst, abs(Double(c[index]) - exact) / bound)
            }
        }
        #expect(worst <= 1, "\(kernel): error \(worst) × the float summation bound")
    }

    /// Every pass follows the kernel (products, element-wise passes, short attention), so each kernel
    /// meets the golden tolerance on all cases, short (kernel attention) and long (BLAS attention).
    @Test("every kernel's encoder gives the golden vectors (normalised max |diff| ≤ 1e-5), as BLIS does", arguments: kernels)
    func encoderPaths(_ kernel: PackedKernel) throws {
        try Self.onKernel(kernel) { try checkEncoder(kernel) }
    }

    func checkEncoder(_ kernel: PackedKernel) throws {
        let engine = try TestSupport.loadEngine()
        let encoder = BertEncoder(weights: engine.model.weights, kernel: kernel)
        let cases = TestSupport.goldenCases
        let sequences = cases.map { EncoderInput(ids: $0.token_ids) }
        let packed = try encoder.forward(sequences, pooling: .mean, threads: 1, products: .packed)
        let blis = try encoder.forward(sequences, pooling: .mean, threads: 1, products: .blis)
        for (index, golden) in cases.enumerated() {
            #expect(TestSupport.maxAbsDiff(l2Normalized(packed[index]), golden.embedding_normalized) <= 1e-5,
                    "\(kernel) normalised: \(golden.id)")
            #expect(TestSupport.maxAbsDiff(packed[index], golden.embedding) <= 1e-4, "packed: \(golden.id)")
            #expect(TestSupport.maxAbsDiff(blis[index], golden.embedding) <= 1e-4, "BLIS: \(golden.id)")
            #expect(TestSupport.maxAbsDiff(l2Normalized(blis[index]), golden.embedding_normalized) <= 1e-5,
                    "\(kernel) BLIS normalised: \(golden.id)")
            #expect(TestSupport.maxAbsDiff(packed[index], blis[index]) <= 1e-5, "packed vs BLIS: \(golden.id)")
        }
    }
}
