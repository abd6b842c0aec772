// Checks the packed-product kernels of Sources/CPackedGEMM across architectures (and, through
// encoder_check.c, the encoder passes' kernels). Built twice by
// scripts/arm64/check_kernels.sh: natively (x86-64), where `--write FILE` stores the portable
// reference kernel's outputs for a set of shapes, and for aarch64 (run under qemu-user), where
// `--check FILE` computes the same products with the NEON kernel and the portable one and compares
// both with the x86 outputs, within the float summation bound. Inputs come from a fixed generator,
// so both builds see the same numbers.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packed_gemm.h"
#include "check_values.h"

typedef struct { long m, n, k; int accumulate; } shape_t;
static const shape_t shapes[] = {
    {1, 16, 8, 0}, {2, 32, 5, 1}, {5, 64, 100, 0}, {6, 32, 384, 1}, {7, 48, 383, 0},
    {13, 96, 384, 0}, {11, 32, 385, 0}, {17, 16, 1536, 1}, {37, 48, 800, 0}, {64, 384, 384, 0},
};
#define SHAPES (sizeof shapes / sizeof shapes[0])

// Fills a, w, c0 for a shape and returns the packed weights (caller frees all four).
static void make(const shape_t *s, float **a, float **packed, float **c0, float **w) {
    check_seed((uint64_t)(s->m * 1000003 + s->n * 1009 + s->k));
    *a = malloc(sizeof(float) * s->m * s->k);
    *w = malloc(sizeof(float) * s->n * s->k);
    *c0 = malloc(sizeof(float) * s->m * s->n);
    for (long i = 0; i < s->m * s->k; i++) (*a)[i] = next_value();
    for (long i = 0; i < s->n * s->k; i++) (*w)[i] = next_value();
    for (long i = 0; i < s->m * s->n; i++) (*c0)[i] = next_value();
    *packed = aligned_alloc(64, ((sizeof(float) * s->n * s->k + 63) / 64) * 64);
    smally_pack_weights(*w, s->n, s->k, *packed);
}

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "--write") && strcmp(argv[1], "--check"))) {
        fprintf(stderr, "usage: %s --write|--check FILE\n", argv[0]);
        return 2;
    }
    const int writing = !strcmp(argv[1], "--write");
    FILE *file = fopen(argv[2], writing ? "wb" : "rb");
    if (!file) { perror(argv[2]); return 2; }
    int failures = 0;
    for (size_t t = 0; t < SHAPES; t++) {
        const shape_t *s = &shapes[t];
        float *a, *packed, *c0, *w;
        make(s, &a, &packed, &c0, &w);
        const long count = s->m * s->n;
        float *c = malloc(sizeof(float) * count);
        if (writing) {
            memcpy(c, c0, sizeof(float) * count);
            smally_gemm_packed_with(SMALLY_KERNEL_PORTABLE, s->m, s->n, s->k, a, s->k, packed, c, s->n, s->accumulate);
            fwrite(c, sizeof(float), count, file);
            printf("wrote m %ld n %ld k %ld\n", s->m, s->n, s->k);
        } else {
            float *expected = malloc(sizeof(float) * count);
            if (fread(expected, sizeof(float), count, file) != (size_t)count) { fprintf(stderr, "reference file too short\n"); return 2; }
            const int kernels[] = {SMALLY_KERNEL_PORTABLE, SMALLY_KERNEL_NEON};
            for (int q = 0; q < 2; q++) {
                if (!smally_kernel_available(kernels[q])) { printf("kernel %d not available\n", kernels[q]); failures++; continue; }
                memcpy(c, c0, sizeof(float) * count);
                smally_gemm_packed_with(kernels[q], s->m, s->n, s->k, a, s->k, packed, c, s->n, s->accumulate);
                double worst = 0;
                for (long i = 0; i < s->m; i++) {
                    for (long j = 0; j < s->n; j++) {
                        // Two float sums of k + 1 terms differ by at most twice the summation bound.
                        double magnitude = s->accumulate ? fabs(c0[i * s->n + j]) : 0;
                        for (long kk = 0; kk < s->k; kk++) magnitude += fabs((double)a[i * s->k + kk] * w[j * s->k + kk]);
                        double bound = 2.0 * (s->k + 1) * 1.1920929e-7 * magnitude + 1e-30;
                        double error = fabs((double)c[i * s->n + j] - expected[i * s->n + j]) / bound;
                        if (error > worst) worst = error;
                    }
                }
                const char *name = kernels[q] == SMALLY_KERNEL_NEON ? "neon" : "portable";
                printf("%-8s m %3ld n %3ld k %4ld: error %.3f × bound %s\n", name, s->m, s->n, s->k, worst, worst <= 1 ? "ok" : "FAIL");
                if (worst > 1) failures++;
            }
            free(expected);
        }
        free(a); free(packed); free(c0); free(w); free(c);
    }
    failures += check_encoder_kernels(file, writing);
    failures += check_int8_kernels(file, writing);
    fclose(file);
    if (!writing) printf("%s: %d failure(s)\n", failures ? "FAILED" : "passed", failures);
    return failures ? 1 : 0;
}
