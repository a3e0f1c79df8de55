#ifndef FMNIST_SCAN_H
#define FMNIST_SCAN_H
#if defined(__SSE__)
#include <xmmintrin.h>
#endif
/* The index of the first of values[from ..< count] strictly below `threshold` (NaN never is), or
   `count` when none is: eight values per step with SSE compares on x86-64, one at a time
   elsewhere. For selections where most values lose to the current k-th best (row top-k). */
static inline long fmnist_first_below(const float *values, long from, long count, float threshold) {
    long i = from;
#if defined(__SSE__)
    const __m128 t = _mm_set1_ps(threshold);
    while (i + 8 <= count) {
        int low = _mm_movemask_ps(_mm_cmplt_ps(_mm_loadu_ps(values + i), t));
        int high = _mm_movemask_ps(_mm_cmplt_ps(_mm_loadu_ps(values + i + 4), t));
        int mask = low | (high << 4);
        if (mask) return i + __builtin_ctz((unsigned)mask);
        i += 8;
    }
#endif
    while (i < count && !(values[i] < threshold)) i++;
    return i;
}
#endif
