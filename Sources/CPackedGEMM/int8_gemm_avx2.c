// AVX2 int8 kernels without VNNI: the product, row quantization (plain and with outliers) and
// dequantization; the AVX-VNNI path shares all but the product.
//
// `vpmaddubsw` multiplies unsigned by signed bytes and sums pairs in saturating 16 bits: with
// full-range operands (2·255·127 > 2^15) it can saturate, the overflow ONNX Runtime documents for
// AVX2. This kernel never gives it more than 127·127 per product: the activation enters as |a|
// (`vpabsb`, ≤ 127 since activations are never −128) and its sign moves onto the weight
// (`vpsignb`: w·sign(a), in [-127, 127]), so a pair is at most 2·127·127 = 32,258 < 2^15 and the
// product is exact, the same integers as the portable reference. `vpmaddwd` by ones then widens a
// column's two pairs to its int32. A tile is R rows × 16 columns (one packed panel: two ymm of 8
// columns × 4 inputs, each a column's 4 bytes in one int32 lane), so the sums land in column order
// with no horizontal step. Compiled for AVX2 by function attributes only.
#include "int8_gemm_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>
#define AVX2 __attribute__((target("avx2")))

#define SMALLY_S8_TILE(R)                                                                          \
    static inline __attribute__((always_inline)) AVX2 void tile##R(                              \
        long gc, const int8_t *a, long lda, const int8_t *b, int32_t *c, long ldc, int add) {     \
        __m256i lo[R], hi[R];                                                                      \
        for (int r = 0; r < R; r++) {                                                              \
            lo[r] = add ? _mm256_loadu_si256((const __m256i *)(c + r * ldc)) : _mm256_setzero_si256(); \
            hi[r] = add ? _mm256_loadu_si256((const __m256i *)(c + r * ldc + 8)) : _mm256_setzero_si256(); \
        }                                                                                          \
        const __m256i ones = _mm256_set1_epi16(1);                                                 \
        for (long g = 0; g < gc; g++) {                                                            \
            const __m256i p0 = _mm256_loadu_si256((const __m256i *)(b + g * 64));                 \
            const __m256i p1 = _mm256_loadu_si256((const __m256i *)(b + g * 64 + 32));            \
            for (int r = 0; r < R; r++) {                                                          \
                const __m256i x = _mm256_set1_epi32(load4(a + r * lda + 4 * g));                   \
                const __m256i magnitude = _mm256_abs_epi8(x);                                      \
                lo[r] = _mm256_add_epi32(lo[r], _mm256_madd_epi16(                                 \
                    _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(p0, x)), ones));              \
                hi[r] = _mm256_add_epi32(hi[r], _mm256_madd_epi16(                                 \
                    _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(p1, x)), ones));              \
            }                                                                                      \
        }                                                                                          \
        for (int r = 0; r < R; r++) {                                                              \
            _mm256_storeu_si256((__m256i *)(c + r * ldc), lo[r]);                                  \
            _mm256_storeu_si256((__m256i *)(c + r * ldc + 8), hi[r]);                              \
        }                                                                                          \
    }

SMALLY_S8_TILE(4) SMALLY_S8_TILE(3) SMALLY_S8_TILE(2) SMALLY_S8_TILE(1)

AVX2 void smally_s8_gemm_avx2(long m, long n, long k, const int8_t *q, long ldq, const int32_t *sums,
                              const int8_t *packed, int32_t *c, long ldc) {
    (void)sums;  // signed operands: no correction term
    const long panels = n / NR, groups = smally_s8_depth(k) / 4;
    for (long g0 = 0; g0 < groups; g0 += GC) {
        const long gc = groups - g0 < GC ? groups - g0 : GC;
        const int add = g0 > 0;
        const int8_t *a = q + 4 * g0;
        for (long p = 0; p < panels; p++) {
            const int8_t *b = packed + (p * groups + g0) * NR * 4;
            int32_t *cp = c + p * NR;
            long i = 0;
            for (; i + 4 <= m; i += 4) tile4(gc, a + i * ldq, ldq, b, cp + i * ldc, ldc, add);
            switch (m - i) {
            case 3: tile3(gc, a + i * ldq, ldq, b, cp + i * ldc, ldc, add); break;
            case 2: tile2(gc, a + i * ldq, ldq, b, cp + i * ldc, ldc, add); break;
            case 1: tile1(gc, a + i * ldq, ldq, b, cp + i * ldc, ldc, add); break;
            default: break;
            }
        }
    }
}

static inline __attribute__((always_inline)) AVX2 float max8(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

static inline __attribute__((always_inline)) AVX2 int32_t sum8(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

// y = x · smooth for inputs kk ..< kk + 8 (all below k).
static inline __attribute__((always_inline)) AVX2 __m256 smoothed8(const float *row, const float *smooth, long kk) {
    const __m256 v = _mm256_loadu_ps(row + kk);
    return smooth ? _mm256_mul_ps(v, _mm256_loadu_ps(smooth + kk)) : v;
}

static inline __attribute__((always_inline)) AVX2 __m256 abs8(__m256 v) {
    return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
}

// round(y · inverse) clamped to ±127 for 8 inputs: stored as 8 bytes at out, returned as int32.
static inline __attribute__((always_inline)) AVX2 __m256i quantize8(__m256 y, __m256 inverse, int8_t *out) {
    __m256i v = _mm256_cvtps_epi32(_mm256_mul_ps(y, inverse));  // rounds to nearest even, as nearbyintf
    v = _mm256_max_epi32(_mm256_set1_epi32(-127), _mm256_min_epi32(_mm256_set1_epi32(127), v));
    const __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(v, v), _mm256_setzero_si256());
    const __m256i ordered = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm_storel_epi64((__m128i *)out, _mm256_castsi256_si128(ordered));
    return v;
}

// The largest |y| of a row: exact in any order.
static inline __attribute__((always_inline)) AVX2 float largest(const float *row, const float *smooth, long k) {
    __m256 top = _mm256_setzero_ps();
    long kk = 0;
    for (; kk + 8 <= k; kk += 8) top = _mm256_max_ps(top, abs8(smoothed8(row, smooth, kk)));
    float most = max8(top);
    for (; kk < k; kk++) most = fmaxf(most, fabsf(smooth ? row[kk] * smooth[kk] : row[kk]));
    return most;
}

// The same bytes, scales and sums as the portable reference: x·(127/max) is one rounded product
// either way (no fused multiply-add: the target has none).
AVX2 void smally_s8_quantize_rows_avx2(long m, long k, const float *x, long ldx, const float *smooth, int8_t *q,
                                       long ldq, float *scales, int32_t *sums) {
    const long depth = smally_s8_depth(k);
    for (long i = 0; i < m; i++) {
        const float *row = x + i * ldx;
        int8_t *out = q + i * ldq;
        const float most = largest(row, smooth, k);
        scales[i] = most / 127.0f;
        const float inverse = most > 0.0f ? 127.0f / most : 0.0f;
        const __m256 inverse8 = _mm256_set1_ps(inverse);
        __m256i sum = _mm256_setzero_si256();
        long kk = 0;
        for (; kk + 8 <= k; kk += 8) sum = _mm256_add_epi32(sum, quantize8(smoothed8(row, smooth, kk), inverse8, out + kk));
        int32_t total = sum8(sum);
        for (; kk < k; kk++) {
            out[kk] = s8_quantize_one(smooth ? row[kk] * smooth[kk] : row[kk], inverse);
            total += out[kk];
        }
        for (; kk < depth; kk++) out[kk] = 0;
        sums[i] = total;
    }
}

// How many of y[0 ..< k] exceed clip in magnitude.
static inline __attribute__((always_inline)) AVX2 long count_above(const float *y, long k, float clip) {
    const __m256 bound = _mm256_set1_ps(clip);
    long above = 0, kk = 0;
    for (; kk + 8 <= k; kk += 8)
        above += __builtin_popcount((unsigned)_mm256_movemask_ps(_mm256_cmp_ps(abs8(_mm256_loadu_ps(y + kk)), bound, _CMP_GT_OQ)));
    for (; kk < k; kk++) above += fabsf(y[kk]) > clip;
    return above;
}

// The same bytes and lists as the portable reference: the reference's clip (s8_clip), what clamping
// left out as y − scale·q, a product then a difference, as in the reference.
AVX2 void smally_s8_quantize_rows_outliers_avx2(long m, long k, const float *x, long ldx, const float *smooth,
                                                long count, int8_t *q, long ldq, float *scales, int32_t *sums,
                                                int32_t *index, float *value) {
    if (smooth && k > SMALLY_S8_ROW_BUFFER) {
        smally_s8_quantize_rows_outliers_portable(m, k, x, ldx, smooth, count, q, ldq, scales, sums, index, value);
        return;
    }
    const long depth = smally_s8_depth(k);
    float smoothed[SMALLY_S8_ROW_BUFFER] __attribute__((aligned(32)));
    for (long i = 0; i < m; i++) {
        const float *y = s8_smoothed_row(x + i * ldx, smooth, k, smoothed);
        int8_t *out = q + i * ldq;
        int32_t *idx = index + i * count;
        float *val = value + i * count;
        const float top = s8_clip(y, k, count, largest(y, NULL, k), count_above);
        const float scale = top / 127.0f;
        scales[i] = scale;
        const float inverse = top > 0.0f ? 127.0f / top : 0.0f;
        const __m256 inverse8 = _mm256_set1_ps(inverse), boundary = _mm256_set1_ps(top);
        __m256i sum = _mm256_setzero_si256();
        long listed = 0, kk = 0;
        for (; kk + 8 <= k; kk += 8) {
            const __m256 v = _mm256_loadu_ps(y + kk);
            sum = _mm256_add_epi32(sum, quantize8(v, inverse8, out + kk));
            unsigned outliers = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(abs8(v), boundary, _CMP_GT_OQ));
            while (outliers) {  // rare: at most `count` per row
                const long at = kk + __builtin_ctz(outliers);
                idx[listed] = (int32_t)at;
                val[listed] = y[at] - scale * (float)out[at];
                listed++;
                outliers &= outliers - 1;
            }
        }
        sums[i] = s8_outlier_row_end(y, kk, k, depth, top, inverse, out, sum8(sum), idx, val, listed, count);
    }
}

// acc · (row scale · column scale), + out when accumulating: the reference's operations in its order.
AVX2 void smally_s8_dequantize_avx2(long m, long n, const int32_t *acc, long ldacc, const float *row_scales,
                                    const float *col_scales, float *out, long ldo, int accumulate) {
    for (long i = 0; i < m; i++) {
        const float s = row_scales[i];
        const __m256 s8 = _mm256_set1_ps(s);
        const int32_t *a = acc + i * ldacc;
        float *o = out + i * ldo;
        long j = 0;
        for (; j + 8 <= n; j += 8) {
            const __m256 scale = _mm256_mul_ps(s8, _mm256_loadu_ps(col_scales + j));
            __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_loadu_si256((const __m256i *)(a + j))), scale);
            if (accumulate) v = _mm256_add_ps(_mm256_loadu_ps(o + j), v);
            _mm256_storeu_ps(o + j, v);
        }
        for (; j < n; j++) {
            const float v = (float)a[j] * (s * col_scales[j]);
            o[j] = accumulate ? o[j] + v : v;
        }
    }
}

// The outliers' fp32 part (smally_s8_add_outliers) for the AVX2 and AVX-VNNI paths: a panel's 16
// columns as two ymm of 8, four panels at a time, each outlier's byte made w·2^24 by `vpshufb`
// (s8_outlier in int8_gemm_internal.h), fused multiply-adds in the reference's order.
#define AVX2FMA __attribute__((target("avx2,fma")))
#define SMALLY_S8_OUTLIER_PANELS(P)                                                                \
    static inline __attribute__((always_inline)) AVX2FMA void outlier_panels##P(                 \
        long live, const s8_outlier *list, const int8_t *panel, long stride, const float *cs, float *o) { \
        __m256 acc[2 * P];                                                                         \
        for (int q = 0; q < 2 * P; q++) acc[q] = _mm256_setzero_ps();                              \
        for (long l = 0; l < live; l++) {                                                          \
            const int8_t *g = panel + list[l].offset;                                              \
            const __m256 v = _mm256_set1_ps(list[l].value);                                        \
            const __m256i select = _mm256_load_si256((const __m256i *)s8_select[list[l].input]);   \
            for (int q = 0; q < 2 * P; q++)                                                        \
                acc[q] = _mm256_fmadd_ps(v, _mm256_cvtepi32_ps(_mm256_shuffle_epi8(               \
                    _mm256_loadu_si256((const __m256i *)(g + (q / 2) * stride + 32 * (q % 2))), select)), acc[q]); \
        }                                                                                          \
        for (int q = 0; q < 2 * P; q++)                                                            \
            _mm256_storeu_ps(o + 8 * q, _mm256_fmadd_ps(acc[q], _mm256_loadu_ps(cs + 8 * q), _mm256_loadu_ps(o + 8 * q))); \
    }

SMALLY_S8_OUTLIER_PANELS(4) SMALLY_S8_OUTLIER_PANELS(1)

AVX2FMA void smally_s8_add_outliers_avx2(long m, long n, long k, long count, const int32_t *index, const float *value,
                                         const int8_t *packed, const float *col_scales, float *out, long ldo) {
    const long groups = smally_s8_depth(k) / 4, stride = groups * NR * 4, panels = n / NR;
    s8_outlier list[SMALLY_S8_MAX_OUTLIERS];
    for (long i = 0; i < m; i++) {
        const int32_t *idx = index + i * count;
        const float *val = value + i * count;
        const long live = s8_outlier_list(count, idx, val, list);
        if (live < 0) {
            // A value the scaling would round: the portable reference for this row.
            smally_s8_add_outliers_portable(1, n, k, count, idx, val, packed, col_scales, out + i * ldo, ldo);
            continue;
        }
        long p = 0;
        for (; p + 4 <= panels; p += 4)
            outlier_panels4(live, list, packed + p * stride, stride, col_scales + p * NR, out + i * ldo + p * NR);
        for (; p < panels; p++)
            outlier_panels1(live, list, packed + p * stride, stride, col_scales + p * NR, out + i * ldo + p * NR);
    }
}
#endif
