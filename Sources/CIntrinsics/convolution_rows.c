#include "convolution_rows.h"
#include "cpu_features.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static int best_level(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    return 0;
#endif
}

/* The level in use, decided once (or by `fmnist_convolution_rows_use_level`); every thread computes the
   same value, so relaxed atomics suffice. */
static int rows_cache = -1;

static int rows_level(void) {
    int level = __atomic_load_n(&rows_cache, __ATOMIC_RELAXED);
    if (level < 0) {
        level = best_level();
        __atomic_store_n(&rows_cache, level, __ATOMIC_RELAXED);
    }
    return level;
}

int fmnist_convolution_rows_available(void) { return rows_level() > 0; }

int fmnist_convolution_rows_level(void) { return rows_level(); }

int fmnist_convolution_rows_use_level(int level) {
    const int best = best_level(), chosen = level < 0 || level > best ? best : level;
    __atomic_store_n(&rows_cache, chosen, __ATOMIC_RELAXED);
    return chosen;
}

#if defined(__x86_64__)
#define AVX512 __attribute__((target("avx512f")))

/* Lanes lo ..< hi of sixteen (clamped to 0 ..< 16), as a mask. */
static inline __mmask16 lane_range(long lo, long hi) {
    if (lo < 0) lo = 0;
    if (hi > 16) hi = 16;
    if (hi <= lo) return 0;
    return (__mmask16)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
}

/* Lane l of the result takes lane 2l of its operand (l < 8), or lane 2l + 1. */
AVX512 static inline __m512i even_lanes(void) {
    return _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 0, 0, 0, 0, 0, 0, 0, 0);
}
AVX512 static inline __m512i odd_lanes(void) {
    return _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 0, 0, 0, 0, 0, 0, 0, 0);
}

/* Scratch for one zero-padded plane: on the stack up to this many floats, else on the heap. */
#define LOCAL_PLANE 4096

/* A (H + 2 PH) x (W + 2 PW) plane with the padding as real zeros and 16 more floats after it, so that every
   16-word load or store a row segment needs stays inside it: `local` when it fits, else allocated (NULL if that
   fails), all zeros. */
static float *padded_plane(const fmnist_patch_geometry *g, float *local) {
    const long rows = g->height + 2 * g->pad_height, width = g->width + 2 * g->pad_width, count = rows * width + 16;
    float *plane = count <= LOCAL_PLANE ? local : malloc(sizeof(float) * (size_t)count);
    if (plane != NULL) memset(plane, 0, sizeof(float) * (size_t)count);
    return plane;
}

/* Copies an H x W plane into the inside of a padded plane from `padded_plane` (its padding stays zero). */
static void fill_padded_plane(float *padded, const fmnist_patch_geometry *g, const float *plane) {
    const long width = g->width + 2 * g->pad_width;
    for (long h = 0; h < g->height; h++)
        memcpy(padded + (h + g->pad_height) * width + g->pad_width, plane + h * g->width, sizeof(float) * (size_t)g->width);
}

/* Each patch row (c, i, j) is read from channel c's zero-padded plane P: out[y*OW + x] = P[y*SH + i][x*SW + j],
   sixteen words of a row of P per unmasked load (permuted to every other word for SW = 2), 16 / SW outputs per
   masked store. */
AVX512 static int im2col_avx512(const float *image, const fmnist_patch_geometry *g, float *cols) {
    const long sw = g->stride_width, step = 16 / sw, spatial = g->out_height * g->out_width;
    const long width = g->width + 2 * g->pad_width;
    float local[LOCAL_PLANE];
    float *padded = padded_plane(g, local);
    if (padded == NULL) return 0;
    const __m512i order = sw == 2 ? even_lanes() : _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    /* Rows of at most 8 outputs go two at a time: lanes x < OW from the first row's input, lanes OW + x from
       the second's (16 + x*SW in permutex2var's numbering). */
    const int paired = 2 * g->out_width <= 16;
    int pair_lanes[16] = {0};
    for (long l = 0; l < 16 && paired; l++)
        pair_lanes[l] = (int)(l < g->out_width ? l * sw : l < 2 * g->out_width ? 16 + (l - g->out_width) * sw : 0);
    const __m512i pairs = _mm512_loadu_si512(pair_lanes);
    for (long c = 0; c < g->channels; c++) {
        fill_padded_plane(padded, g, image + c * g->height * g->width);
        for (long i = 0; i < g->kernel_height; i++)
            for (long j = 0; j < g->kernel_width; j++) {
                float *row = cols + ((c * g->kernel_height + i) * g->kernel_width + j) * spatial;
                long y = 0;
                if (paired)
                    for (; y + 2 <= g->out_height; y += 2) {
                        const float *in = padded + (y * g->stride_height + i) * width + j;
                        const __m512 v = _mm512_permutex2var_ps(_mm512_loadu_ps(in), pairs, _mm512_loadu_ps(in + g->stride_height * width));
                        _mm512_mask_storeu_ps(row + y * g->out_width, lane_range(0, 2 * g->out_width), v);
                    }
                for (; y < g->out_height; y++) {
                    const float *in = padded + (y * g->stride_height + i) * width + j;
                    float *out = row + y * g->out_width;
                    for (long x0 = 0; x0 < g->out_width; x0 += step) {
                        const long n = g->out_width - x0 < step ? g->out_width - x0 : step;
                        const __m512 v = _mm512_permutexvar_ps(order, _mm512_loadu_ps(in + x0 * sw));
                        _mm512_mask_storeu_ps(out + x0, lane_range(0, n), v);
                    }
                }
            }
    }
    if (padded != local) free(padded);
    return 1;
}

/* The output row y = (h + PH - i) / SH whose kernel row i lands on input row h, or -1 when that is not whole or
   not an output; strides 1 and 2 without a division (tens of cycles each, in the col2im kernels' inner loop). */
static inline long output_row(const fmnist_patch_geometry *g, long h, long i) {
    const long numerator = h + g->pad_height - i, sh = g->stride_height;
    if (numerator < 0) return -1;
    const long y = sh == 1 ? numerator : sh == 2 ? numerator >> 1 : numerator / sh;
    return y * sh == numerator && y < g->out_height ? y : -1;
}

/* Most 16-word chunks of a plane row and kernel columns the col2im kernel precomputes lane maps for. */
#define MAX_CHUNK_TAPS 64

/* Gathered rather than scattered (a scatter's overlapping read-modify-writes stall on store forwarding): for
   each 16-word chunk of plane row h, a register sums the taps (i, j) in order, each tap adding, in the lanes
   w whose output x = (w + PW - j) / SW is whole and inside the row, cols[(c, i, j) row][y*OW + x] with
   y = (h + PH - i) / SH (a masked load, a permute and a masked add). For one plane element that is the scalar
   loop's order, i then j (y follows from i), so the sums are bitwise the same. */
AVX512 static int col2im_avx512(const float *cols, long row_stride, const fmnist_patch_geometry *g, long c, float *plane) {
    const long sw = g->stride_width, chunks = (g->width + 15) / 16, taps = g->kernel_width;
    if (chunks * taps > MAX_CHUNK_TAPS) return 0;
    /* Per (chunk, j): the first output column it reads, how many it may read (as a load mask), its lane map and its
       lanes. */
    long first_x[MAX_CHUNK_TAPS];
    __m512i lane_map[MAX_CHUNK_TAPS];
    __mmask16 lanes[MAX_CHUNK_TAPS], loadable[MAX_CHUNK_TAPS];
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (long k = 0; k < chunks; k++)
        for (long j = 0; j < taps; j++) {
            const long e = k * taps + j, first = k * 16 + g->pad_width - j;  /* lane l: w + PW - j = first + l */
            first_x[e] = (first > 0 ? first : 0) / sw;
            const __m512i numerator = _mm512_add_epi32(_mm512_set1_epi32((int)first), iota);
            const __m512i x = sw == 2 ? _mm512_srai_epi32(numerator, 1) : numerator;
            lane_map[e] = _mm512_sub_epi32(x, _mm512_set1_epi32((int)first_x[e]));
            __mmask16 valid = _mm512_cmpge_epi32_mask(numerator, _mm512_setzero_si512()) &
                              _mm512_cmplt_epi32_mask(x, _mm512_set1_epi32((int)g->out_width)) &
                              lane_range(0, g->width - k * 16);
            if (sw == 2) valid &= _mm512_cmpeq_epi32_mask(_mm512_and_si512(numerator, _mm512_set1_epi32(1)), _mm512_setzero_si512());
            lanes[e] = valid;
            loadable[e] = lane_range(0, g->out_width - first_x[e]);
        }
    const float *channel_rows = cols + c * g->kernel_height * g->kernel_width * row_stride;
    for (long h = 0; h < g->height; h++)
        for (long k = 0; k < chunks; k++) {
            __m512 sum = _mm512_setzero_ps();
            for (long i = 0; i < g->kernel_height; i++) {
                const long y = output_row(g, h, i);
                if (y < 0) continue;
                for (long j = 0; j < taps; j++) {
                    const long e = k * taps + j;
                    if (lanes[e] == 0) continue;
                    const float *from = channel_rows + (i * taps + j) * row_stride + y * g->out_width + first_x[e];
                    const __m512 v = _mm512_permutexvar_ps(lane_map[e], _mm512_maskz_loadu_ps(loadable[e], from));
                    sum = _mm512_mask_add_ps(sum, lanes[e], sum, v);
                }
            }
            _mm512_mask_storeu_ps(plane + h * g->width + k * 16, lane_range(0, g->width - k * 16), sum);
        }
    return 1;
}

AVX512 static void max_pool_avx512(const float *plane, long width, long out_height, long out_width, float *out,
                                   int32_t *indices) {
    const __m512i column = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m512i one = _mm512_set1_epi32(1), w = _mm512_set1_epi32((int)width);
    for (long yo = 0; yo < out_height; yo++) {
        const float *top = plane + 2 * yo * width, *bottom = top + width;
        for (long x0 = 0; x0 < out_width; x0 += 8) {
            const long n = out_width - x0 < 8 ? out_width - x0 : 8;
            const __mmask16 inputs = lane_range(0, 2 * n), outputs = lane_range(0, n);
            const __m512 t = _mm512_maskz_loadu_ps(inputs, top + 2 * x0), b = _mm512_maskz_loadu_ps(inputs, bottom + 2 * x0);
            __m512 best = _mm512_permutexvar_ps(even_lanes(), t);
            __m512i at = _mm512_setzero_si512();
            const __m512 candidates[3] = {_mm512_permutexvar_ps(odd_lanes(), t), _mm512_permutexvar_ps(even_lanes(), b),
                                          _mm512_permutexvar_ps(odd_lanes(), b)};
            for (int k = 0; k < 3; k++) {
                const __m512 v = candidates[k];
                const __mmask16 take = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
                best = _mm512_mask_mov_ps(best, take, v);
                at = _mm512_mask_mov_epi32(at, take, _mm512_set1_epi32(k + 1));
            }
            /* (2 yo + at / 2) * W + 2 (x0 + lane) + at % 2 */
            const __m512i row = _mm512_add_epi32(_mm512_set1_epi32((int)(2 * yo)), _mm512_srli_epi32(at, 1));
            const __m512i index = _mm512_add_epi32(
                _mm512_add_epi32(_mm512_mullo_epi32(row, w), _mm512_add_epi32(column, _mm512_set1_epi32((int)(2 * x0)))),
                _mm512_and_si512(at, one));
            _mm512_mask_storeu_ps(out + yo * out_width + x0, outputs, best);
            _mm512_mask_storeu_epi32(indices + yo * out_width + x0, outputs, index);
        }
    }
}

#define AVX2 __attribute__((target("avx2")))

/* The AVX2 forms of im2col and the max pool: eight words a vector, so a stride-2 row segment is two loads, a
   shuffle and a lane permute; masks are vectors (lanes of all ones), and a store runs unmasked wherever the words
   past the row's end are written again later by the same loop. */

/* Lanes l < n of eight (n clamped to 0 ..< 8) as a vector mask. */
AVX2 static inline __m256i lanes_below(long n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n < 0 ? 0 : n > 8 ? 8 : n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* Words 0, 2, 4, 6 of a then of b (take = 0), or words 1, 3, 5, 7 (take = 1). */
AVX2 static inline __m256 every_other_word(__m256 a, __m256 b, int take) {
    const __m256 s = take == 0 ? _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)) : _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(s), _MM_SHUFFLE(3, 1, 2, 0)));
}

AVX2 static int im2col_avx2(const float *image, const fmnist_patch_geometry *g, float *cols) {
    const long sw = g->stride_width, spatial = g->out_height * g->out_width, width = g->width + 2 * g->pad_width;
    float local[LOCAL_PLANE];
    float *padded = padded_plane(g, local);
    if (padded == NULL) return 0;
    for (long c = 0; c < g->channels; c++) {
        fill_padded_plane(padded, g, image + c * g->height * g->width);
        for (long i = 0; i < g->kernel_height; i++)
            for (long j = 0; j < g->kernel_width; j++) {
                float *row = cols + ((c * g->kernel_height + i) * g->kernel_width + j) * spatial;
                for (long y = 0; y < g->out_height; y++) {
                    const float *in = padded + (y * g->stride_height + i) * width + j;
                    for (long x0 = 0; x0 < g->out_width; x0 += 8) {
                        const __m256 v = sw == 2 ? every_other_word(_mm256_loadu_ps(in + 2 * x0), _mm256_loadu_ps(in + 2 * x0 + 8), 0)
                                                 : _mm256_loadu_ps(in + x0);
                        const long at = y * g->out_width + x0;
                        if (at + 8 <= spatial) _mm256_storeu_ps(row + at, v);  /* words past the row come later */
                        else _mm256_maskstore_ps(row + at, lanes_below(g->out_width - x0), v);
                    }
                }
            }
    }
    if (padded != local) free(padded);
    return 1;
}

AVX2 static void max_pool_avx2(const float *plane, long width, long out_height, long out_width, float *out, int32_t *indices) {
    const __m256i column = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14), one = _mm256_set1_epi32(1);
    const __m256i w = _mm256_set1_epi32((int)width);
    for (long yo = 0; yo < out_height; yo++) {
        const float *top = plane + 2 * yo * width, *bottom = top + width;
        for (long x0 = 0; x0 < out_width; x0 += 8) {
            const long n = out_width - x0 < 8 ? out_width - x0 : 8;
            const __m256i low = lanes_below(2 * n), high = lanes_below(2 * n - 8);
            const float *t = top + 2 * x0, *b = bottom + 2 * x0;
            const __m256 t0 = _mm256_maskload_ps(t, low), t1 = _mm256_maskload_ps(t + 8, high);
            const __m256 b0 = _mm256_maskload_ps(b, low), b1 = _mm256_maskload_ps(b + 8, high);
            __m256 best = every_other_word(t0, t1, 0);
            __m256i at = _mm256_setzero_si256();
            const __m256 candidates[3] = {every_other_word(t0, t1, 1), every_other_word(b0, b1, 0), every_other_word(b0, b1, 1)};
            for (int k = 0; k < 3; k++) {
                const __m256 v = candidates[k];
                const __m256 take = _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
                best = _mm256_blendv_ps(best, v, take);
                at = _mm256_blendv_epi8(at, _mm256_set1_epi32(k + 1), _mm256_castps_si256(take));
            }
            const __m256i row = _mm256_add_epi32(_mm256_set1_epi32((int)(2 * yo)), _mm256_srli_epi32(at, 1));
            const __m256i index = _mm256_add_epi32(
                _mm256_add_epi32(_mm256_mullo_epi32(row, w), _mm256_add_epi32(column, _mm256_set1_epi32((int)(2 * x0)))),
                _mm256_and_si256(at, one));
            const __m256i outputs = lanes_below(n);
            _mm256_maskstore_ps(out + yo * out_width + x0, outputs, best);
            _mm256_maskstore_epi32(indices + yo * out_width + x0, outputs, index);
        }
    }
}
#endif

/* Horizontal strides 1 and 2, and outputs whose windows lie inside the padded input (as the convolution
   arithmetic OH = (H + 2 PH - KH) / SH + 1 makes them). */
static int geometry_handled(const fmnist_patch_geometry *g) {
    return (g->stride_width == 1 || g->stride_width == 2) && g->out_height > 0 && g->out_width > 0 &&
           (g->out_height - 1) * g->stride_height + g->kernel_height <= g->height + 2 * g->pad_height &&
           (g->out_width - 1) * g->stride_width + g->kernel_width <= g->width + 2 * g->pad_width;
}

int fmnist_im2col_image(const float *image, const fmnist_patch_geometry *g, float *cols) {
#if defined(__x86_64__)
    const int level = rows_level();
    if (level == 2 && geometry_handled(g)) return im2col_avx512(image, g, cols);
    if (level == 1 && geometry_handled(g)) return im2col_avx2(image, g, cols);
#endif
    (void)image, (void)g, (void)cols;
    return 0;
}

int fmnist_col2im_plane(const float *cols, long row_stride, const fmnist_patch_geometry *g, long channel, float *plane) {
#if defined(__x86_64__)
    const int level = rows_level();
    /* No AVX2 form: one (eight lanes, vector-masked loads, a blend per tap) took 1.3-2x the scalar loop's time. */
    if (level == 2 && geometry_handled(g)) return col2im_avx512(cols, row_stride, g, channel, plane);
#endif
    (void)cols, (void)row_stride, (void)g, (void)channel, (void)plane;
    return 0;
}

int fmnist_max_pool_2x2_plane(const float *plane, long height, long width, long out_height, long out_width,
                              float *out, int32_t *indices) {
    (void)height;
#if defined(__x86_64__)
    const int level = rows_level();
    if (level == 2) max_pool_avx512(plane, width, out_height, out_width, out, indices);
    if (level == 1) max_pool_avx2(plane, width, out_height, out_width, out, indices);
    if (level > 0) return 1;
#endif
    (void)plane, (void)width, (void)out_height, (void)out_width, (void)out, (void)indices;
    return 0;
}
