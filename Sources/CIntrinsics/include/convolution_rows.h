#ifndef FMNIST_CONVOLUTION_ROWS_H
#define FMNIST_CONVOLUTION_ROWS_H
#include <stdint.h>
/* The CPU backend's data movement around its convolution GEMMs, with AVX-512F (or AVX2) vectors: a stride-2
   row of 3x3 patches is seven scattered words, which the scalar loops move one at a time with a bounds check each;
   here a row segment is one or two loads, a permute and a store. Pure copies, and the scalar loops' additions in
   the scalar loops' order, so the results are bit for bit those of the Swift loops (CPUBackend+Convolution.swift,
   CPUBackend+Pooling.swift).

   Each function returns 1 when it did the work, 0 when it did not (neither AVX-512F nor AVX2 — for col2im, no
   AVX-512F —, a stride other than 1 or 2 across, a plane too wide for col2im's lane maps, no memory for a padded
   plane, or level 0 chosen): the caller then runs its scalar loop. Row-major NCHW planes, no aliasing between inputs and outputs. */

/* The convolution geometry of one image: C input channels of H x W, KH x KW kernels, strides SH x SW,
   paddings PH x PW, OH x OW outputs. */
typedef struct {
    long channels, height, width, kernel_height, kernel_width, stride_height, stride_width,
         pad_height, pad_width, out_height, out_width;
} fmnist_patch_geometry;

/* 1 when the kernels below run on this CPU (AVX-512F or AVX2), else 0. */
int fmnist_convolution_rows_available(void);

/* The level the kernels below use: 2 (AVX-512F), 1 (AVX2) or 0 (none: the callers' scalar loops). */
int fmnist_convolution_rows_level(void);

/* Makes the kernels use `level` (2: AVX-512F, 1: AVX2, 0: none, so every call returns 0; negative or more than
   the CPU has: the best it has) and returns the level chosen. For tests of each path. */
int fmnist_convolution_rows_use_level(int level);

/* im2col of one image: cols[((c*KH + i)*KW + j) * OH*OW + y*OW + x] = image[c][y*SH - PH + i][x*SW - PW + j],
   0 where that lies in the padding; `image` is the image's C x H x W block. */
int fmnist_im2col_image(const float *image, const fmnist_patch_geometry *g, float *cols);

/* col2im of one channel: plane[h][w] = sum over (i, j, y, x) with y*SH - PH + i = h, x*SW - PW + j = w of
   cols[((channel*KH + i)*KW + j) * row_stride + y*OW + x], the terms added in the order i, j, y (x is
   unique), starting from 0; `plane` is that channel's H x W plane of the image. */
int fmnist_col2im_plane(const float *cols, long row_stride, const fmnist_patch_geometry *g, long channel, float *plane);

/* 2x2, stride 2, unpadded max pooling of one H x W plane into OH x OW: out[y][x] is the largest of the
   window's four inputs (row-major order, the first of ties, NaN taking over as the scalar loop does:
   v replaces the best when v > best or v is NaN), indices[y][x] its offset h*W + w in the plane. */
int fmnist_max_pool_2x2_plane(const float *plane, long height, long width, long out_height, long out_width,
                              float *out, int32_t *indices);
#endif
