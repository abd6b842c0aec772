// AVX-VNNI int8 kernel (VEX `vpdpbusd` on ymm): the AVX-512 VNNI kernel's scheme at half the
// width, for client cores without AVX-512. A tile is R rows × 16 columns (one panel, two ymm of 8
// int32 per row). Compiled for its target by function attributes only.
#include "int8_gemm_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVXVNNI __attribute__((target("avx2,avxvnni")))

#define SMALLY_S8_TILE(R)                                                                          \
    static inline __attribute__((always_inline)) AVXVNNI void tile##R(                           \
        long gc, const int8_t *a, long lda, const int32_t *sums, const int8_t *b, int32_t *c, long ldc, int add) { \
        __m256i lo[R], hi[R];                                                                      \
        for (int r = 0; r < R; r++) {                                                              \
            lo[r] = add ? _mm256_loadu_si256((const __m256i *)(c + r * ldc)) : _mm256_set1_epi32(-128 * sums[r]); \
            hi[r] = add ? _mm256_loadu_si256((const __m256i *)(c + r * ldc + 8)) : _mm256_set1_epi32(-128 * sums[r]); \
        }                                                                                          \
        const __m256i flip = _mm256_set1_epi8((char)0x80);                                         \
        for (long g = 0; g < gc; g++) {                                                            \
            __m256i p0 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(b + g * 64)), flip); \
            __m256i p1 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(b + g * 64 + 32)), flip); \
            for (int r = 0; r < R; r++) {                                                          \
                __m256i x = _mm256_set1_epi32(load4(a + r * lda + 4 * g));                         \
                lo[r] = _mm256_dpbusd_avx_epi32(lo[r], p0, x);                                     \
                hi[r] = _mm256_dpbusd_avx_epi32(hi[r], p1, x);                                     \
            }                                                                                      \
        }                                                                                          \
        for (int r = 0; r < R; r++) {                                                              \
            _mm256_storeu_si256((__m256i *)(c + r * ldc), lo[r]);                                  \
            _mm256_storeu_si256((__m256i *)(c + r * ldc + 8), hi[r]);                              \
        }                                                                                          \
    }

SMALLY_S8_TILE(6) SMALLY_S8_TILE(4) SMALLY_S8_TILE(2) SMALLY_S8_TILE(1)

AVXVNNI void smally_s8_gemm_avxvnni(long m, long n, long k, const int8_t *q, long ldq, const int32_t *sums,
                                    const int8_t *packed, int32_t *c, long ldc) {
    const long panels = n / NR, groups = smally_s8_depth(k) / 4;
    for (long g0 = 0; g0 < groups; g0 += GC) {
        const long gc = groups - g0 < GC ? groups - g0 : GC;
        const int add = g0 > 0;
        const int8_t *a = q + 4 * g0;
        for (long p = 0; p < panels; p++) {
            const int8_t *b = packed + (p * groups + g0) * NR * 4;
            int32_t *cp = c + p * NR;
            long i = 0;
            for (; i + 6 <= m; i += 6) tile6(gc, a + i * ldq, ldq, sums + i, b, cp + i * ldc, ldc, add);
            for (; i + 4 <= m; i += 4) tile4(gc, a + i * ldq, ldq, sums + i, b, cp + i * ldc, ldc, add);
            for (; i + 2 <= m; i += 2) tile2(gc, a + i * ldq, ldq, sums + i, b, cp + i * ldc, ldc, add);
            for (; i < m; i += 1) tile1(gc, a + i * ldq, ldq, sums + i, b, cp + i * ldc, ldc, add);
        }
    }
}
#endif
