// AVX-512 VNNI int8 kernel, row quantization and dequantization. A tile is R rows × 32 columns (two
// packed panels, one zmm of 16 int32 per row and panel); each group of 4 inputs is one 64-byte load
// per panel and, per row, one 4-byte broadcast and two `vpdpbusd` (64 multiply-adds each): 4× the
// work per instruction of the fp32 tile. `vpdpbusd` multiplies unsigned by signed bytes, so the
// weights (in [-127, 127]) get +128 (xor 0x80) at load and the accumulators start at −128·(row sum of
// the activations), which gives the exact signed product. Compiled for its target by function
// attributes only.
#include "int8_gemm_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>

#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

// Where the last block of inputs sends its products when the dequantization is fused: rows from
// `row` (its scale, its output row) and columns from `column`, as smally_s8_dequantize would.
typedef struct {
    const float *row_scales, *col_scales;
    float *out;
    long ldo;
    int accumulate;
} s8_output;

// out = acc · (row scale · column scale) (+ out): the reference's operations in its order.
static inline __attribute__((always_inline)) VNNI void s8_output_store(const s8_output *d, int r, int j, __m512i acc) {
    const __m512 scale = _mm512_mul_ps(_mm512_set1_ps(d->row_scales[r]), _mm512_loadu_ps(d->col_scales + j));
    __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale);
    float *o = d->out + r * d->ldo + j;
    if (d->accumulate) v = _mm512_add_ps(_mm512_loadu_ps(o), v);
    _mm512_storeu_ps(o, v);
}

// R rows × 32 columns (panels b0 and b1), `gc` groups from `a`; `start` gives each row's initial
// accumulator when `add` is 0; with `d` the products are dequantized instead of stored.
#define SMALLY_S8_TILE2(R)                                                                         \
    static inline __attribute__((always_inline)) VNNI void wide##R(                              \
        long gc, const int8_t *a, long lda, const int32_t *sums, const int8_t *b0, const int8_t *b1, \
        int32_t *c, long ldc, int add, const s8_output *d) {                                       \
        __m512i lo[R], hi[R];                                                                      \
        for (int r = 0; r < R; r++) {                                                              \
            lo[r] = add ? _mm512_loadu_si512(c + r * ldc) : _mm512_set1_epi32(-128 * sums[r]);     \
            hi[r] = add ? _mm512_loadu_si512(c + r * ldc + NR) : _mm512_set1_epi32(-128 * sums[r]); \
        }                                                                                          \
        const __m512i flip = _mm512_set1_epi8((char)0x80);                                         \
        for (long g = 0; g < gc; g++) {                                                            \
            __m512i p0 = _mm512_xor_si512(_mm512_loadu_si512(b0 + g * 64), flip);                 \
            __m512i p1 = _mm512_xor_si512(_mm512_loadu_si512(b1 + g * 64), flip);                 \
            for (int r = 0; r < R; r++) {                                                          \
                __m512i x = _mm512_set1_epi32(load4(a + r * lda + 4 * g));                         \
                lo[r] = _mm512_dpbusd_epi32(lo[r], p0, x);                                         \
                hi[r] = _mm512_dpbusd_epi32(hi[r], p1, x);                                         \
            }                                                                                      \
        }                                                                                          \
        if (d) {                                                                                   \
            for (int r = 0; r < R; r++) {                                                          \
                s8_output_store(d, r, 0, lo[r]);                                                   \
                s8_output_store(d, r, NR, hi[r]);                                                  \
            }                                                                                      \
        } else {                                                                                   \
            for (int r = 0; r < R; r++) {                                                          \
                _mm512_storeu_si512(c + r * ldc, lo[r]);                                           \
                _mm512_storeu_si512(c + r * ldc + NR, hi[r]);                                      \
            }                                                                                      \
        }                                                                                          \
    }

// R rows × 16 columns (one panel).
#define SMALLY_S8_TILE1(R)                                                                         \
    static inline __attribute__((always_inline)) VNNI void narrow##R(                            \
        long gc, const int8_t *a, long lda, const int32_t *sums, const int8_t *b, int32_t *c, long ldc, int add, \
        const s8_output *d) {                                                                      \
        __m512i acc[R];                                                                            \
        for (int r = 0; r < R; r++)                                                                \
            acc[r] = add ? _mm512_loadu_si512(c + r * ldc) : _mm512_set1_epi32(-128 * sums[r]);    \
        const __m512i flip = _mm512_set1_epi8((char)0x80);                                         \
        for (long g = 0; g < gc; g++) {                                                            \
            __m512i p = _mm512_xor_si512(_mm512_loadu_si512(b + g * 64), flip);                   \
            for (int r = 0; r < R; r++)                                                            \
                acc[r] = _mm512_dpbusd_epi32(acc[r], p, _mm512_set1_epi32(load4(a + r * lda + 4 * g))); \
        }                                                                                          \
        for (int r = 0; r < R; r++) {                                                              \
            if (d) s8_output_store(d, r, 0, acc[r]);                                               \
            else _mm512_storeu_si512(c + r * ldc, acc[r]);                                         \
        }                                                                                          \
    }

SMALLY_S8_TILE2(12) SMALLY_S8_TILE2(11) SMALLY_S8_TILE2(10) SMALLY_S8_TILE2(9) SMALLY_S8_TILE2(8)
SMALLY_S8_TILE2(7) SMALLY_S8_TILE2(6) SMALLY_S8_TILE2(5) SMALLY_S8_TILE2(4) SMALLY_S8_TILE2(3)
SMALLY_S8_TILE2(2) SMALLY_S8_TILE2(1)
SMALLY_S8_TILE1(8) SMALLY_S8_TILE1(4) SMALLY_S8_TILE1(2) SMALLY_S8_TILE1(1)

static inline __attribute__((always_inline)) VNNI void wide_rest(long rows, long gc, const int8_t *a, long lda,
                                                                 const int32_t *s, const int8_t *b0,
                                                                 const int8_t *b1, int32_t *c, long ldc, int add,
                                                                 const s8_output *d) {
    switch (rows) {
    case 11: wide11(gc, a, lda, s, b0, b1, c, ldc, add, d); break;
    case 10: wide10(gc, a, lda, s, b0, b1, c, ldc, add, d); break;
    case 9: wide9(gc, a, lda, s, b0, b1, c, ldc, add, d); break;
    case 8: wide8(gc, a, lda, s, b0, b1, c, ldc, add, d); break;
    case 7: wide7(gc, a, lda, s, b0, b1, c, ldc, add, d); break;
    case 6: wide6(gc, a, lda, s, b0, b1, c, ldc, add, d); break;
    case 5: wide5(gc, a, lda, s, b0, b1, c, ldc, add, d); break;
    case 4: wide4(gc, a, lda, s, b0, b1, c, ldc, add, d); break;
    case 3: wide3(gc, a, lda, s, b0, b1, c, ldc, add, d); break;
    case 2: wide2(gc, a, lda, s, b0, b1, c, ldc, add, d); break;
    case 1: wide1(gc, a, lda, s, b0, b1, c, ldc, add, d); break;
    default: break;
    }
}

// The product, and with `dequantize` the dequantization fused into the last block of inputs.
static inline __attribute__((always_inline)) VNNI void s8_gemm(long m, long n, long k, const int8_t *q, long ldq,
                                                               const int32_t *sums, const int8_t *packed, int32_t *c,
                                                               long ldc, const s8_output *dequantize) {
    const long panels = n / NR, groups = smally_s8_depth(k) / 4;
    for (long g0 = 0; g0 < groups; g0 += GC) {
        const long gc = groups - g0 < GC ? groups - g0 : GC;
        const int add = g0 > 0, last = g0 + GC >= groups;
        const int8_t *a = q + 4 * g0;
        // The output of rows i ..< and columns from p·NR: the fused dequantization's view of it.
#define S8_OUTPUT(i, p)                                                                            \
    (last && dequantize ? &(s8_output){dequantize->row_scales + (i), dequantize->col_scales + (p) * NR,            \
                                       dequantize->out + (i) * dequantize->ldo + (p) * NR, dequantize->ldo, \
                                       dequantize->accumulate}                                     \
                        : NULL)
        long p = 0;
        for (; p + 2 <= panels; p += 2) {
            const int8_t *b0 = packed + (p * groups + g0) * NR * 4;
            const int8_t *b1 = b0 + groups * NR * 4;
            int32_t *cp = c + p * NR;
            long i = 0;
            for (; i + 12 <= m; i += 12)
                wide12(gc, a + i * ldq, ldq, sums + i, b0, b1, cp + i * ldc, ldc, add, S8_OUTPUT(i, p));
            if (i < m) wide_rest(m - i, gc, a + i * ldq, ldq, sums + i, b0, b1, cp + i * ldc, ldc, add, S8_OUTPUT(i, p));
        }
        if (p < panels) {  // the odd last panel
            const int8_t *b = packed + (p * groups + g0) * NR * 4;
            int32_t *cp = c + p * NR;
            long i = 0;
            for (; i + 8 <= m; i += 8) narrow8(gc, a + i * ldq, ldq, sums + i, b, cp + i * ldc, ldc, add, S8_OUTPUT(i, p));
            for (; i + 4 <= m; i += 4) narrow4(gc, a + i * ldq, ldq, sums + i, b, cp + i * ldc, ldc, add, S8_OUTPUT(i, p));
            for (; i + 2 <= m; i += 2) narrow2(gc, a + i * ldq, ldq, sums + i, b, cp + i * ldc, ldc, add, S8_OUTPUT(i, p));
            for (; i < m; i += 1) narrow1(gc, a + i * ldq, ldq, sums + i, b, cp + i * ldc, ldc, add, S8_OUTPUT(i, p));
        }
#undef S8_OUTPUT
    }
}

VNNI void smally_s8_gemm_avx512vnni(long m, long n, long k, const int8_t *q, long ldq, const int32_t *sums,
                                    const int8_t *packed, int32_t *c, long ldc) {
    s8_gemm(m, n, k, q, ldq, sums, packed, c, ldc, NULL);
}

VNNI void smally_s8_gemm_dequantize_avx512vnni(long m, long n, long k, const int8_t *q, long ldq, const int32_t *sums,
                                               const int8_t *packed, int32_t *c, long ldc, const float *row_scales,
                                               const float *col_scales, float *out, long ldo, int accumulate) {
    const s8_output d = {row_scales, col_scales, out, ldo, accumulate};
    s8_gemm(m, n, k, q, ldq, sums, packed, c, ldc, &d);
}

// Inputs kk ..< kk + 16 of a row: y = x · smooth (zero past k) into *y, its bytes round(y · inverse)
// clamped to ±127 stored (zero past k, nothing past depth); returns them as int32.
static inline __attribute__((always_inline)) VNNI __m512i quantize16(const float *row, const float *smooth, long k,
                                                                     long depth, long kk, __m512 inverse, int8_t *out,
                                                                     __m512 *y, __mmask16 *load) {
    const long left = depth - kk, valid = k - kk;
    const __mmask16 store = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
    *load = valid >= 16 ? (__mmask16)0xFFFF : valid <= 0 ? 0 : (__mmask16)((1u << valid) - 1);
    *y = _mm512_maskz_loadu_ps(*load, row + kk);
    if (smooth) *y = _mm512_mul_ps(*y, _mm512_maskz_loadu_ps(*load, smooth + kk));
    __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(*y, inverse));
    v = _mm512_max_epi32(_mm512_set1_epi32(-127), _mm512_min_epi32(_mm512_set1_epi32(127), v));
    _mm_mask_storeu_epi8(out + kk, store, _mm512_cvtsepi32_epi8(v));
    return v;
}

// The same bytes as the portable reference: the maximum is exact in any order, x·(127/max) is one
// rounded product, and vcvtps2dq rounds to nearest even like nearbyintf.
VNNI void smally_s8_quantize_rows_avx512(long m, long k, const float *x, long ldx, const float *smooth, int8_t *q,
                                         long ldq, float *scales, int32_t *sums) {
    const long depth = smally_s8_depth(k);
    for (long i = 0; i < m; i++) {
        const float *row = x + i * ldx;
        int8_t *out = q + i * ldq;
        __m512 top = _mm512_setzero_ps();
        for (long kk = 0; kk < k; kk += 16) {
            const __mmask16 mask = k - kk >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (k - kk)) - 1);
            __m512 v = _mm512_maskz_loadu_ps(mask, row + kk);
            if (smooth) v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(mask, smooth + kk));
            top = _mm512_max_ps(top, _mm512_abs_ps(v));
        }
        const float most = _mm512_reduce_max_ps(top);
        scales[i] = most / 127.0f;
        const __m512 inverse = _mm512_set1_ps(most > 0.0f ? 127.0f / most : 0.0f);
        __m512i sum = _mm512_setzero_si512();
        for (long kk = 0; kk < depth; kk += 16) {
            __m512 y;
            __mmask16 load;
            sum = _mm512_add_epi32(sum, quantize16(row, smooth, k, depth, kk, inverse, out, &y, &load));
        }
        sums[i] = _mm512_reduce_add_epi32(sum);
    }
}

VNNI void smally_s8_dequantize_avx512(long m, long n, const int32_t *acc, long ldacc, const float *row_scales,
                                      const float *col_scales, float *out, long ldo, int accumulate) {
    for (long i = 0; i < m; i++) {
        const __m512 s = _mm512_set1_ps(row_scales[i]);
        const int32_t *a = acc + i * ldacc;
        float *o = out + i * ldo;
        for (long j = 0; j < n; j += 16) {
            const __mmask16 mask = n - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - j)) - 1);
            const __m512 scale = _mm512_mul_ps(s, _mm512_maskz_loadu_ps(mask, col_scales + j));
            __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_maskz_loadu_epi32(mask, a + j)), scale);
            if (accumulate) v = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, o + j), v);
            _mm512_mask_storeu_ps(o + j, mask, v);
        }
    }
}
// How many of y[0 ..< k] exceed clip in magnitude: one comparison and one masked add per 16.
static inline __attribute__((always_inline)) VNNI long s8_count_above(const float *y, long k, float clip) {
    const __m512 bound = _mm512_set1_ps(clip);
    const __m512i one = _mm512_set1_epi32(1);
    __m512i c0 = _mm512_setzero_si512(), c1 = c0;
    long kk = 0;
    for (; kk + 32 <= k; kk += 32) {
        c0 = _mm512_mask_add_epi32(c0, _mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_loadu_ps(y + kk)), bound, _CMP_GT_OQ), c0, one);
        c1 = _mm512_mask_add_epi32(c1, _mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_loadu_ps(y + kk + 16)), bound, _CMP_GT_OQ), c1, one);
    }
    for (; kk < k; kk += 16) {
        const __mmask16 mask = k - kk >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (k - kk)) - 1);
        c0 = _mm512_mask_add_epi32(c0, _mm512_mask_cmp_ps_mask(mask, _mm512_abs_ps(_mm512_maskz_loadu_ps(mask, y + kk)), bound, _CMP_GT_OQ), c0, one);
    }
    return _mm512_reduce_add_epi32(_mm512_add_epi32(c0, c1));
}

// The same bytes and lists as the portable reference: the largest |y| is exact in any order, the
// clips are exact products of it, and what clamping left out is y − scale·q, a product then a
// difference (never fused), as in the reference. y = x · smooth is formed once per row into a
// buffer the counting and quantizing passes read (rows wider than it take the reference).
VNNI void smally_s8_quantize_rows_outliers_avx512(long m, long k, const float *x, long ldx, const float *smooth,
                                                  long count, int8_t *q, long ldq, float *scales, int32_t *sums,
                                                  int32_t *index, float *value) {
#pragma STDC FP_CONTRACT OFF
    if (smooth && k > SMALLY_S8_ROW_BUFFER) {
        smally_s8_quantize_rows_outliers_portable(m, k, x, ldx, smooth, count, q, ldq, scales, sums, index, value);
        return;
    }
    const long depth = smally_s8_depth(k);
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    float smoothed[SMALLY_S8_ROW_BUFFER] __attribute__((aligned(64)));
    // A row's lists, with room for a whole vector past the last (at most count + 15 are written).
    int32_t inputs[SMALLY_S8_MAX_OUTLIERS + 16];
    float values[SMALLY_S8_MAX_OUTLIERS + 16];
    for (long i = 0; i < m; i++) {
        const float *y = x + i * ldx;
        int8_t *out = q + i * ldq;
        // y and its largest magnitude.
        __m512 l0 = _mm512_setzero_ps(), l1 = l0;
        long kk = 0;
        if (smooth) {
            for (; kk + 16 <= k; kk += 16) {
                const __m512 v = _mm512_mul_ps(_mm512_loadu_ps(y + kk), _mm512_loadu_ps(smooth + kk));
                _mm512_store_ps(smoothed + kk, v);
                l0 = _mm512_max_ps(l0, _mm512_abs_ps(v));
            }
            if (kk < k) {
                const __mmask16 mask = (__mmask16)((1u << (k - kk)) - 1);
                const __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, y + kk), _mm512_maskz_loadu_ps(mask, smooth + kk));
                _mm512_mask_storeu_ps(smoothed + kk, mask, v);
                l1 = _mm512_abs_ps(v);
            }
            y = smoothed;
        } else {
            for (; kk + 32 <= k; kk += 32) {
                l0 = _mm512_max_ps(l0, _mm512_abs_ps(_mm512_loadu_ps(y + kk)));
                l1 = _mm512_max_ps(l1, _mm512_abs_ps(_mm512_loadu_ps(y + kk + 16)));
            }
            for (; kk < k; kk += 16) {
                const __mmask16 mask = k - kk >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (k - kk)) - 1);
                l0 = _mm512_max_ps(l0, _mm512_abs_ps(_mm512_maskz_loadu_ps(mask, y + kk)));
            }
        }
        const float most = _mm512_reduce_max_ps(_mm512_max_ps(l0, l1));
        const float top = s8_clip(y, k, count, most, s8_count_above);
        const float scale = top / 127.0f;
        scales[i] = scale;
        const __m512 inverse = _mm512_set1_ps(top > 0.0f ? 127.0f / top : 0.0f);
        const __m512 boundary = _mm512_set1_ps(top), step = _mm512_set1_ps(scale);
        const __m512i high127 = _mm512_set1_epi32(127), low127 = _mm512_set1_epi32(-127);
        __m512i sum = _mm512_setzero_si512();
        long listed = 0;
        kk = 0;
        for (; kk < depth; kk += 16) {
            __m512 v;
            __m512i c;
            if (kk + 16 <= k) {
                v = _mm512_loadu_ps(y + kk);
                c = _mm512_cvtps_epi32(_mm512_mul_ps(v, inverse));
                c = _mm512_max_epi32(low127, _mm512_min_epi32(high127, c));
                _mm_storeu_si128((__m128i *)(out + kk), _mm512_cvtsepi32_epi8(c));
            } else {
                __mmask16 load;
                c = quantize16(y, NULL, k, depth, kk, inverse, out, &v, &load);
            }
            sum = _mm512_add_epi32(sum, c);
            // Every vector lists its outliers, none or some, without a branch (where they fall is
            // unpredictable), compressed in a register and stored whole (a compressing store is microcoded).
            const __mmask16 outliers = _mm512_cmp_ps_mask(_mm512_abs_ps(v), boundary, _CMP_GT_OQ);
            const __m512 kept = _mm512_mul_ps(step, _mm512_cvtepi32_ps(c));
            _mm512_storeu_ps(values + listed, _mm512_maskz_compress_ps(outliers, _mm512_sub_ps(v, kept)));
            _mm512_storeu_si512(inputs + listed, _mm512_maskz_compress_epi32(
                outliers, _mm512_add_epi32(lanes, _mm512_set1_epi32((int)kk))));
            listed += __builtin_popcount(outliers);
        }
        for (; listed < count; listed++) {
            inputs[listed] = 0;
            values[listed] = 0.0f;
        }
        memcpy(index + i * count, inputs, (size_t)count * sizeof(int32_t));
        memcpy(value + i * count, values, (size_t)count * sizeof(float));
        sums[i] = _mm512_reduce_add_epi32(sum);
    }
}

// The outliers' fp32 part: each outlier's 4-byte group of a panel is one 64-byte load, `vpshufb`
// (port 5) makes each column's int32 w·2^24 (s8_outlier in int8_gemm_internal.h), converted exactly
// (port 0); two shifts would put three operations on port 0.
#define SMALLY_S8_OUTLIER_PANELS(P)                                                                \
    static inline __attribute__((always_inline)) VNNI void outlier_panels##P(                    \
        long live, const s8_outlier *list, const int8_t *panel, long stride, const float *cs, float *o) { \
        __m512 acc[P];                                                                             \
        for (int q = 0; q < P; q++) acc[q] = _mm512_setzero_ps();                                  \
        for (long l = 0; l < live; l++) {                                                          \
            const int8_t *g = panel + list[l].offset;                                              \
            const __m512 v = _mm512_set1_ps(list[l].value);                                        \
            const __m512i select = _mm512_load_si512(s8_select[list[l].input]);                   \
            for (int q = 0; q < P; q++)                                                            \
                acc[q] = _mm512_fmadd_ps(v, _mm512_cvtepi32_ps(_mm512_shuffle_epi8(               \
                    _mm512_loadu_si512(g + q * stride), select)), acc[q]);                         \
        }                                                                                          \
        for (int q = 0; q < P; q++)                                                                \
            _mm512_storeu_ps(o + 16 * q, _mm512_fmadd_ps(acc[q], _mm512_loadu_ps(cs + 16 * q), _mm512_loadu_ps(o + 16 * q))); \
    }

SMALLY_S8_OUTLIER_PANELS(8) SMALLY_S8_OUTLIER_PANELS(4) SMALLY_S8_OUTLIER_PANELS(1)

// 16 columns (one panel) per zmm, eight panels at a time: eight independent chains of fused
// multiply-adds per outlier, each in the reference's list order.
VNNI void smally_s8_add_outliers_avx512(long m, long n, long k, long count, const int32_t *index, const float *value,
                                        const int8_t *packed, const float *col_scales, float *out, long ldo) {
    const long groups = smally_s8_depth(k) / 4, stride = groups * NR * 4, panels = n / NR;
    // Blocks of rows, each row's list built once, then eight panels at a time across the block's rows:
    // the weight lines of the block's outlier inputs in those panels are reused from L1 while the
    // rows of the block (often the same few inputs: BERT's outlier dimensions) go by.
    enum { BLOCK = 16 };
    s8_outlier lists[BLOCK][SMALLY_S8_MAX_OUTLIERS];
    long live[BLOCK];
    for (long i0 = 0; i0 < m; i0 += BLOCK) {
        const long rows = m - i0 < BLOCK ? m - i0 : BLOCK;
        for (long r = 0; r < rows; r++) {
            const long i = i0 + r;
            live[r] = s8_outlier_list(count, index + i * count, value + i * count, lists[r]);
            if (live[r] < 0)  // a value the scaling would round: the portable reference for this row
                smally_s8_add_outliers_portable(1, n, k, count, index + i * count, value + i * count, packed,
                                                col_scales, out + i * ldo, ldo);
        }
        long p = 0;
        for (; p + 8 <= panels; p += 8)
            for (long r = 0; r < rows; r++)
                if (live[r] >= 0)
                    outlier_panels8(live[r], lists[r], packed + p * stride, stride, col_scales + p * NR,
                                    out + (i0 + r) * ldo + p * NR);
        for (; p + 4 <= panels; p += 4)
            for (long r = 0; r < rows; r++)
                if (live[r] >= 0)
                    outlier_panels4(live[r], lists[r], packed + p * stride, stride, col_scales + p * NR,
                                    out + (i0 + r) * ldo + p * NR);
        for (; p < panels; p++)
            for (long r = 0; r < rows; r++)
                if (live[r] >= 0)
                    outlier_panels1(live[r], lists[r], packed + p * stride, stride, col_scales + p * NR,
                                    out + (i0 + r) * ldo + p * NR);
    }
}
#endif
