// The choice of kernel for the encoder's passes: the same codes as the packed products. The
// kernels live in one file per instruction set.
#include "encoder_kernels.h"

// Calls the `name` function of `kernel` with the arguments that follow.
#if defined(__x86_64__)
#define SMALLY_DISPATCH(kernel, name, ...)                                                         \
    switch (kernel) {                                                                              \
    case SMALLY_KERNEL_AVX512: name##_avx512(__VA_ARGS__); return;                                 \
    case SMALLY_KERNEL_AVX2: name##_avx2(__VA_ARGS__); return;                                     \
    default: name##_portable(__VA_ARGS__); return;                                                 \
    }
#elif defined(__aarch64__)
#define SMALLY_DISPATCH(kernel, name, ...)                                                         \
    switch (kernel) {                                                                              \
    case SMALLY_KERNEL_NEON: name##_neon(__VA_ARGS__); return;                                     \
    default: name##_portable(__VA_ARGS__); return;                                                 \
    }
#else
#define SMALLY_DISPATCH(kernel, name, ...) name##_portable(__VA_ARGS__);
#endif

void smally_add_bias_layer_norm(int kernel, float *x, long rows, long width, const float *bias,
                                const float *gamma, const float *beta, float epsilon) {
    SMALLY_DISPATCH(kernel, smally_add_bias_layer_norm, x, rows, width, bias, gamma, beta, epsilon)
}

void smally_add_bias(int kernel, float *x, long rows, long width, long stride, const float *bias) {
    SMALLY_DISPATCH(kernel, smally_add_bias, x, rows, width, stride, bias)
}

void smally_add_bias_gelu(int kernel, float *x, long rows, long width, long stride, const float *bias) {
    SMALLY_DISPATCH(kernel, smally_add_bias_gelu, x, rows, width, stride, bias)
}

void smally_scaled_softmax(int kernel, float *x, long rows, long width, long stride, float scale) {
    SMALLY_DISPATCH(kernel, smally_scaled_softmax, x, rows, width, stride, scale)
}

// K of the head transposed to [head_size][length rounded up to 16], then the scores of one block
// of SMALLY_ATTENTION_ROWS query rows (the portable kernel uses one row only).
long smally_attention_scratch(long length, long head_size) {
    const long padded = (length + 15) / 16 * 16;
    return padded * (head_size + SMALLY_ATTENTION_ROWS);
}

void smally_attention_head(int kernel, long length, long head_size, const float *q, const float *k,
                           const float *v, long ld, float scale, float *out, long ldo, float *scratch) {
    SMALLY_DISPATCH(kernel, smally_attention_head, length, head_size, q, k, v, ld, scale, out, ldo, scratch)
}

void smally_exp(int kernel, const float *x, float *y, long n) { SMALLY_DISPATCH(kernel, smally_exp, x, y, n) }

void smally_erf(int kernel, const float *x, float *y, long n) { SMALLY_DISPATCH(kernel, smally_erf, x, y, n) }
