// int8 linear layers (SMALLY_PRECISION=int8): weights quantized once at load, symmetric, one scale
// per output column; activations quantized per row at run time, symmetric; products accumulated in
// int32, exactly, by every kernel, so all of them return the same integers as the portable
// reference (tests check equality, not a tolerance). Everything else of the pass stays fp32.
//
// Weights and activations are both in [-127, 127] (never -128): a product pair fits 16 bits
// (2·127·127 < 2^15), and the VNNI kernels can add 128 to the weights to make them the unsigned
// operand of `vpdpbusd`, subtracting 128·(row sum of the activations) afterwards.
#ifndef SMALLY_INT8_GEMM_H
#define SMALLY_INT8_GEMM_H

#include <stdint.h>
#include "packed_gemm.h"

/// The int8 kernels. Numbering is stable (the Swift side mirrors it).
enum {
    SMALLY_S8_PORTABLE = 0,
    /// AVX2: `vpmaddubsw` on |a| and w·sign(a) (never saturates), then `vpmaddwd` by ones.
    SMALLY_S8_AVX2 = 1,
    /// AVX-512 VNNI (`vpdpbusd` on zmm): Ice Lake server, Sapphire Rapids, Zen 4 and later.
    SMALLY_S8_AVX512VNNI = 2,
    /// ARMv8.2 dot product (`sdot`): Graviton 2+, Ampere Altra, Apple M1+.
    SMALLY_S8_NEON_DOT = 3,
    /// AVX-VNNI (`vpdpbusd` on ymm, VEX): Alder Lake and later client cores, Sapphire Rapids.
    SMALLY_S8_AVXVNNI = 4,
};

/// 1 when this build has the int8 kernel `kernel` and this CPU can run it.
int smally_s8_available(int kernel);

/// The int8 kernel that goes with the fp32 kernel `packed_kernel` (a SMALLY_KERNEL_* code): the
/// fastest of the same instruction-set family this CPU runs (portable → portable).
int smally_s8_for(int packed_kernel);

/// Inputs rounded up to a whole group of 4 (the unit of `vpdpbusd` and `sdot`).
static inline long smally_s8_depth(long k) { return (k + 3) / 4 * 4; }

/// Quantizes PyTorch-shaped weights `w[n][k]` (`n` a multiple of SMALLY_PACKED_PANEL): per output
/// column j, `scales[j] = max|w[j]| / 127` and `q = round(w / scale)`. `packed`
/// (n · smally_s8_depth(k) bytes) holds panel p, group g, column c, inputs 4g ..< 4g + 4 at
/// `((p·groups + g)·16 + c)·4`, zero past k.
void smally_s8_pack_weights(const float *w, long n, long k, int8_t *packed, float *scales);

/// Quantizes rows of `x` (`m` rows of `k`, leading dimension `ldx`), each value first multiplied by
/// its input's `smooth` factor when `smooth` is not NULL (`y = x · smooth`, the activation side of
/// per-input smoothing whose inverse is folded into the weights): `scales[i] = max|y[i]| / 127`,
/// `q[i] = round(y[i] / scales[i])` (leading dimension `ldq` ≥ smally_s8_depth(k), zero-padded),
/// `sums[i]` = the sum of q[i]. Every kernel gives the same bytes.
void smally_s8_quantize_rows(int kernel, long m, long k, const float *x, long ldx, const float *smooth, int8_t *q,
                             long ldq, float *scales, int32_t *sums);

/// What row quantization left out: `out[i] = x[i] · smooth − scales[i] · q[i]` (`smooth` as in
/// smally_s8_quantize_rows, NULL for none), to be quantized in turn (two-pass activations: about
/// 14 bits of precision for twice the int8 products).
void smally_s8_quantization_error(long m, long k, const float *x, long ldx, const float *smooth, const int8_t *q,
                                  long ldq, const float *scales, float *out, long ldo);

/// Most outliers a row may set aside (smally_s8_quantize_rows_outliers).
#define SMALLY_S8_MAX_OUTLIERS 64

/// Row quantization with per-row outliers (LLM.int8()-style, per token): like
/// smally_s8_quantize_rows, but each row is clipped at the lowest of max|y| · 2^(−j/2), j = 8 … 1,
/// that at most `count` values exceed (else at max|y|), and its scale is clip / 127, so a few large
/// values (which change from token to token, as GELU's do) no longer coarsen every other value's
/// step. Those values are clamped to ±127 in `q`, and what the clamping left out, `y − scales[i] · q`,
/// is listed per row: `index[i·count + o]` (input) and `value[i·count + o]`, in input order, padded
/// with index 0 / value 0. Every kernel gives the same bytes and lists.
/// 0 < `count` ≤ SMALLY_S8_MAX_OUTLIERS, `count` < `k`.
void smally_s8_quantize_rows_outliers(int kernel, long m, long k, const float *x, long ldx, const float *smooth,
                                      long count, int8_t *q, long ldq, float *scales, int32_t *sums, int32_t *index,
                                      float *value);

/// The outliers' part of the product, in fp32 against the int8 weights:
/// `out[i][j] += col_scales[j] · Σ_o value[i][o] · Wq[j][index[i][o]]` for `m` rows and the `n` columns
/// of `packed` (smally_s8_pack_weights' layout, `k` inputs), the sum taken in the order o = 0, 1, …
/// with fused multiply-adds, entries of value 0 (padding) skipped (every kernel gives the same floats).
void smally_s8_add_outliers(int kernel, long m, long n, long k, long count, const int32_t *index, const float *value,
                            const int8_t *packed, const float *col_scales, float *out, long ldo);

/// `C[m][n] = Q[m][k] · Wqᵀ` in int32, exactly, with `q`, `sums` from smally_s8_quantize_rows and
/// `packed` from smally_s8_pack_weights; `n` a multiple of SMALLY_PACKED_PANEL.
void smally_s8_gemm(int kernel, long m, long n, long k, const int8_t *q, long ldq, const int32_t *sums,
                    const int8_t *packed, int32_t *c, long ldc);

/// `out[i][j] = acc[i][j] · row_scales[i] · col_scales[j]` (`+ out[i][j]` when `accumulate`) for
/// `m` rows of `n`.
void smally_s8_dequantize(int kernel, long m, long n, const int32_t *acc, long ldacc, const float *row_scales,
                          const float *col_scales, float *out, long ldo, int accumulate);

/// smally_s8_gemm into `c` then smally_s8_dequantize of it into `out`, the same floats; where the
/// kernel can (AVX-512 VNNI), the last block of inputs is dequantized from registers and `c` keeps
/// only the earlier blocks' partial sums (scratch).
void smally_s8_gemm_dequantize(int kernel, long m, long n, long k, const int8_t *q, long ldq, const int32_t *sums,
                               const int8_t *packed, int32_t *c, long ldc, const float *row_scales,
                               const float *col_scales, float *out, long ldo, int accumulate);

// Per-ISA entry points (the dispatcher calls them).
void smally_s8_gemm_portable(long m, long n, long k, const int8_t *q, long ldq, const int32_t *sums,
                             const int8_t *packed, int32_t *c, long ldc);
void smally_s8_gemm_avx2(long m, long n, long k, const int8_t *q, long ldq, const int32_t *sums,
                         const int8_t *packed, int32_t *c, long ldc);
void smally_s8_gemm_avx512vnni(long m, long n, long k, const int8_t *q, long ldq, const int32_t *sums,
                               const int8_t *packed, int32_t *c, long ldc);
void smally_s8_gemm_dequantize_avx512vnni(long m, long n, long k, const int8_t *q, long ldq, const int32_t *sums,
                                          const int8_t *packed, int32_t *c, long ldc, const float *row_scales,
                                          const float *col_scales, float *out, long ldo, int accumulate);
void smally_s8_gemm_avxvnni(long m, long n, long k, const int8_t *q, long ldq, const int32_t *sums,
                            const int8_t *packed, int32_t *c, long ldc);
void smally_s8_gemm_neon_dot(long m, long n, long k, const int8_t *q, long ldq, const int32_t *sums,
                             const int8_t *packed, int32_t *c, long ldc);
void smally_s8_quantize_rows_portable(long m, long k, const float *x, long ldx, const float *smooth, int8_t *q,
                                      long ldq, float *scales, int32_t *sums);
void smally_s8_quantize_rows_avx512(long m, long k, const float *x, long ldx, const float *smooth, int8_t *q,
                                    long ldq, float *scales, int32_t *sums);
void smally_s8_quantize_rows_avx2(long m, long k, const float *x, long ldx, const float *smooth, int8_t *q,
                                  long ldq, float *scales, int32_t *sums);
void smally_s8_quantize_rows_outliers_portable(long m, long k, const float *x, long ldx, const float *smooth,
                                               long count, int8_t *q, long ldq, float *scales, int32_t *sums,
                                               int32_t *index, float *value);
void smally_s8_quantize_rows_outliers_avx512(long m, long k, const float *x, long ldx, const float *smooth,
                                             long count, int8_t *q, long ldq, float *scales, int32_t *sums,
                                             int32_t *index, float *value);
void smally_s8_quantize_rows_outliers_avx2(long m, long k, const float *x, long ldx, const float *smooth,
                                           long count, int8_t *q, long ldq, float *scales, int32_t *sums,
                                           int32_t *index, float *value);
void smally_s8_add_outliers_portable(long m, long n, long k, long count, const int32_t *index, const float *value,
                                     const int8_t *packed, const float *col_scales, float *out, long ldo);
void smally_s8_add_outliers_avx512(long m, long n, long k, long count, const int32_t *index, const float *value,
                                   const int8_t *packed, const float *col_scales, float *out, long ldo);
void smally_s8_add_outliers_avx2(long m, long n, long k, long count, const int32_t *index, const float *value,
                                 const int8_t *packed, const float *col_scales, float *out, long ldo);
void smally_s8_dequantize_portable(long m, long n, const int32_t *acc, long ldacc, const float *row_scales,
                                   const float *col_scales, float *out, long ldo, int accumulate);
void smally_s8_dequantize_avx512(long m, long n, const int32_t *acc, long ldacc, const float *row_scales,
                                 const float *col_scales, float *out, long ldo, int accumulate);
void smally_s8_dequantize_avx2(long m, long n, const int32_t *acc, long ldacc, const float *row_scales,
                               const float *col_scales, float *out, long ldo, int accumulate);
void smally_s8_quantize_rows_outliers_neon(long m, long k, const float *x, long ldx, const float *smooth, long count,
                                           int8_t *q, long ldq, float *scales, int32_t *sums, int32_t *index,
                                           float *value);
void smally_s8_add_outliers_neon(long m, long n, long k, long count, const int32_t *index, const float *value,
                                 const int8_t *packed, const float *col_scales, float *out, long ldo);
void smally_s8_dequantize_neon(long m, long n, const int32_t *acc, long ldacc, const float *row_scales,
                               const float *col_scales, float *out, long ldo, int accumulate);

#endif
