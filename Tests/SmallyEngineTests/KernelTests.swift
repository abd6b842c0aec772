import Foundation
@testable import SmallyEngine
import Testing

/// The vectorised math against libm.
@Suite("SIMD math")
struct KernelTests {
    @Test("erf8 is within 3.5e-7 of erf over [-6, 6]")
    func erfAccuracy() {
        var worst: Double = 0
        var x: Float = -6
        while x <= 6 {
            let approx = erf8(Vector8(repeating: x))[0]
            worst = max(worst, abs(Double(approx) - erf(Double(x))))
            x += 0.001
        }
        #expect(worst < 3.5e-7, "max |erf error| \(worst)")
    }

    @Test("exp8 is within 3 ulp of exp over [-80, 80]")
    func expAccuracy() {
        var worst: Double = 0
        var x: Float = -80
        while x <= 80 {
            let approx = Double(exp8(Vector8(repeating: x))[0])
            let exact = exp(Double(x))
            worst = max(worst, abs(approx - exact) / exact)
            x += 0.01
        }
        #expect(worst < 3 * Double(Float.ulpOfOne), "max relative exp error \(worst)")
        #expect(exp8(Vector8(repeating: -100))[0] == 0)
    }

    @Test("softmax rows sum to 1 and keep order")
    func softmax() {
        var row: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1]
        row.withUnsafeMutableBufferPointer { Kernels.scaledSoftmax($0.baseAddress!, rows: 1, width: 11, stride: 11, scale: 0.5) }
        #expect(abs(row.reduce(0, +) - 1) < 1e-6)
        #expect(row[9] > row[8] && row[10] < row[0])
    }

    @Test("LayerNorm gives zero mean and unit variance before the affine part")
    func layerNorm() {
        var row: [Float] = (0..<20).map { Float($0) * 0.37 - 2 }
        let gamma = [Float](repeating: 1, count: 20), beta = [Float](repeating: 0, count: 20)
        row.withUnsafeMutableBufferPointer {
            Kernels.addBiasLayerNorm($0.baseAddress!, rows: 1, width: 20, bias: nil, gamma: gamma, beta: beta, epsilon: 1e-12)
        }
        let mean = row.reduce(0, +) / 20
        let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 20
        #expect(abs(mean) < 1e-6)
        #expect(abs(variance - 1) < 1e-5)
    }
}
