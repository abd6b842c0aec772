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

#endif
