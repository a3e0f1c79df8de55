#include "skinny_products.h"
#include "cpu_features.h"

#if defined(__x86_64__)
#define WIDTH 16
#define TARGET "avx512f"
#define NAME(x) x##_avx512
#include "skinny_products_body.inc"
#undef WIDTH
#undef TARGET
#undef NAME

#define WIDTH 8
#define TARGET "avx2,fma"
#define NAME(x) x##_avx2
#include "skinny_products_body.inc"
#undef WIDTH
#undef TARGET
#undef NAME
#endif

/* The best variant this CPU runs: 2 AVX-512F, 1 AVX2 + FMA, 0 neither. */
static int best_level(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 2 : fmnist_cpu_has_avx2_fma() ? 1 : 0;
#else
    return 0;
#endif
}

/* The variant in use, decided once (or by `fmnist_skinny_products_use_level`); every thread
   computes the same value, so relaxed atomics suffice. */
static int skinny_cache = -1;

static int skinny_level(void) {
    int level = __atomic_load_n(&skinny_cache, __ATOMIC_RELAXED);
    if (level < 0) {
        level = best_level();
        __atomic_store_n(&skinny_cache, level, __ATOMIC_RELAXED);
    }
    return level;
}

int fmnist_skinny_products_available(void) { return skinny_level() > 0; }

int fmnist_skinny_products_use_level(int level) {
    const int best = best_level(), chosen = level < 0 || level > best ? best : level;
    __atomic_store_n(&skinny_cache, chosen, __ATOMIC_RELAXED);
    return chosen;
}

void fmnist_rows_times_transposed(const float *x, long rows, long d, const float *h, long k, float *out) {
#if defined(__x86_64__)
    if (skinny_level() == 2) { rows_times_transposed_avx512(x, rows, d, h, k, out); return; }
    if (skinny_level() == 1) { rows_times_transposed_avx2(x, rows, d, h, k, out); return; }
#endif
    for (long r = 0; r < rows; r++)
        for (long t = 0; t < k; t++) {
            float s = 0;
            for (long j = 0; j < d; j++) s += x[r * d + j] * h[t * d + j];
            out[r * k + t] = s;
        }
}

void fmnist_add_transposed_times_rows(const float *x, long rows, long d, const float *w, long k, float *acc) {
#if defined(__x86_64__)
    if (skinny_level() == 2) { add_transposed_times_rows_avx512(x, rows, d, w, k, acc); return; }
    if (skinny_level() == 1) { add_transposed_times_rows_avx2(x, rows, d, w, k, acc); return; }
#endif
    for (long r = 0; r < rows; r++)
        for (long t = 0; t < k; t++)
            for (long j = 0; j < d; j++) acc[t * d + j] += w[r * k + t] * x[r * d + j];
}
