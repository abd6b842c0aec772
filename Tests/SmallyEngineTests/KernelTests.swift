import CPackedGEMM
import Foundation
@testable import SmallyEngine
import Testing

/// Each kernel's exp/erf approximations against libm, and the passes' defining properties.
@Suite("kernel math")
struct KernelTests {
    static let kernels = PackedKernel.allCases

    @Test("erf is within 3.5e-7 of erf over [-6, 6]", arguments: kernels)
    func erfAccuracy(_ kernel: PackedKernel) {
        PackedGEMMTests.onKernel(kernel) {
            let xs = stride(from: Float(-6), through: 6, by: 0.001).map { $0 }
            var ys = [Float](repeating: .nan, count: xs.count)
            smally_erf(kernel.code, xs, &ys, xs.count)
            let worst = zip(xs, ys).map { abs(Double($1) - erf(Double($0))) }.max() ?? .infinity
            #expect(worst < 3.5e-7, "\(kernel): max |erf error| \(worst)")
        }
    }

    @Test("exp is within 3 ulp of exp over [-80, 80] and 0 below -87", arguments: kernels)
    func expAccuracy(_ kernel: PackedKernel) {
        PackedGEMMTests.onKernel(kernel) {
            let xs = stride(from: Float(-80), through: 80, by: 0.01).map { $0 } + [-100, -88, -Float.infinity]
            var ys = [Float](repeating: .nan, count: xs.count)
            smally_exp(kernel.code, xs, &ys, xs.count)
            let worst = zip(xs, ys).dropLast(3).map { abs(Double($1) - exp(Double($0))) / exp(Double($0)) }.max() ?? .infinity
            #expect(worst < 3 * Double(Float.ulpOfOne), "\(kernel): max relative exp error \(worst)")
            #expect(ys.suffix(3) == [0, 0, 0])
        }
    }

    @Test("softmax rows sum to 1 and keep order", arguments: kernels)
    func softmax(_ kernel: PackedKernel) {
        PackedGEMMTests.onKernel(kernel) {
            var row: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1]
            row.withUnsafeMutableBufferPointer {
                Kernels(kernel: kernel).scaledSoftmax($0.baseAddress!, rows: 1, width: 11, stride: 11, scale: 0.5)
            }
            #expect(abs(row.reduce(0, +) - 1) < 1e-6)
            #expect(row[9] > row[8] && row[10] < row[0])
        }
    }

    @Test("LayerNorm gives zero mean and unit variance before the affine part", arguments: kernels)
    func layerNorm(_ kernel: PackedKernel) {
        PackedGEMMTests.onKernel(kernel) {
            var row: [Float] = (0..<20).map { Float($0) * 0.37 - 2 }
            let gamma = [Float](repeating: 1, count: 20), beta = [Float](repeating: 0, count: 20)
            row.withUnsafeMutableBufferPointer {
                Kernels(kernel: kernel).addBiasLayerNorm($0.baseAddress!, rows: 1, width: 20, bias: nil,
                                                         gamma: gamma, beta: beta, epsilon: 1e-12)
            }
            let mean = row.reduce(0, +) / 20
            let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 20
            #expect(abs(mean) < 1e-6)
            #expect(abs(variance - 1) < 1e-5)
        }
    }
}
