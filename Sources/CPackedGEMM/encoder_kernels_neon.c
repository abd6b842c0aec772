// The encoder's passes for ARM64 Advanced SIMD (4 lanes), part of every ARMv8-A core.
#if defined(__aarch64__)
#define SMALLY_LANES 4
#define SMALLY_TARGET
#define SMALLY_NAME(f) f##_neon
#include "encoder_kernels_simd.h"
#endif
