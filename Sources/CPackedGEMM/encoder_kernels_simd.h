// The encoder's passes for one vector instruction set, written once with the compilers' generic
// vectors (clang and gcc) and included by one file per instruction set, which defines:
//   SMALLY_LANES   floats per vector (16 AVX-512, 8 AVX2, 4 NEON)
//   SMALLY_TARGET  the function attribute naming the instruction set (empty for NEON)
//   SMALLY_NAME(f) the exported name of f for that set (f##_avx2, …)
// Same formulas and polynomials as the portable reference (encoder_kernels_portable.c), lane by lane;
// `a * b + c` becomes one FMA (fp-contract), which the reference on baseline x86-64 cannot use, so
// results differ from it by rounding only. Row tails run as partial vectors (padded lanes), so every
// element of a row goes through the same instructions.
#include <math.h>
#include <stdint.h>

#include "encoder_kernels.h"
#include "encoder_polynomials.h"

#define W SMALLY_LANES
#define KERNEL static inline __attribute__((always_inline)) SMALLY_TARGET

typedef float vf __attribute__((vector_size(W * 4)));
typedef uint32_t vu __attribute__((vector_size(W * 4)));
typedef int32_t vi __attribute__((vector_size(W * 4)));
typedef float vf_unaligned __attribute__((vector_size(W * 4), aligned(4)));

KERNEL vf load(const float *p) { return *(const vf_unaligned *)p; }
KERNEL void store(float *p, vf v) { *(vf_unaligned *)p = v; }
KERNEL vf splat(float x) { return (vf){0} + x; }

// The first n (< W) floats at p, the other lanes `fill`; and the first n lanes of v stored to p.
KERNEL vf load_part(const float *p, long n, float fill) {
    vf v = splat(fill);
    for (long i = 0; i < n; i++) v[i] = p[i];
    return v;
}
KERNEL void store_part(float *p, vf v, long n) {
    for (long i = 0; i < n; i++) p[i] = v[i];
}

// Lanes of a where mask is set (all ones), of b elsewhere.
KERNEL vf select(vi mask, vf a, vf b) { return (vf)((mask & (vi)a) | (~mask & (vi)b)); }

KERNEL float sum_lanes(vf v) {
    float s = 0;
    for (int i = 0; i < W; i++) s += v[i];
    return s;
}
KERNEL float max_lanes(vf v) {
    float m = v[0];
    for (int i = 1; i < W; i++) m = v[i] > m ? v[i] : m;
    return m;
}

KERNEL vf exp_v(vf input) {
    vf x = select(input < SMALLY_EXP_LOWEST, splat(SMALLY_EXP_LOWEST), input);
    x = select(x > SMALLY_EXP_HIGHEST, splat(SMALLY_EXP_HIGHEST), x);
    const vf shifted = x * SMALLY_LOG2E + SMALLY_EXP_MAGIC;
    const vf n = shifted - SMALLY_EXP_MAGIC;
    vf r = x - n * SMALLY_LN2_HIGH;
    r = r + n * SMALLY_LN2_LOW;
    const vf scale = (vf)(((vu)shifted - (vu)splat(SMALLY_EXP_MAGIC) + 127u) << 23);
    return select(input < SMALLY_EXP_LOWEST, splat(0.0f), SMALLY_EXP_REDUCED(r) * scale);
}

KERNEL vf erf_v(vf x) {
    const vu sign = (vu)x & 0x80000000u;
    const vf a = (vf)((vu)x & 0x7FFFFFFFu);
    const vf t = SMALLY_ERF_T(a);
    const vf far = 1.0f - SMALLY_ERF_FAR(t) * exp_v(-(a * a));
    const vf near = SMALLY_ERF_NEAR(a, a * a);
    return (vf)((vu)select(a >= 0.5f, far, near) | sign);
}

KERNEL vf gelu_v(vf x) { return 0.5f * x * (1.0f + erf_v(x * SMALLY_FRAC_1_SQRT2)); }

SMALLY_TARGET void SMALLY_NAME(smally_add_bias_layer_norm)(float *x, long rows, long width, const float *bias,
                                                           const float *gamma, const float *beta, float epsilon) {
    const long full = width / W * W;
    for (long r = 0; r < rows; r++) {
        float *row = x + r * width;
        vf sum = splat(0);
        long i = 0;
        for (; i < full; i += W) {
            vf v = load(row + i);
            if (bias) { v += load(bias + i); store(row + i, v); }
            sum += v;
        }
        float total = sum_lanes(sum);
        for (; i < width; i++) {
            if (bias) row[i] += bias[i];
            total += row[i];
        }
        const float mean = total / (float)width;
        vf squares = splat(0);
        for (i = 0; i < full; i += W) {
            const vf d = load(row + i) - mean;
            squares += d * d;
        }
        float squared = sum_lanes(squares);
        for (; i < width; i++) squared += (row[i] - mean) * (row[i] - mean);
        const float inverse = 1.0f / sqrtf(squared / (float)width + epsilon);
        for (i = 0; i < full; i += W) store(row + i, (load(row + i) - mean) * inverse * load(gamma + i) + load(beta + i));
        for (; i < width; i++) row[i] = (row[i] - mean) * inverse * gamma[i] + beta[i];
    }
}

SMALLY_TARGET void SMALLY_NAME(smally_add_bias)(float *x, long rows, long width, long stride, const float *bias) {
    const long full = width / W * W;
    for (long r = 0; r < rows; r++) {
        float *row = x + r * stride;
        long i = 0;
        for (; i < full; i += W) store(row + i, load(row + i) + load(bias + i));
        for (; i < width; i++) row[i] += bias[i];
    }
}

SMALLY_TARGET void SMALLY_NAME(smally_add_bias_gelu)(float *x, long rows, long width, long stride, const float *bias) {
    const long full = width / W * W;
    for (long r = 0; r < rows; r++) {
        float *row = x + r * stride;
        long i = 0;
        for (; i < full; i += W) store(row + i, gelu_v(load(row + i) + load(bias + i)));
        if (i < width) {
            const long n = width - i;
            store_part(row + i, gelu_v(load_part(row + i, n, 0) + load_part(bias + i, n, 0)), n);
        }
    }
}

// Softmax of one row after scaling; padded lanes read -∞, whose exponential is 0.
KERNEL void softmax_row(float *row, long width, float scale) {
    const long full = width / W * W;
    const long rest = width - full;
    vf most = splat(-INFINITY);
    for (long i = 0; i < full; i += W) { const vf v = load(row + i); most = select(v > most, v, most); }
    float maximum = max_lanes(most);
    for (long i = full; i < width; i++) maximum = row[i] > maximum ? row[i] : maximum;
    const float shift = maximum * scale;
    vf sum = splat(0);
    for (long i = 0; i < full; i += W) {
        const vf e = exp_v(load(row + i) * scale - shift);
        store(row + i, e);
        sum += e;
    }
    if (rest) {
        const vf e = exp_v(load_part(row + full, rest, -INFINITY) * scale - shift);
        store_part(row + full, e, rest);
        sum += e;
    }
    const float inverse = 1.0f / sum_lanes(sum);
    for (long i = 0; i < full; i += W) store(row + i, load(row + i) * inverse);
    for (long i = full; i < width; i++) row[i] *= inverse;
}

SMALLY_TARGET void SMALLY_NAME(smally_scaled_softmax)(float *x, long rows, long width, long stride, float scale) {
    for (long r = 0; r < rows; r++) softmax_row(x + r * stride, width, scale);
}

// R query rows from `i` of one head: scores against the transposed K (kt, [head_size][padded]),
// softmax, then the weighted sum of V's rows. Each of the R rows is its own chain of FMAs.
KERNEL void attention_rows(const int R, long i, long length, long padded, long head_size, const float *q,
                           const float *kt, const float *v, long ld, float scale, float *out, long ldo, float *p) {
    for (long j = 0; j < padded; j += W) {
        vf acc[SMALLY_ATTENTION_ROWS];
        for (int r = 0; r < R; r++) acc[r] = splat(0);
        for (long d = 0; d < head_size; d++) {
            const vf kv = load(kt + d * padded + j);
            for (int r = 0; r < R; r++) acc[r] += q[(i + r) * ld + d] * kv;
        }
        for (int r = 0; r < R; r++) store(p + r * padded + j, acc[r]);
    }
    for (int r = 0; r < R; r++) softmax_row(p + r * padded, length, scale);
    const long full = head_size / W * W;
    for (long d = 0; d < full; d += W) {
        vf acc[SMALLY_ATTENTION_ROWS];
        for (int r = 0; r < R; r++) acc[r] = splat(0);
        for (long j = 0; j < length; j++) {
            const vf vv = load(v + j * ld + d);
            for (int r = 0; r < R; r++) acc[r] += p[r * padded + j] * vv;
        }
        for (int r = 0; r < R; r++) store(out + (i + r) * ldo + d, acc[r]);
    }
    for (long d = full; d < head_size; d++) {
        for (int r = 0; r < R; r++) {
            float s = 0;
            for (long j = 0; j < length; j++) s += p[r * padded + j] * v[j * ld + d];
            out[(i + r) * ldo + d] = s;
        }
    }
}

SMALLY_TARGET void SMALLY_NAME(smally_attention_head)(long length, long head_size, const float *q, const float *k,
                                                      const float *v, long ld, float scale, float *out, long ldo,
                                                      float *scratch) {
    // K transposed, so that a score vector is W keys against one broadcast query value; the
    // padding keys are zero (their scores are never read).
    const long padded = (length + W - 1) / W * W;
    float *kt = scratch;
    float *p = scratch + head_size * padded;
    for (long d = 0; d < head_size; d++) {
        for (long j = 0; j < length; j++) kt[d * padded + j] = k[j * ld + d];
        for (long j = length; j < padded; j++) kt[d * padded + j] = 0;
    }
    long i = 0;
    for (; i + SMALLY_ATTENTION_ROWS <= length; i += SMALLY_ATTENTION_ROWS)
        attention_rows(SMALLY_ATTENTION_ROWS, i, length, padded, head_size, q, kt, v, ld, scale, out, ldo, p);
    for (; i < length; i++) attention_rows(1, i, length, padded, head_size, q, kt, v, ld, scale, out, ldo, p);
}

SMALLY_TARGET void SMALLY_NAME(smally_exp)(const float *x, float *y, long n) {
    long i = 0;
    for (; i + W <= n; i += W) store(y + i, exp_v(load(x + i)));
    if (i < n) store_part(y + i, exp_v(load_part(x + i, n - i, 0)), n - i);
}

SMALLY_TARGET void SMALLY_NAME(smally_erf)(const float *x, float *y, long n) {
    long i = 0;
    for (; i + W <= n; i += W) store(y + i, erf_v(load(x + i)));
    if (i < n) store_part(y + i, erf_v(load_part(x + i, n - i, 0)), n - i);
}

#undef W
#undef KERNEL
