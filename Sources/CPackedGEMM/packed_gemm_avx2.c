// AVX2 + FMA kernel. It keeps a 6 × 16 tile of C in twelve AVX registers and, for every k,
// broadcasts six values of A against two registers of the packed panel: 12 FMAs per 8 loads, which
// keeps both FMA units of a Zen 3 / Haswell core busy. Compiled for AVX2+FMA by its function
// attributes only, so the rest of the binary runs on CPUs without them.
#include "packed_gemm.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define NR SMALLY_PACKED_PANEL
// k per pass over a panel: a 16 × 384 panel (24 KiB) stays in a 32 KiB L1 while every row tile
// of A streams past it.
#define KC 384
#define AVX2 __attribute__((target("avx2,fma")))

// One tile of R (1...6) rows × 16 columns over kc values of k. `prefetch`, when not null, is the
// same k range of the next panel: pulled into L1 one cache line per k while this one computes, so
// that a small batch, which uses each panel only briefly, does not wait on memory.
#define SMALLY_TILE(R)                                                                             \
    static inline __attribute__((always_inline)) AVX2 void tile##R(                              \
        long kc, const float *a, long lda, const float *b, float *c, long ldc, int accumulate,     \
        const float *prefetch) {                                                                   \
        __m256 lo[R], hi[R];                                                                       \
        for (int r = 0; r < R; r++) {                                                              \
            if (accumulate) {                                                                      \
                lo[r] = _mm256_loadu_ps(c + r * ldc);                                              \
                hi[r] = _mm256_loadu_ps(c + r * ldc + 8);                                          \
            } else {                                                                               \
                lo[r] = _mm256_setzero_ps();                                                       \
                hi[r] = _mm256_setzero_ps();                                                       \
            }                                                                                      \
        }                                                                                          \
        for (long k = 0; k < kc; k++) {                                                            \
            __m256 b0 = _mm256_load_ps(b + k * NR);                                                \
            __m256 b1 = _mm256_load_ps(b + k * NR + 8);                                            \
            if (prefetch) _mm_prefetch((const char *)(prefetch + k * NR), _MM_HINT_T0);            \
            for (int r = 0; r < R; r++) {                                                          \
                __m256 x = _mm256_broadcast_ss(a + r * lda + k);                                   \
                lo[r] = _mm256_fmadd_ps(x, b0, lo[r]);                                             \
                hi[r] = _mm256_fmadd_ps(x, b1, hi[r]);                                             \
            }                                                                                      \
        }                                                                                          \
        for (int r = 0; r < R; r++) {                                                              \
            _mm256_storeu_ps(c + r * ldc, lo[r]);                                                  \
            _mm256_storeu_ps(c + r * ldc + 8, hi[r]);                                              \
        }                                                                                          \
    }

SMALLY_TILE(6)
SMALLY_TILE(5)
SMALLY_TILE(4)
SMALLY_TILE(3)
SMALLY_TILE(2)
SMALLY_TILE(1)

AVX2 void smally_gemm_avx2(long m, long n, long k, const float *a, long lda, const float *packed,
                           float *c, long ldc, int accumulate) {
    const long panels = n / NR;
    for (long k0 = 0; k0 < k; k0 += KC) {
        const long kc = k - k0 < KC ? k - k0 : KC;
        // Later k blocks add to what the earlier ones wrote.
        const int add = accumulate || k0 > 0;
        for (long p = 0; p < panels; p++) {
            const float *b = packed + (p * k + k0) * NR;
            const float *next = p + 1 < panels ? b + k * NR : 0;
            float *cp = c + p * NR;
            long i = 0;
            for (; i + 6 <= m; i += 6) {
                tile6(kc, a + i * lda + k0, lda, b, cp + i * ldc, ldc, add, i == 0 ? next : 0);
            }
            const float *ai = a + i * lda + k0;
            float *ci = cp + i * ldc;
            const float *pf = i == 0 ? next : 0;
            switch (m - i) {
            case 5: tile5(kc, ai, lda, b, ci, ldc, add, pf); break;
            case 4: tile4(kc, ai, lda, b, ci, ldc, add, pf); break;
            case 3: tile3(kc, ai, lda, b, ci, ldc, add, pf); break;
            case 2: tile2(kc, ai, lda, b, ci, ldc, add, pf); break;
            case 1: tile1(kc, ai, lda, b, ci, ldc, add, pf); break;
            default: break;
            }
        }
    }
}
#endif
