// The int8 kernels across architectures (see kernel_check.c): the x86-64 build writes the portable
// reference's int32 products (and quantized bytes) for a set of shapes; the aarch64 build, under
// qemu-user, computes them with the portable and the NEON sdot kernels, which must be equal.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "int8_gemm.h"
#include "check_values.h"

typedef struct { long m, n, k; } int8_shape_t;
static const int8_shape_t int8_shapes[] = {
    {1, 16, 4}, {2, 32, 5}, {5, 16, 384}, {7, 80, 129}, {13, 96, 1}, {23, 48, 517}, {9, 384, 1536},
};
#define INT8_SHAPES (sizeof int8_shapes / sizeof int8_shapes[0])

// Row quantization with outliers and the outliers' fp32 part (the x86 portable reference against the
// aarch64 NEON and portable paths: the same bytes, scales, lists and floats). A few large values are
// planted in each row first.
static int check_outliers(FILE *file, int writing, int kernel, const char *name, const int8_shape_t *s, float *x,
                          const int8_t *packed, const float *col_scales) {
    if (s->k < 2 || s->m > 64) return s->m > 64;
    const long count = s->k > 16 ? 16 : s->k - 1, depth = smally_s8_depth(s->k);
    for (long i = 0; i < s->m; i++)
        for (long e = 0; e < count / 2 + 1; e++) x[i * s->k + (e * 37 + i) % s->k] = (e % 2 ? -1.0f : 1.0f) * (float)(9 + e);
    // Per pass (unsmoothed, then smoothed): bytes, scales, lists, the outliers' part; then a dequantization.
    const size_t pass = (size_t)(s->m * depth) + sizeof(float) * (size_t)s->m + sizeof(int32_t) * (size_t)(s->m * count) +
                        sizeof(float) * (size_t)(s->m * count) + sizeof(float) * (size_t)(s->m * s->n);
    const size_t bytes = 2 * pass + sizeof(float) * (size_t)(s->m * s->n);
    unsigned char *got = calloc(1, bytes);
    float *smooth = malloc(sizeof(float) * (size_t)s->k);
    for (long kk = 0; kk < s->k; kk++) smooth[kk] = 0.5f + 0.25f * (float)(kk % 7);
    int32_t sums[64];
    for (int smoothed = 0; smoothed < 2; smoothed++) {
        int8_t *q = (int8_t *)(got + smoothed * pass);
        float *scales = (float *)((unsigned char *)q + s->m * depth);
        int32_t *index = (int32_t *)(scales + s->m);
        float *value = (float *)(index + s->m * count), *out = value + s->m * count;
        smally_s8_quantize_rows_outliers(kernel, s->m, s->k, x, s->k, smoothed ? smooth : NULL, count, q, depth, scales,
                                         sums, index, value);
        for (long i = 0; i < s->m * s->n; i++) out[i] = (float)(i % 5);
        smally_s8_add_outliers(kernel, s->m, s->n, s->k, count, index, value, packed, col_scales, out, s->n);
    }
    {
        float *dequantized = (float *)(got + 2 * pass), *row_scales = (float *)(got + s->m * depth);
        int32_t *acc = malloc(sizeof(int32_t) * (size_t)(s->m * s->n));
        for (long i = 0; i < s->m * s->n; i++) { acc[i] = (int32_t)((i * 7919) % 20001) - 10000; dequantized[i] = (float)(i % 3); }
        smally_s8_dequantize(kernel, s->m, s->n, acc, s->n, row_scales, col_scales, dequantized, s->n, 1);
        free(acc);
    }
    free(smooth);
    int failures = 0;
    if (writing) {
        fwrite(got, 1, bytes, file);
    } else {
        // Every kernel's result is compared with the same bytes of the x86 reference.
        unsigned char *expected = malloc(bytes);
        const long at = ftell(file);
        const int ok = fread(expected, 1, bytes, file) == bytes && memcmp(got, expected, bytes) == 0;
        if (kernel != SMALLY_S8_PORTABLE) fseek(file, at, SEEK_SET);
        printf("int8 outliers %-8s m %3ld n %3ld k %4ld: %s\n", name, s->m, s->n, s->k, ok ? "equal ok" : "FAIL (differs from x86)");
        failures = !ok;
        free(expected);
    }
    free(got);
    return failures;
}

int check_int8_kernels(FILE *file, int writing) {
    int failures = 0;
    for (size_t t = 0; t < INT8_SHAPES; t++) {
        const int8_shape_t *s = &int8_shapes[t];
        check_seed((uint64_t)(s->m * 7919 + s->n * 31 + s->k));
        const long depth = smally_s8_depth(s->k);
        float *x = malloc(sizeof(float) * s->m * s->k), *w = malloc(sizeof(float) * s->n * s->k);
        for (long i = 0; i < s->m * s->k; i++) x[i] = 3.0f * next_value();
        for (long i = 0; i < s->n * s->k; i++) w[i] = next_value();
        int8_t *q = malloc(s->m * depth), *packed = malloc(s->n * depth);
        float *row_scales = malloc(sizeof(float) * s->m), *col_scales = malloc(sizeof(float) * s->n);
        int32_t *sums = malloc(sizeof(int32_t) * s->m), *c = malloc(sizeof(int32_t) * s->m * s->n);
        smally_s8_quantize_rows(SMALLY_S8_PORTABLE, s->m, s->k, x, s->k, NULL, q, depth, row_scales, sums);
        smally_s8_pack_weights(w, s->n, s->k, packed, col_scales);
        if (writing) {
            smally_s8_gemm(SMALLY_S8_PORTABLE, s->m, s->n, s->k, q, depth, sums, packed, c, s->n);
            fwrite(q, 1, s->m * depth, file);
            fwrite(c, sizeof(int32_t), s->m * s->n, file);
            printf("int8: wrote m %ld n %ld k %ld\n", s->m, s->n, s->k);
            failures += check_outliers(file, 1, SMALLY_S8_PORTABLE, "portable", s, x, packed, col_scales);
        } else {
            int8_t *expected_q = malloc(s->m * depth);
            int32_t *expected = malloc(sizeof(int32_t) * s->m * s->n);
            if (fread(expected_q, 1, s->m * depth, file) != (size_t)(s->m * depth) ||
                fread(expected, sizeof(int32_t), s->m * s->n, file) != (size_t)(s->m * s->n)) {
                fprintf(stderr, "reference file too short\n");
                return failures + 1;
            }
            const int same_q = memcmp(q, expected_q, s->m * depth) == 0;
            const int kernels[] = {SMALLY_S8_PORTABLE, SMALLY_S8_NEON_DOT};
            for (int k = 0; k < 2; k++) {
                const char *name = kernels[k] == SMALLY_S8_NEON_DOT ? "int8 sdot" : "int8 portable";
                if (!smally_s8_available(kernels[k])) { printf("%s not available\n", name); failures++; continue; }
                memset(c, 0, sizeof(int32_t) * s->m * s->n);
                smally_s8_gemm(kernels[k], s->m, s->n, s->k, q, depth, sums, packed, c, s->n);
                const int ok = same_q && memcmp(c, expected, sizeof(int32_t) * s->m * s->n) == 0;
                printf("%-13s m %3ld n %3ld k %4ld: %s\n", name, s->m, s->n, s->k, ok ? "equal ok" : "FAIL (differs from x86)");
                if (!ok) failures++;
            }
            // The NEON path first (it reads the reference and steps back), then the portable one.
            if (smally_s8_available(SMALLY_S8_NEON_DOT))
                failures += check_outliers(file, 0, SMALLY_S8_NEON_DOT, "neon", s, x, packed, col_scales);
            failures += check_outliers(file, 0, SMALLY_S8_PORTABLE, "portable", s, x, packed, col_scales);
            free(expected_q); free(expected);
        }
        free(x); free(w); free(q); free(packed); free(row_scales); free(col_scales); free(sums); free(c);
    }
    return failures;
}
