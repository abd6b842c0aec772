import CPackedGEMM

/// Which compiled kernel computes the linear layers' packed products (`SMALLY_KERNEL`). One binary
/// carries every kernel of its architecture; the CPU decides which can run.
public enum PackedKernel: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Plain C: any CPU, the reference the others are tested against.
    case portable
    /// x86-64 with AVX2 and FMA (Haswell, Zen and later).
    case avx2
    /// x86-64 with AVX-512F (Skylake-SP, Ice Lake, Sapphire Rapids, Zen 4 and later).
    case avx512
    /// ARM64 Advanced SIMD (every ARMv8-A core: Graviton, Ampere, Apple silicon under Linux).
    case neon

    var code: Int32 {
        switch self {
        case .portable: Int32(SMALLY_KERNEL_PORTABLE)
        case .avx2: Int32(SMALLY_KERNEL_AVX2)
        case .avx512: Int32(SMALLY_KERNEL_AVX512)
        case .neon: Int32(SMALLY_KERNEL_NEON)
        }
    }

    /// Whether this build has the kernel and this CPU can run it.
    public var isAvailable: Bool { smally_kernel_available(code) != 0 }

    /// The fastest kernel this CPU runs.
    public static var best: PackedKernel {
        allCases.first { $0.code == smally_kernel_best() } ?? .portable
    }

    public var description: String { rawValue }

    public struct Unavailable: Error, CustomStringConvertible {
        public var kernel: PackedKernel
        public var description: String {
            "the \(kernel) kernel cannot run on this CPU or build (available: \(PackedKernel.allCases.filter(\.isAvailable).map(\.rawValue).joined(separator: ", ")))"
        }
    }

    /// `auto` → ``best``; a named kernel, if this CPU can run it.
    public static func resolve(_ name: String) throws -> PackedKernel {
        if name == "auto" { return best }
        guard let kernel = PackedKernel(rawValue: name) else { throw Unavailable(kernel: .portable) }
        guard kernel.isAvailable else { throw Unavailable(kernel: kernel) }
        return kernel
    }
}
