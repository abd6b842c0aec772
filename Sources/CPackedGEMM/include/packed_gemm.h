// Single-threaded matrix products against weights packed once at load time, for the encoder's
// linear layers. BLIS packs the weight matrix again on every call; with the few dozen rows of a
// typical batch that repacking (and the extra trip of the weights through the caches) costs about a
// fifth of each product, so a lane that reuses one packed copy runs its batches ~25 % faster
// (docs/performance-log.md, "Packed weights").
//
// One reference kernel (portable C) and one per instruction set (AVX2+FMA, AVX-512F on x86-64;
// NEON on ARM64), each compiled for its own target with function attributes, so one binary runs on
// any CPU of its architecture; the caller picks one at start (smally_kernel_available).
#ifndef SMALLY_PACKED_GEMM_H
#define SMALLY_PACKED_GEMM_H

#include <stddef.h>

/// Output columns per packed panel (two 8-float AVX registers, one AVX-512 register, four NEON ones).
#define SMALLY_PACKED_PANEL 16

/// The kernels. Numbering is stable (the Swift side mirrors it).
enum {
    SMALLY_KERNEL_PORTABLE = 0,
    SMALLY_KERNEL_AVX2 = 1,
    SMALLY_KERNEL_AVX512 = 2,
    SMALLY_KERNEL_NEON = 3,
};

/// 1 when this build has `kernel` and this CPU can run it, else 0.
int smally_kernel_available(int kernel);

/// The fastest kernel this CPU can run.
int smally_kernel_best(void);

/// Packs PyTorch-shaped weights `w[n][k]` (row-major, `n` a multiple of SMALLY_PACKED_PANEL) into
/// `packed` (n * k floats, 64-byte aligned): panel p holds, for every k, the 16 weights of output
/// columns 16p ..< 16p + 16, so the kernel reads each panel front to back.
void smally_pack_weights(const float *w, long n, long k, float *packed);

/// `C[m][n] = A[m][k] · Wᵀ (+ C if accumulate)`, with W packed by smally_pack_weights, computed by
/// `kernel` (which must be available). Row-major, leading dimensions `lda` and `ldc`; `n` a multiple
/// of SMALLY_PACKED_PANEL. Every kernel sums over k in order.
void smally_gemm_packed_with(int kernel, long m, long n, long k, const float *a, long lda, const float *packed,
                             float *c, long ldc, int accumulate);

/// The same with the fastest kernel available (tests, tools).
void smally_gemm_packed(long m, long n, long k, const float *a, long lda, const float *packed,
                        float *c, long ldc, int accumulate);

// Per-ISA entry points (the dispatcher calls them; tests call them through smally_gemm_packed_with).
void smally_gemm_portable(long m, long n, long k, const float *a, long lda, const float *packed,
                          float *c, long ldc, int accumulate);
void smally_gemm_avx2(long m, long n, long k, const float *a, long lda, const float *packed,
                      float *c, long ldc, int accumulate);
void smally_gemm_avx512(long m, long n, long k, const float *a, long lda, const float *packed,
                        float *c, long ldc, int accumulate);
void smally_gemm_neon(long m, long n, long k, const float *a, long lda, const float *packed,
                      float *c, long ldc, int accumulate);

/// A spin-wait hint for threads that meet at a barrier between the products of one pass.
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

/// The calling thread's kernel id (Linux; 0 elsewhere): Swift's Glibc module has no `gettid`, and
/// `syscall` is variadic, which Swift cannot call. The inference lanes set their niceness with it.
static inline int smally_thread_id(void) {
#if defined(__linux__)
    return (int)syscall(SYS_gettid);
#else
    return 0;
#endif
}

static inline void smally_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
