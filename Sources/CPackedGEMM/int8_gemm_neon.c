// ARMv8.2 dot-product int8 kernel (`sdot`: four s8 × s8 products summed into each int32 lane, so no
// unsigned operand and no correction). A tile is R rows × 16 columns: per group of 4 inputs, four
// 16-byte panel loads (4 columns × 4 inputs each) and, per row, one 4-byte broadcast and four sdot.
// R = 4 uses 16 of the 32 vector registers for C. Compiled for +dotprod by function attributes; the
// dispatcher runs it only where the CPU reports the extension.
#include "int8_gemm_internal.h"

#if defined(__aarch64__)
#include <arm_neon.h>
#if defined(__clang__)
#define DOTPROD __attribute__((target("dotprod")))
#else
// GCC's arm_neon.h checks the target of the enclosing region, not of the function.
#pragma GCC target("arch=armv8.2-a+dotprod")
#define DOTPROD
#endif

#define SMALLY_S8_TILE(R)                                                                          \
    static inline __attribute__((always_inline)) DOTPROD void tile##R(                           \
        long groups, const int8_t *a, long lda, const int8_t *b, int32_t *c, long ldc) {          \
        int32x4_t acc[R][4];                                                                       \
        for (int r = 0; r < R; r++)                                                                \
            for (int q = 0; q < 4; q++) acc[r][q] = vdupq_n_s32(0);                                \
        for (long g = 0; g < groups; g++) {                                                        \
            int8x16_t w0 = vld1q_s8(b + g * 64), w1 = vld1q_s8(b + g * 64 + 16);                   \
            int8x16_t w2 = vld1q_s8(b + g * 64 + 32), w3 = vld1q_s8(b + g * 64 + 48);              \
            for (int r = 0; r < R; r++) {                                                          \
                int8x16_t x = vreinterpretq_s8_s32(vdupq_n_s32(load4(a + r * lda + 4 * g)));       \
                acc[r][0] = vdotq_s32(acc[r][0], w0, x);                                           \
                acc[r][1] = vdotq_s32(acc[r][1], w1, x);                                           \
                acc[r][2] = vdotq_s32(acc[r][2], w2, x);                                           \
                acc[r][3] = vdotq_s32(acc[r][3], w3, x);                                           \
            }                                                                                      \
        }                                                                                          \
        for (int r = 0; r < R; r++)                                                                \
            for (int q = 0; q < 4; q++) vst1q_s32(c + r * ldc + 4 * q, acc[r][q]);                 \
    }

SMALLY_S8_TILE(4) SMALLY_S8_TILE(2) SMALLY_S8_TILE(1)

DOTPROD void smally_s8_gemm_neon_dot(long m, long n, long k, const int8_t *q, long ldq, const int32_t *sums,
                                     const int8_t *packed, int32_t *c, long ldc) {
    (void)sums;
    const long groups = smally_s8_depth(k) / 4;
    for (long p = 0; p < n / NR; p++) {
        const int8_t *b = packed + p * groups * NR * 4;
        int32_t *cp = c + p * NR;
        long i = 0;
        for (; i + 4 <= m; i += 4) tile4(groups, q + i * ldq, ldq, b, cp + i * ldc, ldc);
        for (; i + 2 <= m; i += 2) tile2(groups, q + i * ldq, ldq, b, cp + i * ldc, ldc);
        for (; i < m; i++) tile1(groups, q + i * ldq, ldq, b, cp + i * ldc, ldc);
    }
}
#endif
