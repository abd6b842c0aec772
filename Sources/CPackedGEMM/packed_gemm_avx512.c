// AVX-512F kernel. A tile is R rows × 32 columns: two adjacent packed panels (16 columns each, one
// zmm register per row and panel), so each k step broadcasts R values of A against two 64-byte
// panel loads: 2R FMAs per R + 2 loads, twice the work per instruction of the AVX2 tile. R = 12
// uses 24 of the 32 zmm registers for C. An odd last panel runs a 16-column tile. Compiled for
// AVX-512F by its function attributes only.
#include "packed_gemm.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define NR SMALLY_PACKED_PANEL
#define KC 384
#define AVX512 __attribute__((target("avx512f")))

// R rows × 32 columns (panels b0 and b1 = b0 + k·16).
#define SMALLY_TILE2(R)                                                                            \
    static inline __attribute__((always_inline)) AVX512 void wide##R(                            \
        long kc, const float *a, long lda, const float *b0, const float *b1, float *c, long ldc,  \
        int accumulate) {                                                                          \
        __m512 lo[R], hi[R];                                                                       \
        for (int r = 0; r < R; r++) {                                                              \
            lo[r] = accumulate ? _mm512_loadu_ps(c + r * ldc) : _mm512_setzero_ps();               \
            hi[r] = accumulate ? _mm512_loadu_ps(c + r * ldc + NR) : _mm512_setzero_ps();          \
        }                                                                                          \
        for (long k = 0; k < kc; k++) {                                                            \
            __m512 p0 = _mm512_load_ps(b0 + k * NR);                                               \
            __m512 p1 = _mm512_load_ps(b1 + k * NR);                                               \
            for (int r = 0; r < R; r++) {                                                          \
                __m512 x = _mm512_set1_ps(a[r * lda + k]);                                         \
                lo[r] = _mm512_fmadd_ps(x, p0, lo[r]);                                             \
                hi[r] = _mm512_fmadd_ps(x, p1, hi[r]);                                             \
            }                                                                                      \
        }                                                                                          \
        for (int r = 0; r < R; r++) {                                                              \
            _mm512_storeu_ps(c + r * ldc, lo[r]);                                                  \
            _mm512_storeu_ps(c + r * ldc + NR, hi[r]);                                             \
        }                                                                                          \
    }

// R rows × 16 columns (one panel).
#define SMALLY_TILE1(R)                                                                            \
    static inline __attribute__((always_inline)) AVX512 void narrow##R(                          \
        long kc, const float *a, long lda, const float *b, float *c, long ldc, int accumulate) {   \
        __m512 acc[R];                                                                             \
        for (int r = 0; r < R; r++) acc[r] = accumulate ? _mm512_loadu_ps(c + r * ldc) : _mm512_setzero_ps(); \
        for (long k = 0; k < kc; k++) {                                                            \
            __m512 p = _mm512_load_ps(b + k * NR);                                                 \
            for (int r = 0; r < R; r++) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(a[r * lda + k]), p, acc[r]); \
        }                                                                                          \
        for (int r = 0; r < R; r++) _mm512_storeu_ps(c + r * ldc, acc[r]);                         \
    }

SMALLY_TILE2(12) SMALLY_TILE2(11) SMALLY_TILE2(10) SMALLY_TILE2(9) SMALLY_TILE2(8) SMALLY_TILE2(7)
SMALLY_TILE2(6) SMALLY_TILE2(5) SMALLY_TILE2(4) SMALLY_TILE2(3) SMALLY_TILE2(2) SMALLY_TILE2(1)
SMALLY_TILE1(12) SMALLY_TILE1(8) SMALLY_TILE1(4) SMALLY_TILE1(2) SMALLY_TILE1(1)

static inline __attribute__((always_inline)) AVX512 void wide_rest(long rows, long kc, const float *a, long lda,
                                                                   const float *b0, const float *b1, float *c,
                                                                   long ldc, int add) {
    switch (rows) {
    case 11: wide11(kc, a, lda, b0, b1, c, ldc, add); break;
    case 10: wide10(kc, a, lda, b0, b1, c, ldc, add); break;
    case 9: wide9(kc, a, lda, b0, b1, c, ldc, add); break;
    case 8: wide8(kc, a, lda, b0, b1, c, ldc, add); break;
    case 7: wide7(kc, a, lda, b0, b1, c, ldc, add); break;
    case 6: wide6(kc, a, lda, b0, b1, c, ldc, add); break;
    case 5: wide5(kc, a, lda, b0, b1, c, ldc, add); break;
    case 4: wide4(kc, a, lda, b0, b1, c, ldc, add); break;
    case 3: wide3(kc, a, lda, b0, b1, c, ldc, add); break;
    case 2: wide2(kc, a, lda, b0, b1, c, ldc, add); break;
    case 1: wide1(kc, a, lda, b0, b1, c, ldc, add); break;
    default: break;
    }
}

AVX512 void smally_gemm_avx512(long m, long n, long k, const float *a, long lda, const float *packed,
                               float *c, long ldc, int accumulate) {
    const long panels = n / NR;
    for (long k0 = 0; k0 < k; k0 += KC) {
        const long kc = k - k0 < KC ? k - k0 : KC;
        const int add = accumulate || k0 > 0;
        long p = 0;
        for (; p + 2 <= panels; p += 2) {
            const float *b0 = packed + (p * k + k0) * NR;
            const float *b1 = b0 + k * NR;
            float *cp = c + p * NR;
            long i = 0;
            for (; i + 12 <= m; i += 12) wide12(kc, a + i * lda + k0, lda, b0, b1, cp + i * ldc, ldc, add);
            if (i < m) wide_rest(m - i, kc, a + i * lda + k0, lda, b0, b1, cp + i * ldc, ldc, add);
        }
        if (p < panels) {  // the odd last panel
            const float *b = packed + (p * k + k0) * NR;
            float *cp = c + p * NR;
            long i = 0;
            for (; i + 12 <= m; i += 12) narrow12(kc, a + i * lda + k0, lda, b, cp + i * ldc, ldc, add);
            for (; i + 8 <= m; i += 8) narrow8(kc, a + i * lda + k0, lda, b, cp + i * ldc, ldc, add);
            for (; i + 4 <= m; i += 4) narrow4(kc, a + i * lda + k0, lda, b, cp + i * ldc, ldc, add);
            for (; i + 2 <= m; i += 2) narrow2(kc, a + i * lda + k0, lda, b, cp + i * ldc, ldc, add);
            for (; i < m; i += 1) narrow1(kc, a + i * lda + k0, lda, b, cp + i * ldc, ldc, add);
        }
    }
}
#endif
