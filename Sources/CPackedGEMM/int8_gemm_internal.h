// Shared by the int8 kernel files (not part of the module's interface): the panel width, the block
// of input groups a tile walks before writing back, and the 4-byte load of one group of activations.
#ifndef SMALLY_INT8_GEMM_INTERNAL_H
#define SMALLY_INT8_GEMM_INTERNAL_H

#include <math.h>
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

// y = x · smooth of a row into `buffer` (k values), or the row itself without smoothing: the vector
// kernels form it once per row for their counting and quantizing passes.
static inline const float *s8_smoothed_row(const float *row, const float *smooth, long k, float *buffer) {
    if (!smooth) return row;
    for (long kk = 0; kk < k; kk++) buffer[kk] = row[kk] * smooth[kk];
    return buffer;
}

// The clip of a row whose largest |y| is `most`: the lowest of most · s8_clips that at most `count`
// values exceed (`above` counts them), else most itself; by bisection, since the counts fall as the
// clips rise, so it is the reference's linear scan's clip in three or four passes.
static inline __attribute__((always_inline)) float s8_clip(const float *y, long k, long count, float most,
                                                           long (*above)(const float *, long, float)) {
    int low = 0, high = SMALLY_S8_CLIPS;  // clip SMALLY_S8_CLIPS: the largest itself, always fits
    while (low < high) {
        const int middle = (low + high) / 2;
        if (above(y, k, most * s8_clips[middle]) <= count) high = middle;
        else low = middle + 1;
    }
    return low < SMALLY_S8_CLIPS ? most * s8_clips[low] : most;
}

// Round to nearest, ties to even (the vector kernels' conversions), clamped to ±127: one value as the
// portable reference quantizes it.
static inline int8_t s8_quantize_one(float x, float inverse) {
    float q = nearbyintf(x * inverse);
    q = q > 127.0f ? 127.0f : (q < -127.0f ? -127.0f : q);
    return (int8_t)q;
}

// The widest row whose x · smooth the vector kernels keep in a stack buffer (32 KB); wider smoothed
// rows take the portable reference.
#define SMALLY_S8_ROW_BUFFER 8192

// The scalar end of a row with outliers for the 8-wide kernels: inputs kk ..< k of y (already
// smoothed) quantized, summed and listed as the reference does, zero bytes up to depth, the lists
// padded to count; returns the row's sum.
static inline int32_t s8_outlier_row_end(const float *y, long kk, long k, long depth, float top, float inverse,
                                         int8_t *out, int32_t total, int32_t *idx, float *val, long listed,
                                         long count) {
#pragma STDC FP_CONTRACT OFF
    const float scale = top / 127.0f;
    for (; kk < k; kk++) {
        out[kk] = s8_quantize_one(y[kk], inverse);
        total += out[kk];
        if (fabsf(y[kk]) > top) {
            idx[listed] = (int32_t)kk;
            val[listed] = y[kk] - scale * (float)out[kk];
            listed++;
        }
    }
    for (; kk < depth; kk++) out[kk] = 0;
    for (; listed < count; listed++) {
        idx[listed] = 0;
        val[listed] = 0.0f;
    }
    return total;
}

// One outlier of a row for the vector kernels' fp32 part (smally_s8_add_outliers): `vpshufb` moves
// its byte of each column's 4-byte group to the top of the column's int32 and zeroes the rest, so the
// int32 is w·2^24 and its conversion exact; the value comes pre-scaled by 2^−24 (exact in the normal
// range), so value'·w' is value·w and each fused multiply-add rounds as the reference's does.
typedef struct {
    long offset;   // byte offset of the outlier's group inside a panel
    long input;    // kk % 4: which byte of each column's group
    float value;   // value · 2^−24
} s8_outlier;

// vpshufb controls per input of the group: byte 4c + e of each 16-byte lane to byte 4c + 3, zeros below.
#define S8_Z 0x80
#define S8_LANE(e) S8_Z, S8_Z, S8_Z, (e), S8_Z, S8_Z, S8_Z, 4 + (e), S8_Z, S8_Z, S8_Z, 8 + (e), S8_Z, S8_Z, S8_Z, 12 + (e)
#define S8_SELECT(e) {S8_LANE(e), S8_LANE(e), S8_LANE(e), S8_LANE(e)}
static const uint8_t s8_select[4][64] __attribute__((aligned(64))) = {S8_SELECT(0), S8_SELECT(1), S8_SELECT(2), S8_SELECT(3)};
#undef S8_SELECT
#undef S8_LANE
#undef S8_Z

// The row's outliers in list order without the padding (their number), or −1 when some value would
// lose bits by the scaling (below 2^−102): then the caller takes the plain path.
static inline long s8_outlier_list(long count, const int32_t *idx, const float *val,
                                                                   s8_outlier *list) {
    long live = 0;
    for (long o = 0; o < count; o++) {
        if (val[o] == 0.0f) continue;  // padding
        const float scaled = val[o] * 0x1p-24f;
        if (scaled * 0x1p24f != val[o]) return -1;
        list[live].offset = (long)(idx[o] / 4) * NR * 4;
        list[live].input = idx[o] % 4;
        list[live].value = scaled;
        live++;
    }
    return live;
}

#endif
