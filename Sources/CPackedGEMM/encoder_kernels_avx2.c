// The encoder's passes for AVX2 + FMA (8 lanes), compiled for it by function attributes only.
#if defined(__x86_64__)
#define SMALLY_LANES 8
#define SMALLY_TARGET __attribute__((target("avx2,fma")))
#define SMALLY_NAME(f) f##_avx2
#include "encoder_kernels_simd.h"
#endif
