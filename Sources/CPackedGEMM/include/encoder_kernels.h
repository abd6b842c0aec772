// The encoder's element-wise and row-wise passes (bias + LayerNorm, bias, bias + GELU, scaled
// softmax) and short-sequence attention, with the same kernels as the packed products: a portable C
// reference and one version per instruction set (AVX2+FMA, AVX-512F, NEON), each compiled for its
// own target, so the whole hot path follows the kernel chosen at start (SMALLY_KERNEL) and one
// binary runs on any CPU of its architecture. `kernel` is a SMALLY_KERNEL_* code that
// smally_kernel_available accepts. All matrices are row-major fp32; the caller owns the memory.
#ifndef SMALLY_ENCODER_KERNELS_H
#define SMALLY_ENCODER_KERNELS_H

#include "packed_gemm.h"

/// `x[r] = LayerNorm(x[r] + bias) * gamma + beta` in place for `rows` rows of `width` (leading
/// dimension `width`); `bias` may be null.
void smally_add_bias_layer_norm(int kernel, float *x, long rows, long width, const float *bias,
                                const float *gamma, const float *beta, float epsilon);

/// `x[r] += bias` for `rows` rows of `width` floats, leading dimension `stride`.
void smally_add_bias(int kernel, float *x, long rows, long width, long stride, const float *bias);

/// `x[r] = GELU(x[r] + bias)` (erf GELU, as BERT) for `rows` rows of `width`, leading dimension `stride`.
void smally_add_bias_gelu(int kernel, float *x, long rows, long width, long stride, const float *bias);

/// Softmax of each row after scaling by `scale` (> 0): `rows` rows of `width`, leading dimension `stride`.
void smally_scaled_softmax(int kernel, float *x, long rows, long width, long stride, float scale);

/// Query rows the vector attention kernels compute together (independent chains of FMAs that share
/// each load of K and V).
#define SMALLY_ATTENTION_ROWS 4

/// Floats of scratch smally_attention_head needs for a sequence of `length` tokens.
long smally_attention_scratch(long length, long head_size);

/// One head of self-attention over one sequence of `length` tokens: for every query row i,
/// `out[i] = softmax(scale · q[i]·Kᵀ) · V`. Row j of q, k and v starts at `q + j·ld` (and so on) and
/// holds `head_size` floats; row i of out starts at `out + i·ldo`. `scratch` holds
/// smally_attention_scratch(length, head_size) floats. Meant for short sequences (a few dozen tokens).
void smally_attention_head(int kernel, long length, long head_size, const float *q, const float *k,
                           const float *v, long ld, float scale, float *out, long ldo, float *scratch);

/// The kernel's e^x and erf(x) on `n` values, as the passes above compute them (tests check their
/// accuracy against libm).
void smally_exp(int kernel, const float *x, float *y, long n);
void smally_erf(int kernel, const float *x, float *y, long n);

// Per-ISA entry points, in the order of the declarations above (the dispatcher calls them).
#define SMALLY_ENCODER_KERNELS(isa)                                                                \
    void smally_add_bias_layer_norm_##isa(float *x, long rows, long width, const float *bias,     \
                                          const float *gamma, const float *beta, float epsilon);  \
    void smally_add_bias_##isa(float *x, long rows, long width, long stride, const float *bias);  \
    void smally_add_bias_gelu_##isa(float *x, long rows, long width, long stride, const float *bias); \
    void smally_scaled_softmax_##isa(float *x, long rows, long width, long stride, float scale);  \
    void smally_attention_head_##isa(long length, long head_size, const float *q, const float *k, \
                                     const float *v, long ld, float scale, float *out, long ldo,  \
                                     float *scratch);                                             \
    void smally_exp_##isa(const float *x, float *y, long n);                                      \
    void smally_erf_##isa(const float *x, float *y, long n);
SMALLY_ENCODER_KERNELS(portable)
SMALLY_ENCODER_KERNELS(avx2)
SMALLY_ENCODER_KERNELS(avx512)
SMALLY_ENCODER_KERNELS(neon)
#undef SMALLY_ENCODER_KERNELS

#endif
