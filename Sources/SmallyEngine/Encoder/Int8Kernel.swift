import CPackedGEMM

/// Which compiled kernel computes the int8 layers (`int8_gemm.h`): the one of the same
/// instruction-set family as the encoder's ``PackedKernel`` that this CPU runs. Every one gives the
/// same integers as the portable reference.
public enum Int8Kernel: String, Sendable, CaseIterable, CustomStringConvertible {
    case portable
    /// `vpmaddubsw` on |a| and w·sign(a), which cannot saturate, then `vpmaddwd`: exact, where AVX2 has no VNNI.
    case avx2
    /// `vpdpbusd` on zmm.
    case avx512vnni
    /// `vpdpbusd` on ymm (VEX).
    case avxvnni
    /// ARMv8.2 `sdot`.
    case neonDot = "neon-dot"

    var code: Int32 {
        switch self {
        case .portable: Int32(SMALLY_S8_PORTABLE)
        case .avx2: Int32(SMALLY_S8_AVX2)
        case .avx512vnni: Int32(SMALLY_S8_AVX512VNNI)
        case .avxvnni: Int32(SMALLY_S8_AVXVNNI)
        case .neonDot: Int32(SMALLY_S8_NEON_DOT)
        }
    }

    /// Whether this build has the kernel and this CPU can run it.
    public var isAvailable: Bool { smally_s8_available(code) != 0 }

    /// The int8 kernel that goes with `kernel`.
    public init(for kernel: PackedKernel) {
        let code = smally_s8_for(kernel.code)
        self = Self.allCases.first { $0.code == code } ?? .portable
    }

    /// Whether the kernel multiplies bytes with a dot-product instruction (VNNI, `sdot`). Without one
    /// (`avx2`, `portable`) int8 does more work per product than fp32 and runs slower than it
    /// (measured 0.42x of fp32 at batch 32 on the AVX2 path: PERFORMANCE.md, "int8").
    public var hasDotProduct: Bool {
        switch self {
        case .avx512vnni, .avxvnni, .neonDot: true
        case .avx2, .portable: false
        }
    }

    public var description: String { rawValue }
}
