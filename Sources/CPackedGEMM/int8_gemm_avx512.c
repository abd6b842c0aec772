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

// R rows × 32 columns (panels b0 and b1), `gc` groups from `a`; `start` gives each row's initial
// accumulator when `add` is 0.
#define SMALLY_S8_TILE2(R)                                                                         \
    static inline __attribute__((always_inline)) VNNI void wide##R(                              \
        long gc, const int8_t *a, long lda, const int32_t *sums, const int8_t *b0, const int8_t *b1, \
        int32_t *c, long ldc, int add) {                                                           \
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
        for (int r = 0; r < R; r++) {                                                              \
            _mm512_storeu_si512(c + r * ldc, lo[r]);                                               \
            _mm512_storeu_si512(c + r * ldc + NR, hi[r]);                                          \
        }                                                                                          \
    }

// R rows × 16 columns (one panel).
#define SMALLY_S8_TILE1(R)                                                                         \
    static inline __attribute__((always_inline)) VNNI void narrow##R(                            \
        long gc, const int8_t *a, long lda, const int32_t *sums, const int8_t *b, int32_t *c, long ldc, int add) { \
        __m512i acc[R];                                                                            \
        for (int r = 0; r < R; r++)                                                                \
            acc[r] = add ? _mm512_loadu_si512(c + r * ldc) : _mm512_set1_epi32(-128 * sums[r]);    \
        const __m512i flip = _mm512_set1_epi8((char)0x80);                                         \
        for (long g = 0; g < gc; g++) {                                                            \
            __m512i p = _mm512_xor_si512(_mm512_loadu_si512(b + g * 64), flip);                   \
            for (int r = 0; r < R; r++)                                                            \
                acc[r] = _mm512_dpbusd_epi32(acc[r], p, _mm512_set1_epi32(load4(a + r * lda + 4 * g))); \
        }                                                                                          \
        for (int r = 0; r < R; r++) _mm512_storeu_si512(c + r * ldc, acc[r]);                      \
    }

SMALLY_S8_TILE2(12) SMALLY_S8_TILE2(11) SMALLY_S8_TILE2(10) SMALLY_S8_TILE2(9) SMALLY_S8_TILE2(8)
SMALLY_S8_TILE2(7) SMALLY_S8_TILE2(6) SMALLY_S8_TILE2(5) SMALLY_S8_TILE2(4) SMALLY_S8_TILE2(3)
SMALLY_S8_TILE2(2) SMALLY_S8_TILE2(1)
SMALLY_S8_TILE1(8) SMALLY_S8_TILE1(4) SMALLY_S8_TILE1(2) SMALLY_S8_TILE1(1)

static inline __attribute__((always_inline)) VNNI void wide_rest(long rows, long gc, const int8_t *a, long lda,
                                                                 const int32_t *s, const int8_t *b0,
                                                                 const int8_t *b1, int32_t *c, long ldc, int add) {
    switch (rows) {
    case 11: wide11(gc, a, lda, s, b0, b1, c, ldc, add); break;
    case 10: wide10(gc, a, lda, s, b0, b1, c, ldc, add); break;
    case 9: wide9(gc, a, lda, s, b0, b1, c, ldc, add); break;
    case 8: wide8(gc, a, lda, s, b0, b1, c, ldc, add); break;
    case 7: wide7(gc, a, lda, s, b0, b1, c, ldc, add); break;
    case 6: wide6(gc, a, lda, s, b0, b1, c, ldc, add); break;
    case 5: wide5(gc, a, lda, s, b0, b1, c, ldc, add); break;
    case 4: wide4(gc, a, lda, s, b0, b1, c, ldc, add); break;
    case 3: wide3(gc, a, lda, s, b0, b1, c, ldc, add); break;
    case 2: wide2(gc, a, lda, s, b0, b1, c, ldc, add); break;
    case 1: wide1(gc, a, lda, s, b0, b1, c, ldc, add); break;
    default: break;
    }
}

VNNI void smally_s8_gemm_avx512vnni(long m, long n, long k, const int8_t *q, long ldq, const int32_t *sums,
                                    const int8_t *packed, int32_t *c, long ldc) {
    const long panels = n / NR, groups = smally_s8_depth(k) / 4;
    for (long g0 = 0; g0 < groups; g0 += GC) {
        const long gc = groups - g0 < GC ? groups - g0 : GC;
        const int add = g0 > 0;
        const int8_t *a = q + 4 * g0;
        long p = 0;
        for (; p + 2 <= panels; p += 2) {
            const int8_t *b0 = packed + (p * groups + g0) * NR * 4;
            const int8_t *b1 = b0 + groups * NR * 4;
            int32_t *cp = c + p * NR;
            long i = 0;
            for (; i + 12 <= m; i += 12) wide12(gc, a + i * ldq, ldq, sums + i, b0, b1, cp + i * ldc, ldc, add);
            if (i < m) wide_rest(m - i, gc, a + i * ldq, ldq, sums + i, b0, b1, cp + i * ldc, ldc, add);
        }
        if (p < panels) {  // the odd last panel
            const int8_t *b = packed + (p * groups + g0) * NR * 4;
            int32_t *cp = c + p * NR;
            long i = 0;
            for (; i + 8 <= m; i += 8) narrow8(gc, a + i * ldq, ldq, sums + i, b, cp + i * ldc, ldc, add);
            for (; i + 4 <= m; i += 4) narrow4(gc, a + i * ldq, ldq, sums + i, b, cp + i * ldc, ldc, add);
            for (; i + 2 <= m; i += 2) narrow2(gc, a + i * ldq, ldq, sums + i, b, cp + i * ldc, ldc, add);
            for (; i < m; i += 1) narrow1(gc, a + i * ldq, ldq, sums + i, b, cp + i * ldc, ldc, add);
        }
    }
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
// |x · smooth| for inputs kk ..< kk + 16 of a row (zero past k); *mask: the lanes before k.
static inline __attribute__((always_inline)) VNNI __m512 magnitudes16(const float *row, const float *smooth, long k,
                                                                      long kk, __mmask16 *mask) {
    *mask = k - kk >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (k - kk)) - 1);
    __m512 v = _mm512_maskz_loadu_ps(*mask, row + kk);
    if (smooth) v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(*mask, smooth + kk));
    return _mm512_abs_ps(v);
}

// The same bytes and lists as the portable reference: the largest |y| is exact in any order, the
// clips are exact products of it, and what clamping left out is y − scale·q, a product then a
// difference (never fused), as in the reference.
VNNI void smally_s8_quantize_rows_outliers_avx512(long m, long k, const float *x, long ldx, const float *smooth,
                                                  long count, int8_t *q, long ldq, float *scales, int32_t *sums,
                                                  int32_t *index, float *value) {
#pragma STDC FP_CONTRACT OFF
    const long depth = smally_s8_depth(k);
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (long i = 0; i < m; i++) {
        const float *row = x + i * ldx;
        int8_t *out = q + i * ldq;
        // The largest |y|, then the clip.
        float most;
        {
            __m512 largest = _mm512_setzero_ps();
            for (long kk = 0; kk < k; kk += 16) {
                __mmask16 mask;
                largest = _mm512_max_ps(largest, magnitudes16(row, smooth, k, kk, &mask));
            }
            most = _mm512_reduce_max_ps(largest);
        }
        // The lowest clip with at most count values above it, by bisection (the counts fall as the
        // clips rise): three or four counting passes of one comparison each.
        int low = 0, high = SMALLY_S8_CLIPS;  // clip SMALLY_S8_CLIPS: the largest itself, always fits
        while (low < high) {
            const int middle = (low + high) / 2;
            const __m512 clip = _mm512_set1_ps(most * s8_clips[middle]);
            long above = 0;
            for (long kk = 0; kk < k; kk += 16) {
                __mmask16 mask;
                const __m512 v = magnitudes16(row, smooth, k, kk, &mask);
                above += __builtin_popcount(_mm512_mask_cmp_ps_mask(mask, v, clip, _CMP_GT_OQ));
            }
            if (above <= count) high = middle;
            else low = middle + 1;
        }
        const float top = low < SMALLY_S8_CLIPS ? most * s8_clips[low] : most;
        const float scale = top / 127.0f;
        scales[i] = scale;
        const __m512 inverse = _mm512_set1_ps(top > 0.0f ? 127.0f / top : 0.0f);
        const __m512 boundary = _mm512_set1_ps(top), step = _mm512_set1_ps(scale);
        __m512i sum = _mm512_setzero_si512();
        long listed = 0;
        for (long kk = 0; kk < depth; kk += 16) {
            __m512 y;
            __mmask16 load;
            const __m512i v = quantize16(row, smooth, k, depth, kk, inverse, out, &y, &load);
            sum = _mm512_add_epi32(sum, v);
            const __mmask16 outliers = _mm512_mask_cmp_ps_mask(load, _mm512_abs_ps(y), boundary, _CMP_GT_OQ);
            if (outliers) {
                const __m512 kept = _mm512_mul_ps(step, _mm512_cvtepi32_ps(v));
                _mm512_mask_compressstoreu_ps(value + i * count + listed, outliers, _mm512_sub_ps(y, kept));
                _mm512_mask_compressstoreu_epi32(index + i * count + listed, outliers,
                                                 _mm512_add_epi32(lanes, _mm512_set1_epi32((int)kk)));
                listed += __builtin_popcount(outliers);
            }
        }
        for (; listed < count; listed++) {
            index[i * count + listed] = 0;
            value[i * count + listed] = 0.0f;
        }
        sums[i] = _mm512_reduce_add_epi32(sum);
    }
}

// 16 columns (one panel) per zmm: each outlier's 4-byte group of the panel is one 64-byte load, its
// byte (input kk % 4) of every column sign-extended by two shifts.
VNNI void smally_s8_add_outliers_avx512(long m, long n, long k, long count, const int32_t *index, const float *value,
                                        const int8_t *packed, const float *col_scales, float *out, long ldo) {
    const long groups = smally_s8_depth(k) / 4, stride = groups * NR * 4, panels = n / NR;
    for (long i = 0; i < m; i++) {
        const int32_t *idx = index + i * count;
        const float *val = value + i * count;
        long p = 0;
        // Four panels at a time: four independent chains of fused multiply-adds.
        for (; p + 4 <= panels; p += 4) {
            const int8_t *panel = packed + p * stride;
            __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            for (long o = 0; o < count; o++) {
                if (val[o] == 0.0f) continue;  // padding
                const long kk = idx[o];
                const int8_t *g = panel + (kk / 4) * NR * 4;
                const __m512i shift = _mm512_set1_epi32((int)(24 - 8 * (kk % 4)));
                const __m512 v = _mm512_set1_ps(val[o]);
#define SMALLY_S8_OUTLIER_COLUMNS(q) _mm512_cvtepi32_ps(_mm512_srai_epi32(_mm512_sllv_epi32(_mm512_loadu_si512(g + (q) * stride), shift), 24))
                a0 = _mm512_fmadd_ps(v, SMALLY_S8_OUTLIER_COLUMNS(0), a0);
                a1 = _mm512_fmadd_ps(v, SMALLY_S8_OUTLIER_COLUMNS(1), a1);
                a2 = _mm512_fmadd_ps(v, SMALLY_S8_OUTLIER_COLUMNS(2), a2);
                a3 = _mm512_fmadd_ps(v, SMALLY_S8_OUTLIER_COLUMNS(3), a3);
            }
            float *o = out + i * ldo + p * NR;
            const float *cs = col_scales + p * NR;
            _mm512_storeu_ps(o, _mm512_fmadd_ps(a0, _mm512_loadu_ps(cs), _mm512_loadu_ps(o)));
            _mm512_storeu_ps(o + 16, _mm512_fmadd_ps(a1, _mm512_loadu_ps(cs + 16), _mm512_loadu_ps(o + 16)));
            _mm512_storeu_ps(o + 32, _mm512_fmadd_ps(a2, _mm512_loadu_ps(cs + 32), _mm512_loadu_ps(o + 32)));
            _mm512_storeu_ps(o + 48, _mm512_fmadd_ps(a3, _mm512_loadu_ps(cs + 48), _mm512_loadu_ps(o + 48)));
        }
        for (; p < panels; p++) {
            const int8_t *panel = packed + p * stride;
            __m512 acc = _mm512_setzero_ps();
            for (long o = 0; o < count; o++) {
                if (val[o] == 0.0f) continue;  // padding
                const long kk = idx[o];
                const int8_t *g = panel + (kk / 4) * NR * 4;
                const __m512i shift = _mm512_set1_epi32((int)(24 - 8 * (kk % 4)));
                acc = _mm512_fmadd_ps(_mm512_set1_ps(val[o]), SMALLY_S8_OUTLIER_COLUMNS(0), acc);
            }
#undef SMALLY_S8_OUTLIER_COLUMNS
            float *o = out + i * ldo + p * NR;
            _mm512_storeu_ps(o, _mm512_fmadd_ps(acc, _mm512_loadu_ps(col_scales + p * NR), _mm512_loadu_ps(o)));
        }
    }
}
#endif
