// NEON kernel (ARM64). A tile is R rows × 16 columns: four 128-bit registers per row, one packed
// panel; for every k, R broadcasts of A against four panel loads (4R FMAs per R + 4 loads). R = 6
// uses 24 of the 32 vector registers for C. Compiled only on aarch64, where NEON is always present.
#include "packed_gemm.h"

#if defined(__aarch64__)
#include <arm_neon.h>

#define NR SMALLY_PACKED_PANEL
#define KC 384

#define SMALLY_TILE(R)                                                                             \
    static inline __attribute__((always_inline)) void neon##R(                                   \
        long kc, const float *a, long lda, const float *b, float *c, long ldc, int accumulate) {   \
        float32x4_t acc[R][4];                                                                     \
        for (int r = 0; r < R; r++)                                                                \
            for (int q = 0; q < 4; q++) acc[r][q] = accumulate ? vld1q_f32(c + r * ldc + 4 * q) : vdupq_n_f32(0); \
        for (long k = 0; k < kc; k++) {                                                            \
            float32x4_t p0 = vld1q_f32(b + k * NR), p1 = vld1q_f32(b + k * NR + 4);                \
            float32x4_t p2 = vld1q_f32(b + k * NR + 8), p3 = vld1q_f32(b + k * NR + 12);           \
            for (int r = 0; r < R; r++) {                                                          \
                float32x4_t x = vdupq_n_f32(a[r * lda + k]);                                       \
                acc[r][0] = vfmaq_f32(acc[r][0], x, p0);                                           \
                acc[r][1] = vfmaq_f32(acc[r][1], x, p1);                                           \
                acc[r][2] = vfmaq_f32(acc[r][2], x, p2);                                           \
                acc[r][3] = vfmaq_f32(acc[r][3], x, p3);                                           \
            }                                                                                      \
        }                                                                                          \
        for (int r = 0; r < R; r++)                                                                \
            for (int q = 0; q < 4; q++) vst1q_f32(c + r * ldc + 4 * q, acc[r][q]);                 \
    }

SMALLY_TILE(6)
SMALLY_TILE(5)
SMALLY_TILE(4)
SMALLY_TILE(3)
SMALLY_TILE(2)
SMALLY_TILE(1)

void smally_gemm_neon(long m, long n, long k, const float *a, long lda, const float *packed,
                      float *c, long ldc, int accumulate) {
    const long panels = n / NR;
    for (long k0 = 0; k0 < k; k0 += KC) {
        const long kc = k - k0 < KC ? k - k0 : KC;
        const int add = accumulate || k0 > 0;
        for (long p = 0; p < panels; p++) {
            const float *b = packed + (p * k + k0) * NR;
            float *cp = c + p * NR;
            long i = 0;
            for (; i + 6 <= m; i += 6) neon6(kc, a + i * lda + k0, lda, b, cp + i * ldc, ldc, add);
            const float *ai = a + i * lda + k0;
            float *ci = cp + i * ldc;
            switch (m - i) {
            case 5: neon5(kc, ai, lda, b, ci, ldc, add); break;
            case 4: neon4(kc, ai, lda, b, ci, ldc, add); break;
            case 3: neon3(kc, ai, lda, b, ci, ldc, add); break;
            case 2: neon2(kc, ai, lda, b, ci, ldc, add); break;
            case 1: neon1(kc, ai, lda, b, ci, ldc, add); break;
            default: break;
            }
        }
    }
}
#endif
