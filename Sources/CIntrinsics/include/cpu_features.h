#ifndef FMNIST_CPU_FEATURES_H
#define FMNIST_CPU_FEATURES_H
/* Whether this CPU and the operating system support the instruction sets OpenBLAS's kernels use
   (CPUID bits and, through the compiler's runtime, the XGETBV register-state check). 0 off x86-64. */
int fmnist_cpu_has_avx512(void);   /* AVX-512 F, CD, BW, DQ and VL: OpenBLAS's SkylakeX kernels */
int fmnist_cpu_has_avx2_fma(void); /* AVX2 and FMA: OpenBLAS's Haswell kernels */
#endif
