// The reference kernel: plain C, any CPU. Each element is summed over k in order, like the
// vector kernels (which fuse each multiply-add, so results differ from this one by rounding only).
#include "packed_gemm.h"

#define NR SMALLY_PACKED_PANEL

void smally_gemm_portable(long m, long n, long k, const float *a, long lda, const float *packed,
                          float *c, long ldc, int accumulate) {
    for (long p = 0; p < n / NR; p++) {
        const float *b = packed + p * k * NR;
        for (long i = 0; i < m; i++) {
            float acc[NR];
            for (int j = 0; j < NR; j++) acc[j] = accumulate ? c[i * ldc + p * NR + j] : 0.0f;
            const float *ai = a + i * lda;
            for (long kk = 0; kk < k; kk++) {
                const float x = ai[kk];
                const float *bk = b + kk * NR;
                for (int j = 0; j < NR; j++) acc[j] += x * bk[j];
            }
            for (int j = 0; j < NR; j++) c[i * ldc + p * NR + j] = acc[j];
        }
    }
}
