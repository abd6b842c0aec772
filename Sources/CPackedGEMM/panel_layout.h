// The packed weights' panel layout, shared by the fp32 and int8 packing (not part of the module's
// interface): rows of the PyTorch-shaped matrix interleaved in panels of SMALLY_PACKED_PANEL, one
// unit at a time (a float for fp32, a group of 4 int8 inputs for int8).
#ifndef SMALLY_PANEL_LAYOUT_H
#define SMALLY_PANEL_LAYOUT_H

#include <string.h>
#include "packed_gemm.h"

/// `w` is `n` rows of `units` units of `unit_bytes` each (`n` a multiple of the panel width);
/// `packed` gets panel p, unit u, row c of the panel at `((p·units + u)·panel + c)·unit_bytes`.
static inline void smally_pack_panels(const void *w, long n, long units, long unit_bytes, void *packed) {
    const long panel = SMALLY_PACKED_PANEL;
    const char *in = (const char *)w;
    char *out = (char *)packed;
    for (long p = 0; p < n / panel; p++)
        for (long u = 0; u < units; u++)
            for (long c = 0; c < panel; c++)
                memcpy(out + ((p * units + u) * panel + c) * unit_bytes,
                       in + ((p * panel + c) * units + u) * unit_bytes, (size_t)unit_bytes);
}

#endif
