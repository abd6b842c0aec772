// The reference versions of the encoder's passes: plain C, scalar, any CPU. The vector kernels
// (encoder_kernels_simd.h) compute the same formulas with the same polynomials, lane by lane, and
// are tested against these.
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "encoder_kernels.h"
#include "encoder_polynomials.h"

static inline uint32_t bits_of(float x) { uint32_t b; memcpy(&b, &x, 4); return b; }
static inline float float_of(uint32_t b) { float x; memcpy(&x, &b, 4); return x; }

// e^x (relative error ≈ 2 ulp over the range used here: softmax inputs ≤ 0, erf's -x²).
static inline float exp_reference(float input) {
    const float x = input < SMALLY_EXP_LOWEST ? SMALLY_EXP_LOWEST : (input > SMALLY_EXP_HIGHEST ? SMALLY_EXP_HIGHEST : input);
    const float shifted = x * SMALLY_LOG2E + SMALLY_EXP_MAGIC;
    const float n = shifted - SMALLY_EXP_MAGIC;
    float r = x - n * SMALLY_LN2_HIGH;
    r = r + n * SMALLY_LN2_LOW;
    const float scale = float_of((bits_of(shifted) - bits_of(SMALLY_EXP_MAGIC) + 127u) << 23);
    return input < SMALLY_EXP_LOWEST ? 0.0f : SMALLY_EXP_REDUCED(r) * scale;
}

// erf(x), odd: computed on |x|, both branches, then a choice, as the vector kernels do (and so that
// loops over it vectorise).
static inline float erf_reference(float x) {
    const uint32_t sign = bits_of(x) & 0x80000000u;
    const float a = float_of(bits_of(x) & 0x7FFFFFFFu);
    const float t = SMALLY_ERF_T(a);
    const float far = 1.0f - SMALLY_ERF_FAR(t) * exp_reference(-(a * a));
    const float near = SMALLY_ERF_NEAR(a, a * a);
    return float_of(bits_of(a >= 0.5f ? far : near) | sign);
}

static inline float gelu_reference(float x) { return 0.5f * x * (1.0f + erf_reference(x * SMALLY_FRAC_1_SQRT2)); }

void smally_add_bias_layer_norm_portable(float *x, long rows, long width, const float *bias,
                                         const float *gamma, const float *beta, float epsilon) {
    for (long r = 0; r < rows; r++) {
        float *row = x + r * width;
        if (bias) for (long i = 0; i < width; i++) row[i] += bias[i];
        float sum = 0;
        for (long i = 0; i < width; i++) sum += row[i];
        const float mean = sum / (float)width;
        float squares = 0;
        for (long i = 0; i < width; i++) squares += (row[i] - mean) * (row[i] - mean);
        const float inverse = 1.0f / sqrtf(squares / (float)width + epsilon);
        for (long i = 0; i < width; i++) row[i] = (row[i] - mean) * inverse * gamma[i] + beta[i];
    }
}

void smally_add_bias_portable(float *x, long rows, long width, long stride, const float *bias) {
    for (long r = 0; r < rows; r++)
        for (long i = 0; i < width; i++) x[r * stride + i] += bias[i];
}

void smally_add_bias_gelu_portable(float *x, long rows, long width, long stride, const float *bias) {
    for (long r = 0; r < rows; r++)
        for (long i = 0; i < width; i++) x[r * stride + i] = gelu_reference(x[r * stride + i] + bias[i]);
}

void smally_scaled_softmax_portable(float *x, long rows, long width, long stride, float scale) {
    for (long r = 0; r < rows; r++) {
        float *row = x + r * stride;
        float maximum = -INFINITY;
        for (long i = 0; i < width; i++) maximum = row[i] > maximum ? row[i] : maximum;
        const float shift = maximum * scale;
        float sum = 0;
        for (long i = 0; i < width; i++) {
            row[i] = exp_reference(row[i] * scale - shift);
            sum += row[i];
        }
        const float inverse = 1.0f / sum;
        for (long i = 0; i < width; i++) row[i] *= inverse;
    }
}

void smally_attention_head_portable(long length, long head_size, const float *q, const float *k,
                                    const float *v, long ld, float scale, float *out, long ldo, float *scratch) {
    float *p = scratch;
    for (long i = 0; i < length; i++) {
        for (long j = 0; j < length; j++) {
            float s = 0;
            for (long d = 0; d < head_size; d++) s += q[i * ld + d] * k[j * ld + d];
            p[j] = s;
        }
        smally_scaled_softmax_portable(p, 1, length, length, scale);
        for (long d = 0; d < head_size; d++) {
            float s = 0;
            for (long j = 0; j < length; j++) s += p[j] * v[j * ld + d];
            out[i * ldo + d] = s;
        }
    }
}

void smally_exp_portable(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = exp_reference(x[i]);
}

void smally_erf_portable(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = erf_reference(x[i]);
}
