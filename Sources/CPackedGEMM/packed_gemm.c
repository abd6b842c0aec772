// Packing and the choice of kernel. The kernels live in one file per instruction set.
#include "packed_gemm.h"
#include "panel_layout.h"

void smally_pack_weights(const float *w, long n, long k, float *packed) {
    smally_pack_panels(w, n, k, sizeof(float), packed);
}

int smally_kernel_available(int kernel) {
    switch (kernel) {
    case SMALLY_KERNEL_PORTABLE:
        return 1;
#if defined(__x86_64__)
    case SMALLY_KERNEL_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case SMALLY_KERNEL_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f");
#endif
#if defined(__aarch64__)
    case SMALLY_KERNEL_NEON:
        return 1;  // Advanced SIMD is part of every ARMv8-A core.
#endif
    default:
        return 0;
    }
}

int smally_kernel_best(void) {
    if (smally_kernel_available(SMALLY_KERNEL_AVX512)) return SMALLY_KERNEL_AVX512;
    if (smally_kernel_available(SMALLY_KERNEL_AVX2)) return SMALLY_KERNEL_AVX2;
    if (smally_kernel_available(SMALLY_KERNEL_NEON)) return SMALLY_KERNEL_NEON;
    return SMALLY_KERNEL_PORTABLE;
}

void smally_gemm_packed_with(int kernel, long m, long n, long k, const float *a, long lda, const float *packed,
                             float *c, long ldc, int accumulate) {
    switch (kernel) {
#if defined(__x86_64__)
    case SMALLY_KERNEL_AVX512: smally_gemm_avx512(m, n, k, a, lda, packed, c, ldc, accumulate); return;
    case SMALLY_KERNEL_AVX2: smally_gemm_avx2(m, n, k, a, lda, packed, c, ldc, accumulate); return;
#endif
#if defined(__aarch64__)
    case SMALLY_KERNEL_NEON: smally_gemm_neon(m, n, k, a, lda, packed, c, ldc, accumulate); return;
#endif
    default: smally_gemm_portable(m, n, k, a, lda, packed, c, ldc, accumulate); return;
    }
}

void smally_gemm_packed(long m, long n, long k, const float *a, long lda, const float *packed,
                        float *c, long ldc, int accumulate) {
    smally_gemm_packed_with(smally_kernel_best(), m, n, k, a, lda, packed, c, ldc, accumulate);
}
