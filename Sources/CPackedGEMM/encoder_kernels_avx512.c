// The encoder's passes for AVX-512F (16 lanes), compiled for it by function attributes only.
#if defined(__x86_64__)
#define SMALLY_LANES 16
#define SMALLY_TARGET __attribute__((target("avx512f")))
#define SMALLY_NAME(f) f##_avx512
#include "encoder_kernels_simd.h"
#endif
