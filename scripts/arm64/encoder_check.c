// The encoder passes of Sources/CPackedGEMM (encoder_kernels.h) across architectures, run by
// kernel_check.c: the x86-64 build writes the portable reference's outputs for every case, the
// aarch64 build computes them with the portable and the NEON kernels and compares (tolerances as in
// Tests/SmallyEngineTests/EncoderKernelTests.swift). Rows are strided, with a guard row: what lies
// outside them must come back bit for bit.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoder_kernels.h"
#include "check_values.h"

enum pass { BIAS, GELU, LAYER_NORM, LAYER_NORM_NO_BIAS, SOFTMAX, ATTENTION, EXP, ERF };
static const char *const pass_names[] = {"bias", "gelu", "layernorm", "layernorm0", "softmax", "attention", "exp", "erf"};

typedef struct {
    enum pass pass;
    long rows, width, stride;  // attention: rows = length, width = head size, stride = output stride
} case_t;

// Writes the case's inputs (deterministic) into x (the rows) and params (bias, gamma, beta or qkv).
static void make(const case_t *c, float *x, long count, float *params, long params_count) {
    check_seed((uint64_t)(c->pass * 7919 + c->rows * 131 + c->width));
    const float spread = c->pass == SOFTMAX ? 20.0f : c->pass == EXP ? 80.0f : c->pass == GELU || c->pass == ERF ? 5.0f : 2.0f;
    for (long i = 0; i < count; i++) x[i] = next_value() * spread;
    for (long i = 0; i < params_count; i++) params[i] = next_value();
}

static long params_count(const case_t *c) {
    return c->pass == ATTENTION ? c->rows * (3 * c->width + 3) : 3 * c->width;
}

static void run(int kernel, const case_t *c, float *x, const float *params) {
    const long w = c->width;
    switch (c->pass) {
    case BIAS: smally_add_bias(kernel, x, c->rows, w, c->stride, params); break;
    case GELU: smally_add_bias_gelu(kernel, x, c->rows, w, c->stride, params); break;
    case LAYER_NORM: smally_add_bias_layer_norm(kernel, x, c->rows, w, params, params + w, params + 2 * w, 1e-12f); break;
    case LAYER_NORM_NO_BIAS: smally_add_bias_layer_norm(kernel, x, c->rows, w, 0, params + w, params + 2 * w, 1e-12f); break;
    case SOFTMAX: smally_scaled_softmax(kernel, x, c->rows, w, c->stride, 0.35f); break;
    case ATTENTION: {
        const long ld = 3 * w + 3;
        float *scratch = malloc(sizeof(float) * smally_attention_scratch(c->rows, w));
        smally_attention_head(kernel, c->rows, w, params, params + w, params + 2 * w, ld, 1.0f / sqrtf((float)w),
                              x, c->stride, scratch);
        free(scratch);
        break;
    }
    case EXP: case ERF: {  // in place, through a copy
        float *input = malloc(sizeof(float) * c->rows * c->stride);
        memcpy(input, x, sizeof(float) * c->rows * c->stride);
        (c->pass == EXP ? smally_exp : smally_erf)(kernel, input, x, c->rows * c->stride);
        free(input);
        break;
    }
    }
}

static double tolerance(enum pass pass, float expected) {
    switch (pass) {
    case BIAS: return 1e-30;  // the same single addition
    case GELU: return 2e-7 + 1e-6 * fabsf(expected);
    case SOFTMAX: return 3e-6 * fabsf(expected) + 1e-30;  // arguments up to ±14, rounded differently with FMA
    case EXP: return 1e-6 * fabsf(expected) + 1e-30;
    case ERF: return 2e-7;
    default: return 2e-6;
    }
}

int check_encoder_kernels(FILE *file, int writing) {
    static const long widths[] = {1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 47, 100, 384};
    static const long lengths[] = {1, 2, 3, 4, 5, 7, 13, 17, 31, 46, 47};
    static const long head_sizes[] = {32, 12};
    case_t cases[200];
    int n = 0;
    for (int p = BIAS; p <= SOFTMAX; p++)
        for (size_t i = 0; i < sizeof widths / sizeof *widths; i++) {
            const int norm = p == LAYER_NORM || p == LAYER_NORM_NO_BIAS;
            cases[n++] = (case_t){(enum pass)p, 3, widths[i], norm ? widths[i] : widths[i] + 3};
        }
    for (size_t h = 0; h < 2; h++)
        for (size_t i = 0; i < sizeof lengths / sizeof *lengths; i++)
            cases[n++] = (case_t){ATTENTION, lengths[i], head_sizes[h], head_sizes[h] + 2};
    cases[n++] = (case_t){EXP, 1, 1001, 1001};
    cases[n++] = (case_t){ERF, 1, 1001, 1001};

    int failures = 0;
    for (int t = 0; t < n; t++) {
        const case_t *c = &cases[t];
        const long count = (c->rows + 1) * c->stride, pc = params_count(c);
        float *input = malloc(sizeof(float) * count), *x = malloc(sizeof(float) * count);
        float *params = malloc(sizeof(float) * pc);
        make(c, input, count, params, pc);
        if (writing) {
            memcpy(x, input, sizeof(float) * count);
            run(SMALLY_KERNEL_PORTABLE, c, x, params);
            fwrite(x, sizeof(float), count, file);
        } else {
            float *expected = malloc(sizeof(float) * count);
            if (fread(expected, sizeof(float), count, file) != (size_t)count) { fprintf(stderr, "reference file too short\n"); exit(2); }
            const int kernels[] = {SMALLY_KERNEL_PORTABLE, SMALLY_KERNEL_NEON};
            for (int q = 0; q < 2; q++) {
                memcpy(x, input, sizeof(float) * count);
                run(kernels[q], c, x, params);
                double worst = 0;
                int outside = 0;
                for (long i = 0; i < count; i++) {
                    const long r = i / c->stride, col = i % c->stride;
                    const int inside = c->pass == EXP || c->pass == ERF ? r < c->rows : r < c->rows && col < c->width;
                    if (!inside) { outside += memcmp(&x[i], &input[i], sizeof(float)) != 0; continue; }
                    const double error = fabs((double)x[i] - expected[i]) / tolerance(c->pass, expected[i]);
                    if (error > worst || error != error) worst = error != error ? INFINITY : error;
                }
                const int ok = worst <= 1 && !outside;
                printf("%-8s %-10s rows %3ld width %4ld: error %.3f × tolerance%s %s\n", kernels[q] == SMALLY_KERNEL_NEON ? "neon" : "portable",
                       pass_names[c->pass], c->rows, c->width, worst, outside ? ", wrote outside" : "", ok ? "ok" : "FAIL");
                failures += !ok;
            }
            free(expected);
        }
        free(input); free(x); free(params);
    }
    if (writing) printf("wrote %d encoder pass cases\n", n);
    return failures;
}
