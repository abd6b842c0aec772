import Foundation
import CPackedGEMM
@testable import SmallyEngine
import SmallyTestSupport
import Testing

/// The int8 kernels: the portable reference against a plain integer product of the unpacked
/// quantized weights, and every vector kernel against the portable one — equal integers, not a
/// tolerance (all of them compute the same exact sums).
@Suite("int8 kernels against the portable reference")
struct Int8KernelTests {
    typealias Values = PackedGEMMTests.Values
    static let kernels = Int8Kernel.allCases.filter { $0 != .portable }

    struct Shape: Sendable, CustomTestStringConvertible {
        let m: Int, n: Int, k: Int
        var testDescription: String { "m \(m) n \(n) k \(k)" }
    }

    /// Every row remainder of the 12-, 6-, 4- and 2-row tiles, odd panel counts, k not a multiple of
    /// 4 and beyond one 512-input block, and BERT's own sizes.
    static let shapes: [Shape] = [
        Shape(m: 1, n: 16, k: 4), Shape(m: 2, n: 32, k: 5), Shape(m: 3, n: 48, k: 63),
        Shape(m: 5, n: 16, k: 384), Shape(m: 7, n: 80, k: 129), Shape(m: 12, n: 32, k: 384),
        Shape(m: 13, n: 96, k: 1), Shape(m: 23, n: 48, k: 517), Shape(m: 25, n: 64, k: 1536),
        Shape(m: 37, n: 1152, k: 384), Shape(m: 9, n: 384, k: 1536),
    ]

    /// Runs `body` if this CPU can run `kernel`, else records why not (AVX2 must run on every x86-64 CI machine).
    static func onKernel(_ kernel: Int8Kernel, _ body: () throws -> Void) rethrows {
        guard kernel.isAvailable else {
            #if arch(x86_64)
            #expect(kernel != .avx2, "\(kernel) must run on every x86-64 CI machine")
            #endif
            print("int8: \(kernel) kernel skipped: this CPU or build cannot run it")
            return
        }
        try body()
    }

    /// Quantized activations (`depth`-wide rows), their scales and sums, for `rows` × `k` values in
    /// [-spread, spread), with one all-zero row when there are several.
    struct Activations {
        var q: [Int8], scales: [Float], sums: [Int32], depth: Int
        init(_ x: [Float], rows: Int, k: Int, kernel: Int8Kernel = .portable, smooth: [Float]? = nil) {
            depth = Int(smally_s8_depth(k))
            q = [Int8](repeating: 99, count: rows * depth)
            scales = [Float](repeating: 0, count: rows)
            sums = [Int32](repeating: 0, count: rows)
            smally_s8_quantize_rows(kernel.code, rows, k, x, k, smooth, &q, depth, &scales, &sums)
        }
    }

    static func inputs(_ s: Shape, spread: Float = 3) -> (x: [Float], w: [Float]) {
        var values = Values(state: UInt64(s.m * 7919 + s.n * 31 + s.k))
        var x = values.array(s.m * s.k).map { $0 * spread }
        if s.m > 2 { for kk in 0..<s.k { x[s.k + kk] = 0 } }
        return (x, values.array(s.n * s.k))
    }

    @Test("portable: packing and product equal a plain integer product of the quantized values", arguments: shapes)
    func reference(_ s: Shape) {
        let (x, w) = Self.inputs(s)
        let a = Activations(x, rows: s.m, k: s.k)
        let depth = a.depth
        var packed = [Int8](repeating: 0, count: s.n * depth), scales = [Float](repeating: 0, count: s.n)
        smally_s8_pack_weights(w, s.n, s.k, &packed, &scales)
        var c = [Int32](repeating: 0, count: s.m * s.n)
        smally_s8_gemm(Int8Kernel.portable.code, s.m, s.n, s.k, a.q, depth, a.sums, packed, &c, s.n)
        for j in 0..<s.n {
            let top = (0..<s.k).map { abs(w[j * s.k + $0]) }.max()!
            #expect(scales[j] == top / 127, "column \(j) scale")
        }
        for i in 0..<s.m {
            #expect(a.sums[i] == (0..<s.k).reduce(0) { $0 + Int32(a.q[i * depth + $1]) })
            for kk in s.k..<depth { #expect(a.q[i * depth + kk] == 0, "padding of row \(i)") }
            for j in 0..<s.n {
                var exact: Int32 = 0
                for kk in 0..<s.k {
                    let (p, g, e) = (j / 16, kk / 4, kk % 4)
                    let qw = packed[((p * depth / 4 + g) * 16 + j % 16) * 4 + e]
                    // Each weight is its nearest step.
                    let value = w[j * s.k + kk], step = scales[j]
                    #expect(qw != -128 && abs(value - step * Float(qw)) <= 0.5001 * step, "column \(j) input \(kk)")
                    exact += Int32(a.q[i * depth + kk]) * Int32(qw)
                }
                #expect(c[i * s.n + j] == exact, "row \(i) column \(j)")
            }
        }
    }

    /// A shape's quantized activations, packed weights and their column scales.
    static func operands(_ s: Shape) -> (Activations, [Int8], [Float]) {
        let (x, w) = inputs(s)
        let a = Activations(x, rows: s.m, k: s.k)
        var packed = [Int8](repeating: 0, count: s.n * a.depth), scales = [Float](repeating: 0, count: s.n)
        smally_s8_pack_weights(w, s.n, s.k, &packed, &scales)
        return (a, packed, scales)
    }

    @Test("every kernel: the same int32 products as the portable reference", arguments: kernels, shapes)
    func product(_ kernel: Int8Kernel, _ s: Shape) {
        Self.onKernel(kernel) {
            let (a, packed, _) = Self.operands(s)
            // One guard row and two padding columns must come back untouched.
            let ldc = s.n + 2
            var expected = [Int32](repeating: -7, count: (s.m + 1) * ldc), actual = expected
            smally_s8_gemm(Int8Kernel.portable.code, s.m, s.n, s.k, a.q, a.depth, a.sums, packed, &expected, ldc)
            smally_s8_gemm(kernel.code, s.m, s.n, s.k, a.q, a.depth, a.sums, packed, &actual, ldc)
            #expect(actual == expected, "\(kernel) \(s.testDescription)")
        }
    }

    @Test("product and dequantization in one call: the floats of the two calls, every kernel",
          arguments: [Int8Kernel.portable] + kernels, shapes)
    func fusedDequantization(_ kernel: Int8Kernel, _ s: Shape) {
        Self.onKernel(kernel) {
            let (a, packed, scales) = Self.operands(s)
            let ldo = s.n + 2
            var products = [Int32](repeating: 0, count: s.m * s.n)
            for accumulate: Int32 in [0, 1] {
                // One guard row and two padding columns must come back untouched.
                let before = (0..<((s.m + 1) * ldo)).map { Float($0 % 5) - 2 }
                var expected = before, actual = before
                smally_s8_gemm(kernel.code, s.m, s.n, s.k, a.q, a.depth, a.sums, packed, &products, s.n)
                smally_s8_dequantize(kernel.code, s.m, s.n, products, s.n, a.scales, scales, &expected, ldo, accumulate)
                smally_s8_gemm_dequantize(kernel.code, s.m, s.n, s.k, a.q, a.depth, a.sums, packed, &products, s.n,
                                          a.scales, scales, &actual, ldo, accumulate)
                #expect(actual == expected, "\(kernel) \(s.testDescription) accumulate \(accumulate)")
            }
        }
    }

    @Test("full-scale operands (every weight and activation ±127) cannot overflow any kernel", arguments: kernels)
    func extremes(_ kernel: Int8Kernel) {
        Self.onKernel(kernel) {
            let (m, n, k) = (3, 32, 1536)
            // Row 0 all +127 against +127 weights: the largest sum; row 1 alternating signs; row 2 all -127.
            let x = (0..<(m * k)).map { index -> Float in
                let (i, kk) = index.quotientAndRemainder(dividingBy: k)
                return i == 0 ? 1 : i == 1 ? (kk % 2 == 0 ? 1 : -1) : -1
            }
            let w = (0..<(n * k)).map { index -> Float in index / k % 2 == 0 ? 1 : -1 }
            let a = Activations(x, rows: m, k: k)
            var packed = [Int8](repeating: 0, count: n * a.depth), scales = [Float](repeating: 0, count: n)
            smally_s8_pack_weights(w, n, k, &packed, &scales)
            var c = [Int32](repeating: 0, count: m * n)
            smally_s8_gemm(kernel.code, m, n, k, a.q, a.depth, a.sums, packed, &c, n)
            let full = Int32(127 * 127 * k)
            for j in 0..<n {
                let sign: Int32 = j % 2 == 0 ? 1 : -1
                #expect(c[j] == sign * full && c[n + j] == 0 && c[2 * n + j] == -sign * full, "\(kernel) column \(j)")
            }
        }
    }

    @Test("row quantization: every kernel writes the reference's bytes, scales and sums", arguments: kernels)
    func quantizeRows(_ kernel: Int8Kernel) {
        Self.onKernel(kernel) {
            for k in [1, 3, 4, 15, 16, 17, 33, 384, 1536] {
                let (x, w) = Self.inputs(Shape(m: 5, n: 16, k: k), spread: 40)
                // Smoothing factors spanning 1/20 … 20, like those of BERT's outlier inputs.
                let smooth = (0..<k).map { Float.pow20(w[$0]) }
                for factors in [nil, smooth] {
                    let reference = Activations(x, rows: 5, k: k, smooth: factors)
                    let actual = Activations(x, rows: 5, k: k, kernel: kernel, smooth: factors)
                    #expect(actual.q == reference.q && actual.scales == reference.scales && actual.sums == reference.sums,
                            "\(kernel) k \(k) smoothed \(factors != nil)")
                }
            }
        }
    }

    @Test("row quantization with smoothing: the reference quantizes x · smooth")
    func smoothedReference() {
        let k = 37
        let (x, w) = Self.inputs(Shape(m: 3, n: 16, k: k), spread: 5)
        let smooth = (0..<k).map { Float.pow20(w[$0]) }
        let smoothed = Activations(x, rows: 3, k: k, smooth: smooth)
        let premultiplied = Activations((0..<(3 * k)).map { x[$0] * smooth[$0 % k] }, rows: 3, k: k)
        #expect(smoothed.q == premultiplied.q && smoothed.scales == premultiplied.scales && smoothed.sums == premultiplied.sums)
        #expect(smoothed.q != Activations(x, rows: 3, k: k).q, "smoothing must change the quantized rows")
    }

    /// Rows quantized with `count` outliers set aside: bytes, scales, sums and the lists.
    struct OutlierActivations: Equatable {
        var q: [Int8], scales: [Float], sums: [Int32], index: [Int32], value: [Float]
        init(_ x: [Float], rows: Int, k: Int, count: Int, kernel: Int8Kernel = .portable, smooth: [Float]? = nil) {
            let depth = Int(smally_s8_depth(k))
            q = [Int8](repeating: 99, count: rows * depth)
            scales = [Float](repeating: -1, count: rows)
            sums = [Int32](repeating: -1, count: rows)
            index = [Int32](repeating: -1, count: rows * count)
            value = [Float](repeating: -1, count: rows * count)
            smally_s8_quantize_rows_outliers(kernel.code, rows, k, x, k, smooth, count, &q, depth, &scales, &sums, &index, &value)
        }
    }

    /// Rows that exercise the outlier search: random, with a few large values, all zero, fewer non-zero
    /// values than `count`, ties at the boundary, and all of one magnitude (none reaches 2·RMS).
    static func outlierRows(k: Int, count: Int) -> [Float] {
        var values = Values(state: UInt64(k * 31 + count))
        var rows: [[Float]] = []
        rows.append(values.array(k).map { $0 * 3 })
        var spiky = values.array(k)
        for e in 0..<(count + 3) { spiky[(e * 37 + 5) % k] = Float(e % 2 == 0 ? 1 : -1) * Float(20 + e) }
        rows.append(spiky)
        rows.append([Float](repeating: 0, count: k))
        var sparse = [Float](repeating: 0, count: k)
        for e in 0..<min(count / 2, k) { sparse[(e * 7) % k] = Float(e + 1) }
        rows.append(sparse)
        var ties = values.array(k)
        for e in 0..<min(count + 4, k) { ties[(e * 11 + 3) % k] = e % 2 == 0 ? 9 : -9 }
        rows.append(ties)
        rows.append((0..<k).map { $0 % 2 == 0 ? 0.5 : -0.5 })
        return rows.flatMap { $0 }
    }

    @Test("outlier quantization, reference: the row is clipped at the lowest of max|y| · 2^(−j/2), j = 8 … 1, that at most count values exceed (else max|y|), the lists hold what clamping left out")
    func outlierReference() {
        for (k, count) in [(5, 1), (40, 8), (384, 8), (1536, 16), (1536, 64)] {
            let x = Self.outlierRows(k: k, count: count), rows = x.count / k, depth = Int(smally_s8_depth(k))
            let a = OutlierActivations(x, rows: rows, k: k, count: count)
            for i in 0..<rows {
                let row = Array(x[(i * k)..<((i + 1) * k)])
                let most = row.map(abs).max()!
                let clips: [Float] = [0.0625, 0.088388347648, 0.125, 0.176776695297, 0.25, 0.353553390593, 0.5, 0.707106781187]
                let top = clips.map { most * $0 }
                    .first { clip in row.filter { abs($0) > clip }.count <= count } ?? most
                #expect(a.scales[i] == top / 127, "k \(k) count \(count) row \(i) scale")
                #expect(a.sums[i] == (0..<k).reduce(0) { $0 + Int32(a.q[i * depth + $1]) })
                var expected: [(Int32, Float)] = []
                for kk in 0..<k {
                    let q = a.q[i * depth + kk]
                    #expect(q != -128)
                    if abs(row[kk]) > top {
                        #expect(abs(q) == 127 || top == 0, "outlier clamped")
                        expected.append((Int32(kk), row[kk] - a.scales[i] * Float(q)))
                    } else {
                        #expect(abs(row[kk] - a.scales[i] * Float(q)) <= 0.5001 * a.scales[i], "k \(k) row \(i) input \(kk)")
                    }
                }
                #expect(expected.count <= count)
                expected += Array(repeating: (0, 0), count: count - expected.count)
                #expect(expected.map(\.0) == Array(a.index[(i * count)..<((i + 1) * count)]), "k \(k) count \(count) row \(i) indices")
                #expect(expected.map(\.1) == Array(a.value[(i * count)..<((i + 1) * count)]), "k \(k) count \(count) row \(i) values")
            }
        }
    }

    @Test("outlier quantization: every kernel writes the reference's bytes, scales, sums and lists", arguments: kernels)
    func outlierRows(_ kernel: Int8Kernel) {
        Self.onKernel(kernel) {
            for (k, count) in [(5, 1), (17, 4), (40, 8), (384, 8), (1536, 16), (1536, 64)] {
                let x = Self.outlierRows(k: k, count: count), rows = x.count / k
                let smooth = (0..<k).map { Float.pow20(Float(($0 * 13) % 20) / 10 - 1) }
                for factors in [nil, smooth] {
                    let reference = OutlierActivations(x, rows: rows, k: k, count: count, smooth: factors)
                    let actual = OutlierActivations(x, rows: rows, k: k, count: count, kernel: kernel, smooth: factors)
                    #expect(actual == reference, "\(kernel) k \(k) count \(count) smoothed \(factors != nil)")
                }
            }
        }
    }

    @Test("outliers' fp32 part: the reference sums value · int8 weight in list order; every kernel gives its floats",
          arguments: [Int8Kernel.portable] + kernels)
    func addOutliers(_ kernel: Int8Kernel) {
        Self.onKernel(kernel) {
            // Panel counts 1, 3, 13 (8 + 4 + 1), 24 and 72; then one row's values scaled to 1e-33, below
            // what the vector kernels' 2^−24 pre-scaling keeps exact (they fall back for that row).
            let shapes = [Shape(m: 3, n: 16, k: 5), Shape(m: 6, n: 48, k: 384), Shape(m: 6, n: 208, k: 384),
                          Shape(m: 6, n: 384, k: 1536), Shape(m: 6, n: 1152, k: 384)]
            for (s, tiny) in shapes.map({ ($0, false) }) + [(shapes[3], true)] {
                let count = min(16, s.k - 1)
                let (x, w) = Self.inputs(s)
                let a = OutlierActivations(Self.outlierRows(k: s.k, count: count), rows: 6, k: s.k, count: count)
                let values = a.value.indices.map { tiny && $0 / count == 1 ? a.value[$0] * 1e-33 : a.value[$0] }
                #expect(!tiny || values[count] != 0 && values[count].magnitude < 0x1p-100, "row 1 must have an outlier")
                let depth = Int(smally_s8_depth(s.k))
                var packed = [Int8](repeating: 0, count: s.n * depth), scales = [Float](repeating: 0, count: s.n)
                smally_s8_pack_weights(w, s.n, s.k, &packed, &scales)
                let ldo = s.n + 3
                let before = (0..<((s.m + 1) * ldo)).map { Float($0 % 7) - 3 + x[$0 % x.count] }
                var actual = before
                smally_s8_add_outliers(kernel.code, s.m, s.n, s.k, count, a.index, values, packed, scales, &actual, ldo)
                for index in before.indices {
                    let (i, j) = index.quotientAndRemainder(dividingBy: ldo)
                    guard i < s.m, j < s.n else {
                        #expect(actual[index] == before[index], "\(kernel) wrote outside at \(i), \(j)")
                        continue
                    }
                    var acc: Float = 0
                    for o in 0..<count {
                        let kk = Int(a.index[i * count + o])
                        let qw = packed[((j / 16 * depth / 4 + kk / 4) * 16 + j % 16) * 4 + kk % 4]
                        acc = acc.addingProduct(values[i * count + o], Float(qw))
                    }
                    #expect(actual[index] == before[index].addingProduct(acc, scales[j]), "\(kernel) \(s.testDescription) at \(i), \(j)")
                }
            }
        }
    }

    @Test("dequantization: acc · row scale · column scale (+ out), within one rounding of the reference", arguments: kernels)
    func dequantize(_ kernel: Int8Kernel) {
        Self.onKernel(kernel) {
            var values = Values(state: 11)
            let (m, n, ld) = (3, 37, 40)
            let acc = (0..<(m * ld)).map { _ in Int32(values.next() * 2_000_000) }
            let rows = values.array(m), columns = values.array(n)
            for accumulate in [0, 1] {
                let before = values.array((m + 1) * ld)
                var expected = before, actual = before
                smally_s8_dequantize(Int8Kernel.portable.code, m, n, acc, ld, rows, columns, &expected, ld, Int32(accumulate))
                smally_s8_dequantize(kernel.code, m, n, acc, ld, rows, columns, &actual, ld, Int32(accumulate))
                for index in before.indices {
                    let (i, j) = index.quotientAndRemainder(dividingBy: ld)
                    if i < m && j < n {
                        #expect(abs(actual[index] - expected[index]) <= 2 * expected[index].ulp, "\(kernel) at \(i), \(j)")
                    } else {
                        #expect(actual[index] == before[index], "\(kernel) wrote outside at \(i), \(j)")
                    }
                }
            }
        }
    }
}

private extension Float {
    /// 20^v for v in [-1, 1): factors from 1/20 to 20.
    static func pow20(_ v: Float) -> Float { Float(exp(Double(v) * log(20.0))) }
}
