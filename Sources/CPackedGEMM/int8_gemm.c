// int8 products: weight packing, the choice of kernel, and the portable reference (row
// quantization, integer product, dequantization). The vector kernels live in one file per
// instruction set.
#include "int8_gemm_internal.h"
#include "panel_layout.h"

#include <math.h>
#include <stdlib.h>
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif

void smally_s8_pack_weights(const float *w, long n, long k, int8_t *packed, float *scales) {
    // Quantized rows (zero past k), then the fp32 packing's panel loop with a group of 4 as the unit.
    const long depth = smally_s8_depth(k);
    int8_t *rows = malloc((size_t)(n * depth));
    for (long j = 0; j < n; j++) {
        const float *row = w + j * k;
        float top = 0.0f;
        for (long kk = 0; kk < k; kk++) top = fmaxf(top, fabsf(row[kk]));
        scales[j] = top / 127.0f;
        const float inverse = top > 0.0f ? 127.0f / top : 0.0f;
        for (long kk = 0; kk < depth; kk++) rows[j * depth + kk] = kk < k ? s8_quantize_one(row[kk], inverse) : 0;
    }
    smally_pack_panels(rows, n, depth / 4, 4, packed);
    free(rows);
}

void smally_s8_quantize_rows_portable(long m, long k, const float *x, long ldx, const float *smooth, int8_t *q,
                                      long ldq, float *scales, int32_t *sums) {
    const long depth = smally_s8_depth(k);
    for (long i = 0; i < m; i++) {
        const float *row = x + i * ldx;
        int8_t *out = q + i * ldq;
        float top = 0.0f;
        for (long kk = 0; kk < k; kk++) top = fmaxf(top, fabsf(smooth ? row[kk] * smooth[kk] : row[kk]));
        scales[i] = top / 127.0f;
        const float inverse = top > 0.0f ? 127.0f / top : 0.0f;
        int32_t sum = 0;
        for (long kk = 0; kk < k; kk++) {
            out[kk] = s8_quantize_one(smooth ? row[kk] * smooth[kk] : row[kk], inverse);
            sum += out[kk];
        }
        for (long kk = k; kk < depth; kk++) out[kk] = 0;
        sums[i] = sum;
    }
}

// The clip of a row: the lowest of max|y| · s8_clips that at most `count` values exceed, else max|y|.
static float outlier_clip(long k, const float *row, const float *smooth, long count) {
    float most = 0.0f;
    for (long kk = 0; kk < k; kk++) most = fmaxf(most, fabsf(smooth ? row[kk] * smooth[kk] : row[kk]));
    for (int j = 0; j < SMALLY_S8_CLIPS; j++) {
        const float clip = most * s8_clips[j];
        long above = 0;
        for (long kk = 0; kk < k; kk++) above += fabsf(smooth ? row[kk] * smooth[kk] : row[kk]) > clip;
        if (above <= count) return clip;
    }
    return most;
}

void smally_s8_quantize_rows_outliers_portable(long m, long k, const float *x, long ldx, const float *smooth,
                                               long count, int8_t *q, long ldq, float *scales, int32_t *sums,
                                               int32_t *index, float *value) {
#pragma STDC FP_CONTRACT OFF
    const long depth = smally_s8_depth(k);
    for (long i = 0; i < m; i++) {
        const float *row = x + i * ldx;
        int8_t *out = q + i * ldq;
        const float top = outlier_clip(k, row, smooth, count);
        const float scale = top / 127.0f;
        scales[i] = scale;
        const float inverse = top > 0.0f ? 127.0f / top : 0.0f;
        int32_t sum = 0;
        long o = 0;
        for (long kk = 0; kk < k; kk++) {
            const float y = smooth ? row[kk] * smooth[kk] : row[kk];
            out[kk] = s8_quantize_one(y, inverse);
            sum += out[kk];
            if (fabsf(y) > top) {
                const float kept = scale * (float)out[kk];
                index[i * count + o] = (int32_t)kk;
                value[i * count + o] = y - kept;
                o++;
            }
        }
        for (; o < count; o++) {
            index[i * count + o] = 0;
            value[i * count + o] = 0.0f;
        }
        for (long kk = k; kk < depth; kk++) out[kk] = 0;
        sums[i] = sum;
    }
}

void smally_s8_add_outliers_portable(long m, long n, long k, long count, const int32_t *index, const float *value,
                                     const int8_t *packed, const float *col_scales, float *out, long ldo) {
    const long groups = smally_s8_depth(k) / 4;
    for (long i = 0; i < m; i++) {
        for (long j = 0; j < n; j++) {
            const int8_t *panel = packed + (j / NR) * groups * NR * 4 + (j % NR) * 4;
            float acc = 0.0f;
            for (long o = 0; o < count; o++) {
                const long kk = index[i * count + o];
                if (value[i * count + o] == 0.0f) continue;  // padding
                acc = fmaf(value[i * count + o], (float)panel[(kk / 4) * NR * 4 + kk % 4], acc);
            }
            out[i * ldo + j] = fmaf(acc, col_scales[j], out[i * ldo + j]);
        }
    }
}

void smally_s8_quantization_error(long m, long k, const float *x, long ldx, const float *smooth, const int8_t *q,
                                  long ldq, const float *scales, float *out, long ldo) {
    for (long i = 0; i < m; i++) {
        const float *row = x + i * ldx;
        for (long kk = 0; kk < k; kk++)
            out[i * ldo + kk] = (smooth ? row[kk] * smooth[kk] : row[kk]) - scales[i] * (float)q[i * ldq + kk];
    }
}

void smally_s8_gemm_portable(long m, long n, long k, const int8_t *q, long ldq, const int32_t *sums,
                             const int8_t *packed, int32_t *c, long ldc) {
    (void)sums;
    const long groups = smally_s8_depth(k) / 4;
    for (long p = 0; p < n / NR; p++) {
        const int8_t *b = packed + p * groups * NR * 4;
        for (long i = 0; i < m; i++) {
            int32_t acc[NR] = {0};
            const int8_t *a = q + i * ldq;
            for (long g = 0; g < groups; g++) {
                const int8_t *bg = b + g * NR * 4;
                for (int j = 0; j < NR; j++)
                    for (int e = 0; e < 4; e++) acc[j] += (int32_t)a[4 * g + e] * (int32_t)bg[4 * j + e];
            }
            for (int j = 0; j < NR; j++) c[i * ldc + p * NR + j] = acc[j];
        }
    }
}

void smally_s8_dequantize_portable(long m, long n, const int32_t *acc, long ldacc, const float *row_scales,
                                   const float *col_scales, float *out, long ldo, int accumulate) {
    for (long i = 0; i < m; i++) {
        const float s = row_scales[i];
        for (long j = 0; j < n; j++) {
            const float v = (float)acc[i * ldacc + j] * (s * col_scales[j]);
            out[i * ldo + j] = accumulate ? out[i * ldo + j] + v : v;
        }
    }
}

int smally_s8_available(int kernel) {
    switch (kernel) {
    case SMALLY_S8_PORTABLE:
        return 1;
#if defined(__x86_64__)
    case SMALLY_S8_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2");
    case SMALLY_S8_AVX512VNNI:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512vnni");
    case SMALLY_S8_AVXVNNI:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avxvnni");
#endif
#if defined(__aarch64__)
    case SMALLY_S8_NEON_DOT:
#if defined(__linux__)
        return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#elif defined(__APPLE__)
        return 1;
#else
        return 0;
#endif
#endif
    default:
        return 0;
    }
}

int smally_s8_for(int packed_kernel) {
    switch (packed_kernel) {
    case SMALLY_KERNEL_AVX512:
        if (smally_s8_available(SMALLY_S8_AVX512VNNI)) return SMALLY_S8_AVX512VNNI;
        // fall through: AVX-512F without VNNI (Skylake-SP) uses the 256-bit kernels.
    case SMALLY_KERNEL_AVX2:
        if (smally_s8_available(SMALLY_S8_AVXVNNI)) return SMALLY_S8_AVXVNNI;
        if (smally_s8_available(SMALLY_S8_AVX2)) return SMALLY_S8_AVX2;
        return SMALLY_S8_PORTABLE;
    case SMALLY_KERNEL_NEON:
        return smally_s8_available(SMALLY_S8_NEON_DOT) ? SMALLY_S8_NEON_DOT : SMALLY_S8_PORTABLE;
    default:
        return SMALLY_S8_PORTABLE;
    }
}

void smally_s8_quantize_rows(int kernel, long m, long k, const float *x, long ldx, const float *smooth, int8_t *q,
                             long ldq, float *scales, int32_t *sums) {
#if defined(__x86_64__)
    if (kernel == SMALLY_S8_AVX512VNNI) {
        smally_s8_quantize_rows_avx512(m, k, x, ldx, smooth, q, ldq, scales, sums);
        return;
    }
    if (kernel == SMALLY_S8_AVXVNNI || kernel == SMALLY_S8_AVX2) {
        smally_s8_quantize_rows_avx2(m, k, x, ldx, smooth, q, ldq, scales, sums);
        return;
    }
#endif
    (void)kernel;
    smally_s8_quantize_rows_portable(m, k, x, ldx, smooth, q, ldq, scales, sums);
}

void smally_s8_gemm(int kernel, long m, long n, long k, const int8_t *q, long ldq, const int32_t *sums,
                    const int8_t *packed, int32_t *c, long ldc) {
    switch (kernel) {
#if defined(__x86_64__)
    case SMALLY_S8_AVX512VNNI: smally_s8_gemm_avx512vnni(m, n, k, q, ldq, sums, packed, c, ldc); return;
    case SMALLY_S8_AVXVNNI: smally_s8_gemm_avxvnni(m, n, k, q, ldq, sums, packed, c, ldc); return;
    case SMALLY_S8_AVX2: smally_s8_gemm_avx2(m, n, k, q, ldq, sums, packed, c, ldc); return;
#endif
#if defined(__aarch64__)
    case SMALLY_S8_NEON_DOT: smally_s8_gemm_neon_dot(m, n, k, q, ldq, sums, packed, c, ldc); return;
#endif
    default: smally_s8_gemm_portable(m, n, k, q, ldq, sums, packed, c, ldc); return;
    }
}

void smally_s8_dequantize(int kernel, long m, long n, const int32_t *acc, long ldacc, const float *row_scales,
                          const float *col_scales, float *out, long ldo, int accumulate) {
#if defined(__x86_64__)
    if (kernel == SMALLY_S8_AVX512VNNI) {
        smally_s8_dequantize_avx512(m, n, acc, ldacc, row_scales, col_scales, out, ldo, accumulate);
        return;
    }
    if (kernel == SMALLY_S8_AVXVNNI || kernel == SMALLY_S8_AVX2) {
        smally_s8_dequantize_avx2(m, n, acc, ldacc, row_scales, col_scales, out, ldo, accumulate);
        return;
    }
#endif
#if defined(__aarch64__)
    if (kernel == SMALLY_S8_NEON_DOT) {
        smally_s8_dequantize_neon(m, n, acc, ldacc, row_scales, col_scales, out, ldo, accumulate);
        return;
    }
#endif
    (void)kernel;
    smally_s8_dequantize_portable(m, n, acc, ldacc, row_scales, col_scales, out, ldo, accumulate);
}

void smally_s8_gemm_dequantize(int kernel, long m, long n, long k, const int8_t *q, long ldq, const int32_t *sums,
                               const int8_t *packed, int32_t *c, long ldc, const float *row_scales,
                               const float *col_scales, float *out, long ldo, int accumulate) {
#if defined(__x86_64__)
    if (kernel == SMALLY_S8_AVX512VNNI) {
        smally_s8_gemm_dequantize_avx512vnni(m, n, k, q, ldq, sums, packed, c, ldc, row_scales, col_scales, out, ldo,
                                             accumulate);
        return;
    }
#endif
    smally_s8_gemm(kernel, m, n, k, q, ldq, sums, packed, c, ldc);
    smally_s8_dequantize(kernel, m, n, c, ldc, row_scales, col_scales, out, ldo, accumulate);
}

void smally_s8_quantize_rows_outliers(int kernel, long m, long k, const float *x, long ldx, const float *smooth,
                                      long count, int8_t *q, long ldq, float *scales, int32_t *sums, int32_t *index,
                                      float *value) {
#if defined(__x86_64__)
    if (kernel == SMALLY_S8_AVX512VNNI) {
        smally_s8_quantize_rows_outliers_avx512(m, k, x, ldx, smooth, count, q, ldq, scales, sums, index, value);
        return;
    }
    if (kernel == SMALLY_S8_AVXVNNI || kernel == SMALLY_S8_AVX2) {
        smally_s8_quantize_rows_outliers_avx2(m, k, x, ldx, smooth, count, q, ldq, scales, sums, index, value);
        return;
    }
#endif
#if defined(__aarch64__)
    if (kernel == SMALLY_S8_NEON_DOT) {
        smally_s8_quantize_rows_outliers_neon(m, k, x, ldx, smooth, count, q, ldq, scales, sums, index, value);
        return;
    }
#endif
    (void)kernel;
    smally_s8_quantize_rows_outliers_portable(m, k, x, ldx, smooth, count, q, ldq, scales, sums, index, value);
}

void smally_s8_add_outliers(int kernel, long m, long n, long k, long count, const int32_t *index, const float *value,
                            const int8_t *packed, const float *col_scales, float *out, long ldo) {
#if defined(__x86_64__)
    if (kernel == SMALLY_S8_AVX512VNNI) {
        smally_s8_add_outliers_avx512(m, n, k, count, index, value, packed, col_scales, out, ldo);
        return;
    }
    if (kernel == SMALLY_S8_AVXVNNI || kernel == SMALLY_S8_AVX2) {
        smally_s8_add_outliers_avx2(m, n, k, count, index, value, packed, col_scales, out, ldo);
        return;
    }
#endif
#if defined(__aarch64__)
    if (kernel == SMALLY_S8_NEON_DOT) {
        smally_s8_add_outliers_neon(m, n, k, count, index, value, packed, col_scales, out, ldo);
        return;
    }
#endif
    (void)kernel;
    smally_s8_add_outliers_portable(m, n, k, count, index, value, packed, col_scales, out, ldo);
}
