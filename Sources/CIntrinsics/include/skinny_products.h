#ifndef FMNIST_SKINNY_PRODUCTS_H
#define FMNIST_SKINNY_PRODUCTS_H
/* Products of a tall row-major matrix X [rows, d] with a few (k) rows, without BLAS's packing of X:
   for k much smaller than d (NMF's X H^T and W^T X, k = 2..100) packing X costs as much as the
   multiply-adds. Vector kernels for AVX-512F or AVX2 + FMA, chosen at run time; float32 sums in
   vector lanes, so the last bits differ from BLAS's. Row-major throughout, no aliasing. */

/* 1 when the kernels run on this CPU (AVX-512F, or AVX2 and FMA), else 0: the caller uses BLAS. */
int fmnist_skinny_products_available(void);

/* Makes the kernels below use `level` (2: AVX-512F, 1: AVX2 + FMA, 0: plain C; negative or more
   than the CPU has: the best it has) and returns the level chosen. For tests of each variant. */
int fmnist_skinny_products_use_level(int level);

/* out[r*k + t] = sum_j x[r*d + j] * h[t*d + j] for r < rows, t < k (out = X H^T). */
void fmnist_rows_times_transposed(const float *x, long rows, long d, const float *h, long k, float *out);

/* acc[t*d + j] += sum_r w[r*k + t] * x[r*d + j] for t < k, j < d (acc += W^T X), rows in order. */
void fmnist_add_transposed_times_rows(const float *x, long rows, long d, const float *w, long k, float *acc);
#endif
