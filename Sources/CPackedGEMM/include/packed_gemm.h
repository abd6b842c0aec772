// Single-threaded matrix products against weights packed once at load time, for the encoder's
// linear layers. BLIS packs the weight matrix again on every call; with the few dozen rows of a
// typical batch that repacking (and the extra trip of the weights through the caches) costs about a
// fifth of each product, so a lane that reuses one packed copy runs its batches ~25 % faster
// (PERFORMANCE.md, "Packed weights").
#ifndef SMALLY_PACKED_GEMM_H
#define SMALLY_PACKED_GEMM_H

#include <stddef.h>

/// Output columns per packed panel (two 8-float AVX registers).
#define SMALLY_PACKED_PANEL 16

/// Packs PyTorch-shaped weights `w[n][k]` (row-major, `n` a multiple of SMALLY_PACKED_PANEL) into
/// `packed` (n * k floats, 32-byte aligned): panel p holds, for every k, the 16 weights of output
/// columns 16p ..< 16p + 16, so the kernel reads each panel front to back.
void smally_pack_weights(const float *w, long n, long k, float *packed);

/// `C[m][n] = A[m][k] · Wᵀ (+ C if accumulate)`, with W packed by smally_pack_weights. Row-major,
/// leading dimensions `lda` and `ldc`; `n` a multiple of SMALLY_PACKED_PANEL.
void smally_gemm_packed(long m, long n, long k, const float *a, long lda, const float *packed,
                        float *c, long ldc, int accumulate);

/// A spin-wait hint (`pause`) for threads that meet at a barrier between the products of one pass.
static inline void smally_spin_pause(void) { __builtin_ia32_pause(); }

#endif
