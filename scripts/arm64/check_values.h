// The checks' input generator: SplitMix64, then a float in [-1, 1), so the x86 and aarch64 builds
// see the same numbers.
#ifndef SMALLY_CHECK_VALUES_H
#define SMALLY_CHECK_VALUES_H
#include <stdint.h>
#include <stdio.h>

static uint64_t check_state;
static inline void check_seed(uint64_t seed) { check_state = seed; }
static inline float next_value(void) {
    uint64_t z = (check_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (float)(z >> 40) / (float)(1 << 23) - 1.0f;
}

/// The encoder passes' checks (encoder_check.c): writes the portable outputs, or checks the portable
/// and NEON ones against them; returns the number of failures.
int check_encoder_kernels(FILE *file, int writing);

/// The int8 kernels' checks (int8_check.c): the same, with equal int32 products required.
int check_int8_kernels(FILE *file, int writing);
#endif
