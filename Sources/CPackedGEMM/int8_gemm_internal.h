// Shared by the int8 kernel files (not part of the module's interface): the panel width, the block
// of input groups a tile walks before writing back, and the 4-byte load of one group of activations.
#ifndef SMALLY_INT8_GEMM_INTERNAL_H
#define SMALLY_INT8_GEMM_INTERNAL_H

#include <string.h>
#include "int8_gemm.h"

#define NR SMALLY_PACKED_PANEL
#define GC 128  // groups of 4 inputs per block: a pair of panels is 16 KB, well inside L1

static inline __attribute__((always_inline)) int32_t load4(const int8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

// The clips a row with outliers may take, as fractions of its largest |value| in half-octave steps
// (1/16 … 1/√2), lowest first; the largest itself is the last resort. Each clip is one rounded
// product of the largest |value|, exact in any order, so every kernel finds the same clip.
#define SMALLY_S8_CLIPS 8
static const float s8_clips[SMALLY_S8_CLIPS] = {0.0625f, 0.088388347648f, 0.125f, 0.176776695297f,
                                                0.25f, 0.353553390593f, 0.5f, 0.707106781187f};

#endif
