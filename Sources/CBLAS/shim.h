// The two BLIS entry points the engine uses. BLIS (Debian `libblis-dev`, OpenMP build) is linked
// rather than OpenBLAS because it is much faster for the few-row products of single short texts
// (PERFORMANCE.md). Its own blis.h needs GCC's omp.h, which Swift's clang does not see, so the
// standard CBLAS prototype is declared here; Debian's BLIS uses 32-bit BLAS integers
// (BLIS_BLAS_INT_TYPE_SIZE 32) and a 64-bit `dim_t`.
#ifndef SMALLY_CBLAS_SHIM_H
#define SMALLY_CBLAS_SHIM_H

enum CBLAS_ORDER { CblasRowMajor = 101, CblasColMajor = 102 };
enum CBLAS_TRANSPOSE { CblasNoTrans = 111, CblasTrans = 112, CblasConjTrans = 113 };

void cblas_sgemm(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE transA, enum CBLAS_TRANSPOSE transB,
                 int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                 float beta, float *c, int ldc);

/// Threads BLIS may use inside the next operations.
void bli_thread_set_num_threads(long threads);

#endif
