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

// Keeps best[0 ..= count] the count + 1 largest values seen, largest first (best[count] the smallest
// of them): the same multiset, so the same best[count], in whatever order the values come.
static inline __attribute__((always_inline)) void s8_keep_largest(float *best, long count, float a) {
    if (!(a > best[count])) return;
    long o = count;
    while (o > 0 && best[o - 1] < a) {
        best[o] = best[o - 1];
        o--;
    }
    best[o] = a;
}

// The (rank + 1)-th largest of v[0 ..< n] (n > rank), v reordered (quickselect: a value, so the
// same whatever the order of v).
static inline float s8_select_largest(float *v, long n, long rank) {
    long lo = 0, hi = n - 1;
    while (lo < hi) {
        const float pivot = v[lo + (hi - lo) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (v[i] > pivot) i++;
            while (v[j] < pivot) j--;
            if (i <= j) {
                const float t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        }
        if (rank <= j) hi = j;
        else if (rank >= i) lo = i;
        else return v[rank];
    }
    return v[lo];
}

#endif
