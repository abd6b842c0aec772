// AVX2 int8 kernel without VNNI. `vpmaddubsw` (u8 × s8, pairs summed in saturating 16 bits) can
// overflow with full-range operands (2·255·127 > 2^15), so this kernel widens both operands to 16
// bits (`vpmovsxbw`) and multiplies with `vpmaddwd` (s16 × s16, pairs summed in 32 bits): exact for
// any input. A tile is 2 rows × 16 columns; per group of 4 inputs, four ymm of widened weights (4
// columns × 4 inputs each) meet each row's 4 activations broadcast as 16-bit pairs; the pair sums of
// a column are added horizontally at the end. Compiled for AVX2 by function attributes only.
#include "int8_gemm_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2")))

static inline __attribute__((always_inline)) AVX2 __m256i broadcast4(const int8_t *p) {
    return _mm256_broadcastq_epi64(_mm_cvtepi8_epi16(_mm_cvtsi32_si128(load4(p))));
}

// Columns 0-3 and 4-7 of two accumulators of pair sums ([c0 c0 c1 c1 | c2 c2 c3 c3]) → 8 int32.
static inline __attribute__((always_inline)) AVX2 __m256i fold(__m256i a, __m256i b) {
    return _mm256_permute4x64_epi64(_mm256_hadd_epi32(a, b), 0xD8);
}

#define SMALLY_S8_TILE(R)                                                                          \
    static inline __attribute__((always_inline)) AVX2 void tile##R(                              \
        long groups, const int8_t *a, long lda, const int8_t *b, int32_t *c, long ldc) {          \
        __m256i acc[R][4];                                                                         \
        for (int r = 0; r < R; r++)                                                                \
            for (int q = 0; q < 4; q++) acc[r][q] = _mm256_setzero_si256();                        \
        for (long g = 0; g < groups; g++) {                                                        \
            __m256i w[4];                                                                          \
            for (int q = 0; q < 4; q++)                                                            \
                w[q] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + g * 64 + 16 * q))); \
            for (int r = 0; r < R; r++) {                                                          \
                __m256i x = broadcast4(a + r * lda + 4 * g);                                       \
                for (int q = 0; q < 4; q++) acc[r][q] = _mm256_add_epi32(acc[r][q], _mm256_madd_epi16(w[q], x)); \
            }                                                                                      \
        }                                                                                          \
        for (int r = 0; r < R; r++) {                                                              \
            _mm256_storeu_si256((__m256i *)(c + r * ldc), fold(acc[r][0], acc[r][1]));            \
            _mm256_storeu_si256((__m256i *)(c + r * ldc + 8), fold(acc[r][2], acc[r][3]));         \
        }                                                                                          \
    }

SMALLY_S8_TILE(2) SMALLY_S8_TILE(1)

AVX2 void smally_s8_gemm_avx2(long m, long n, long k, const int8_t *q, long ldq, const int32_t *sums,
                              const int8_t *packed, int32_t *c, long ldc) {
    (void)sums;
    const long groups = smally_s8_depth(k) / 4;
    for (long p = 0; p < n / NR; p++) {
        const int8_t *b = packed + p * groups * NR * 4;
        long i = 0;
        for (; i + 2 <= m; i += 2) tile2(groups, q + i * ldq, ldq, b, c + i * ldc + p * NR, ldc);
        for (; i < m; i++) tile1(groups, q + i * ldq, ldq, b, c + i * ldc + p * NR, ldc);
    }
}
// The outliers' fp32 part (smally_s8_add_outliers) for the AVX2 and AVX-VNNI paths: a panel's 16
// columns as two ymm of 8, each outlier's byte sign-extended by two shifts, fused multiply-adds in
// the reference's order.
__attribute__((target("avx2,fma"))) void smally_s8_add_outliers_avx2(long m, long n, long k, long count,
                                                                     const int32_t *index, const float *value,
                                                                     const int8_t *packed, const float *col_scales,
                                                                     float *out, long ldo) {
    const long groups = smally_s8_depth(k) / 4;
    for (long i = 0; i < m; i++) {
        const int32_t *idx = index + i * count;
        const float *val = value + i * count;
        for (long p = 0; p < n / NR; p++) {
            const int8_t *panel = packed + p * groups * NR * 4;
            __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
            for (long o = 0; o < count; o++) {
                if (val[o] == 0.0f) continue;  // padding
                const long kk = idx[o];
                const int8_t *g = panel + (kk / 4) * NR * 4;
                const __m128i shift = _mm_cvtsi32_si128((int)(24 - 8 * (kk % 4)));
                const __m256i w0 = _mm256_srai_epi32(_mm256_sll_epi32(_mm256_loadu_si256((const __m256i *)g), shift), 24);
                const __m256i w1 = _mm256_srai_epi32(_mm256_sll_epi32(_mm256_loadu_si256((const __m256i *)(g + 32)), shift), 24);
                const __m256 v = _mm256_set1_ps(val[o]);
                lo = _mm256_fmadd_ps(v, _mm256_cvtepi32_ps(w0), lo);
                hi = _mm256_fmadd_ps(v, _mm256_cvtepi32_ps(w1), hi);
            }
            float *o = out + i * ldo + p * NR;
            _mm256_storeu_ps(o, _mm256_fmadd_ps(lo, _mm256_loadu_ps(col_scales + p * NR), _mm256_loadu_ps(o)));
            _mm256_storeu_ps(o + 8, _mm256_fmadd_ps(hi, _mm256_loadu_ps(col_scales + p * NR + 8), _mm256_loadu_ps(o + 8)));
        }
    }
}
#endif
