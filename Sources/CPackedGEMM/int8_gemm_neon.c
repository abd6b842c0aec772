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
// Row quantization with outliers, their fp32 part and dequantization in plain NEON (AArch64's
// baseline), the same bytes, lists and floats as the portable reference: `vcvtnq` rounds to nearest
// even like nearbyintf, the largest |y| is exact in any order, the clip is the reference's (s8_clip),
// and no product is fused with a sum the reference keeps apart.
#include <math.h>

// How many of y[0 ..< k] exceed clip in magnitude.
static inline long s8_neon_count_above(const float *y, long k, float clip) {
    const float32x4_t bound = vdupq_n_f32(clip);
    uint32x4_t counts = vdupq_n_u32(0);
    long kk = 0;
    for (; kk + 4 <= k; kk += 4) counts = vsubq_u32(counts, vcgtq_f32(vabsq_f32(vld1q_f32(y + kk)), bound));
    long above = (long)vaddvq_u32(counts);
    for (; kk < k; kk++) above += fabsf(y[kk]) > clip;
    return above;
}

void smally_s8_quantize_rows_outliers_neon(long m, long k, const float *x, long ldx, const float *smooth, long count,
                                           int8_t *q, long ldq, float *scales, int32_t *sums, int32_t *index,
                                           float *value) {
#pragma STDC FP_CONTRACT OFF
    if (smooth && k > SMALLY_S8_ROW_BUFFER) {
        smally_s8_quantize_rows_outliers_portable(m, k, x, ldx, smooth, count, q, ldq, scales, sums, index, value);
        return;
    }
    const long depth = smally_s8_depth(k);
    float smoothed[SMALLY_S8_ROW_BUFFER];
    for (long i = 0; i < m; i++) {
        const float *y = s8_smoothed_row(x + i * ldx, smooth, k, smoothed);
        int8_t *out = q + i * ldq;
        int32_t *idx = index + i * count;
        float *val = value + i * count;
        float32x4_t top4 = vdupq_n_f32(0.0f);
        long kk = 0;
        for (; kk + 4 <= k; kk += 4) top4 = vmaxq_f32(top4, vabsq_f32(vld1q_f32(y + kk)));
        float most = vmaxvq_f32(top4);
        for (; kk < k; kk++) most = fmaxf(most, fabsf(y[kk]));
        const float top = s8_clip(y, k, count, most, s8_neon_count_above);
        const float scale = top / 127.0f;
        scales[i] = scale;
        const float inverse = top > 0.0f ? 127.0f / top : 0.0f;
        const float32x4_t inverse4 = vdupq_n_f32(inverse), boundary = vdupq_n_f32(top);
        const int32x4_t high127 = vdupq_n_s32(127), low127 = vdupq_n_s32(-127);
        int32x4_t sum4 = vdupq_n_s32(0);
        long listed = 0;
        for (kk = 0; kk + 8 <= k; kk += 8) {
            const float32x4_t v0 = vld1q_f32(y + kk), v1 = vld1q_f32(y + kk + 4);
            const int32x4_t c0 = vminq_s32(high127, vmaxq_s32(low127, vcvtnq_s32_f32(vmulq_f32(v0, inverse4))));
            const int32x4_t c1 = vminq_s32(high127, vmaxq_s32(low127, vcvtnq_s32_f32(vmulq_f32(v1, inverse4))));
            vst1_s8(out + kk, vqmovn_s16(vcombine_s16(vqmovn_s32(c0), vqmovn_s32(c1))));
            sum4 = vaddq_s32(sum4, vaddq_s32(c0, c1));
            const uint32x4_t o = vorrq_u32(vcgtq_f32(vabsq_f32(v0), boundary), vcgtq_f32(vabsq_f32(v1), boundary));
            if (vmaxvq_u32(o)) {  // at most `count` per row
                for (long e = kk; e < kk + 8; e++) {
                    if (fabsf(y[e]) > top) {
                        idx[listed] = (int32_t)e;
                        val[listed] = y[e] - scale * (float)out[e];
                        listed++;
                    }
                }
            }
        }
        sums[i] = s8_outlier_row_end(y, kk, k, depth, top, inverse, out, vaddvq_s32(sum4), idx, val, listed, count);
    }
}

// 16 columns (one panel) per outlier: `vld4q_s8` splits the panel's 64-byte group into the four
// inputs' bytes of the 16 columns, the outlier's input is widened to fp32 (exact) and fused into
// four accumulators in the reference's list order.
void smally_s8_add_outliers_neon(long m, long n, long k, long count, const int32_t *index, const float *value,
                                 const int8_t *packed, const float *col_scales, float *out, long ldo) {
    const long groups = smally_s8_depth(k) / 4, stride = groups * NR * 4;
    for (long i = 0; i < m; i++) {
        const int32_t *idx = index + i * count;
        const float *val = value + i * count;
        for (long p = 0; p < n / NR; p++) {
            const int8_t *panel = packed + p * stride;
            float32x4_t acc[4] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)};
            for (long o = 0; o < count; o++) {
                if (val[o] == 0.0f) continue;  // padding
                const int8x16x4_t inputs = vld4q_s8(panel + (idx[o] / 4) * NR * 4);
                const int e = idx[o] % 4;
                const int8x16_t w = e == 0 ? inputs.val[0] : e == 1 ? inputs.val[1] : e == 2 ? inputs.val[2] : inputs.val[3];
                const int16x8_t low = vmovl_s8(vget_low_s8(w)), high = vmovl_s8(vget_high_s8(w));
                const float32x4_t v = vdupq_n_f32(val[o]);
                acc[0] = vfmaq_f32(acc[0], v, vcvtq_f32_s32(vmovl_s16(vget_low_s16(low))));
                acc[1] = vfmaq_f32(acc[1], v, vcvtq_f32_s32(vmovl_s16(vget_high_s16(low))));
                acc[2] = vfmaq_f32(acc[2], v, vcvtq_f32_s32(vmovl_s16(vget_low_s16(high))));
                acc[3] = vfmaq_f32(acc[3], v, vcvtq_f32_s32(vmovl_s16(vget_high_s16(high))));
            }
            float *o = out + i * ldo + p * NR;
            for (int q = 0; q < 4; q++) vst1q_f32(o + 4 * q, vfmaq_f32(vld1q_f32(o + 4 * q), acc[q], vld1q_f32(col_scales + p * NR + 4 * q)));
        }
    }
}

// acc · (row scale · column scale), + out when accumulating: the reference's operations in its order.
void smally_s8_dequantize_neon(long m, long n, const int32_t *acc, long ldacc, const float *row_scales,
                               const float *col_scales, float *out, long ldo, int accumulate) {
#pragma STDC FP_CONTRACT OFF
    for (long i = 0; i < m; i++) {
        const float s = row_scales[i];
        const float32x4_t s4 = vdupq_n_f32(s);
        const int32_t *a = acc + i * ldacc;
        float *o = out + i * ldo;
        long j = 0;
        for (; j + 4 <= n; j += 4) {
            float32x4_t v = vmulq_f32(vcvtq_f32_s32(vld1q_s32(a + j)), vmulq_f32(s4, vld1q_f32(col_scales + j)));
            if (accumulate) v = vaddq_f32(vld1q_f32(o + j), v);
            vst1q_f32(o + j, v);
        }
        for (; j < n; j++) {
            const float v = (float)a[j] * (s * col_scales[j]);
            o[j] = accumulate ? o[j] + v : v;
        }
    }
}
#endif
