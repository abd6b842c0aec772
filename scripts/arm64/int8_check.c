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
            free(expected_q); free(expected);
        }
        free(x); free(w); free(q); free(packed); free(row_scales); free(col_scales); free(sums); free(c);
    }
    return failures;
}
