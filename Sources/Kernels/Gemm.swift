/// OpenCL C: register-blocked, tiled single-precision GEMM, row-major, any M, N, K.
///
/// `C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C`, with `op(A)[i,p] = TRANS_A ? A[p*M+i] : A[i*K+p]`
/// and `op(B)[p,j] = TRANS_B ? B[j*K+p] : B[p*N+j]`. Offsets are in elements.
///
/// Build options (all required but `PREFETCH`): `TRANS_A`, `TRANS_B` (0/1), `TS_M`, `TS_N` (output tile per
/// work-group), `TS_K` (depth of a tile step), `WPT_M`, `WPT_N` (outputs per work-item in each
/// direction), `BLOCKED` (0/1). The work-group is `(TS_N/WPT_N, TS_M/WPT_M)`. Tiles are zero-padded at
/// the edges, so no size constraint applies; `beta == 0` never reads `C` (so C may hold garbage, even NaN).
///
/// Which outputs a work-item `(tidn, tidm)` owns: with `BLOCKED 0` rows `tidm + wm * TS_M/WPT_M` and
/// columns `tidn + wn * TS_N/WPT_N` (strided: neighbouring work-items read neighbouring words of the
/// local tiles, one word at a time; tile rows padded by one word against bank conflicts); with
/// `BLOCKED 1` (needs `WPT_M`, `WPT_N` multiples of 4) the contiguous block rows `tidm * WPT_M + wm`,
/// columns `tidn * WPT_N + wn`, so each k step reads its operands from local memory as `float4`s
/// (128-bit shared-memory loads on NVIDIA: a quarter of the load instructions per multiply-add), tile
/// rows padded by four words to keep them 16-byte aligned (the layout of Boehm's "How to optimize a
/// CUDA matmul kernel", kernels 5-6). Both give the same sums in the same order.
///
/// `PREFETCH 1` (optional, default 0) software-pipelines the tile loop: each work-item reads its share of the next
/// tile step from global memory into registers before it multiplies the current step out of local memory, then
/// stores those registers into the local tiles, so the global loads' latency hides behind the multiply-adds (the
/// prefetching of Volkov and Demmel 2008, "Benchmarking GPUs to tune dense linear algebra", and of CLBlast's Xgemm).
/// The same sums in the same order again.
///
/// `gemm_conv_forward` (built with `CONV_FORWARD 1` and a convolution's geometry, `convolutionOptions`) is the
/// convolution as an implicit GEMM: B's tiles gathered from the input images, the output written in NCHW with the bias.
///
/// `gemm_distance` is the same product with the pairwise-distance epilogue
/// `C[i,j] = max(0, xn[i] + yn[j] + alpha * acc)`, used with `alpha = -2` and `B = Y` transposed.
public enum GemmKernels {
    /// Build options that make `gemm_conv_forward` for one convolution geometry: input channels, height, width, kernel
    /// height, width, strides, paddings, output height, width (the order of `ConvolutionKernels.geometryNames`).
    public static func convolutionOptions(_ sizes: [Int]) -> String {
        let names = ConvolutionKernels.geometryNames
        precondition(sizes.count == names.count, "\(names.count) convolution sizes expected, got \(sizes.count)")
        return "-DCONV_FORWARD=1 " + zip(names, sizes).map { "-DCV_\($0)=\($1)" }.joined(separator: " ")
    }

    public static let source = KernelSource(name: "gemm", source: #"""
#define RTS_M (TS_M / WPT_M)
#define RTS_N (TS_N / WPT_N)
#define NTHREADS (RTS_M * RTS_N)
#define LPT_A ((TS_M * TS_K + NTHREADS - 1) / NTHREADS)
#define LPT_B ((TS_N * TS_K + NTHREADS - 1) / NTHREADS)
#if BLOCKED
  #define PAD 4
  #define ROW_OF(wm) ((int)get_local_id(1) * WPT_M + (wm))
  #define COL_OF(wn) ((int)get_local_id(0) * WPT_N + (wn))
#else
  #define PAD 1
  #define ROW_OF(wm) ((int)get_local_id(1) + (wm) * RTS_M)
  #define COL_OF(wn) ((int)get_local_id(0) + (wn) * RTS_N)
#endif
#ifndef PREFETCH
  #define PREFETCH 0
#endif
#define LDA (TS_M + PAD)
#define LDB (TS_N + PAD)
// Load l of a work-item's share of tile step t: the local index it fills and the value (zero past the edges).
#if TRANS_A
  #define A_SLOT(idx) (((idx) / TS_M) * LDA + (idx) % TS_M)
  #define A_VALUE(idx, t) ((t) + (idx) / TS_M < kEnd && offM + (idx) % TS_M < M \
      ? A[(size_t)((t) + (idx) / TS_M) * M + offM + (idx) % TS_M] : 0.0f)
#else
  #define A_SLOT(idx) (((idx) % TS_K) * LDA + (idx) / TS_K)
  #define A_VALUE(idx, t) ((t) + (idx) % TS_K < kEnd && offM + (idx) / TS_K < M \
      ? A[(size_t)(offM + (idx) / TS_K) * K + (t) + (idx) % TS_K] : 0.0f)
#endif
#if TRANS_B
  #define B_SLOT(idx) (((idx) % TS_K) * LDB + (idx) / TS_K)
  #define B_VALUE(idx, t) ((t) + (idx) % TS_K < kEnd && offN + (idx) / TS_K < N \
      ? B[(size_t)(offN + (idx) / TS_K) * K + (t) + (idx) % TS_K] : 0.0f)
#else
  #define B_SLOT(idx) (((idx) / TS_N) * LDB + (idx) % TS_N)
  #define B_VALUE(idx, t) ((t) + (idx) / TS_N < kEnd && offN + (idx) % TS_N < N \
      ? B[(size_t)((t) + (idx) / TS_N) * N + offN + (idx) % TS_N] : 0.0f)
#endif
#if CONV_FORWARD
// Implicit GEMM: B is im2col(x) of a convolution whose geometry is fixed by the build options CV_C, CV_H, CV_W (input),
// CV_KH, CV_KW, CV_SH, CV_SW, CV_PH, CV_PW, CV_OH, CV_OW, read from x as the tile loads need it instead of from a
// columns matrix: B[p, j] = x[n, c, oh*SH - PH + i, ow*SW - PW + jj] for p = (c*KH + i)*KW + jj and
// j = n*OH*OW + oh*OW + ow, zero in the padding (the value `im2col` writes there). Divisions are by constants.
inline float conv_patch(__global const float* restrict x, const int p, const int j)
{
    const int c = p / (CV_KH * CV_KW), r = p % (CV_KH * CV_KW), i = r / CV_KW, jj = r % CV_KW;
    const int n = j / (CV_OH * CV_OW), s = j % (CV_OH * CV_OW), oh = s / CV_OW, ow = s % CV_OW;
    const int h = oh * CV_SH - CV_PH + i, w = ow * CV_SW - CV_PW + jj;
    return (h >= 0 && h < CV_H && w >= 0 && w < CV_W) ? x[(((size_t)n * CV_C + c) * CV_H + h) * CV_W + w] : 0.0f;
}
  #undef B_VALUE
  #define B_VALUE(idx, t) ((t) + (idx) / TS_N < kEnd && offN + (idx) % TS_N < N \
      ? conv_patch(B, (t) + (idx) / TS_N, offN + (idx) % TS_N) : 0.0f)
#endif
// A work-item's share of a tile step: loads l = 0 .. LPT-1, element idx = tid + l * NTHREADS of the tile.
#define FOR_A_LOADS(body) for (int l = 0; l < LPT_A; l++) { const int idx = tid + l * NTHREADS; if (idx < TS_M * TS_K) { body; } }
#define FOR_B_LOADS(body) for (int l = 0; l < LPT_B; l++) { const int idx = tid + l * NTHREADS; if (idx < TS_N * TS_K) { body; } }
#define LOCAL_TILES __local float Asub[TS_K * LDA] __attribute__((aligned(16))); \
                    __local float Bsub[TS_K * LDB] __attribute__((aligned(16)))

inline void gemm_tile_product(const int M, const int N, const int K, const int kBegin, const int kEnd,
                              __global const float* restrict A, __global const float* restrict B,
                              __local float* Asub, __local float* Bsub,
                              float acc[WPT_M][WPT_N])
{
    const int tidn = get_local_id(0);
    const int tidm = get_local_id(1);
    const int tid = tidm * RTS_N + tidn;
    const int offM = get_group_id(1) * TS_M;
    const int offN = get_group_id(0) * TS_N;

    for (int wm = 0; wm < WPT_M; wm++)
        for (int wn = 0; wn < WPT_N; wn++)
            acc[wm][wn] = 0.0f;

#if PREFETCH
    float aNext[LPT_A], bNext[LPT_B];
    if (kBegin < kEnd) {
        FOR_A_LOADS(aNext[l] = A_VALUE(idx, kBegin));
        FOR_B_LOADS(bNext[l] = B_VALUE(idx, kBegin));
    }
#endif
    for (int t = kBegin; t < kEnd; t += TS_K) {
#if PREFETCH
        FOR_A_LOADS(Asub[A_SLOT(idx)] = aNext[l]);
        FOR_B_LOADS(Bsub[B_SLOT(idx)] = bNext[l]);
        barrier(CLK_LOCAL_MEM_FENCE);
        if (t + TS_K < kEnd) {
            FOR_A_LOADS(aNext[l] = A_VALUE(idx, t + TS_K));
            FOR_B_LOADS(bNext[l] = B_VALUE(idx, t + TS_K));
        }
#else
        FOR_A_LOADS(Asub[A_SLOT(idx)] = A_VALUE(idx, t));
        FOR_B_LOADS(Bsub[B_SLOT(idx)] = B_VALUE(idx, t));
        barrier(CLK_LOCAL_MEM_FENCE);
#endif
        for (int k = 0; k < TS_K; k++) {
            float breg[WPT_N];
#if BLOCKED
            float areg[WPT_M];
            __local const float4* av = (__local const float4*)(Asub + k * LDA + tidm * WPT_M);
            __local const float4* bv = (__local const float4*)(Bsub + k * LDB + tidn * WPT_N);
            for (int q = 0; q < WPT_N / 4; q++) vstore4(bv[q], q, breg);
            for (int q = 0; q < WPT_M / 4; q++) vstore4(av[q], q, areg);
            for (int wm = 0; wm < WPT_M; wm++)
                for (int wn = 0; wn < WPT_N; wn++)
                    acc[wm][wn] = mad(areg[wm], breg[wn], acc[wm][wn]);
#else
            for (int wn = 0; wn < WPT_N; wn++)
                breg[wn] = Bsub[k * LDB + tidn + wn * RTS_N];
            for (int wm = 0; wm < WPT_M; wm++) {
                const float a = Asub[k * LDA + tidm + wm * RTS_M];
                for (int wn = 0; wn < WPT_N; wn++)
                    acc[wm][wn] = mad(a, breg[wn], acc[wm][wn]);
            }
#endif
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

__kernel __attribute__((reqd_work_group_size(RTS_N, RTS_M, 1)))
void gemm(const int M, const int N, const int K, const float alpha, const float beta,
          __global const float* restrict A, const int aOffset,
          __global const float* restrict B, const int bOffset,
          __global float* C, const int cOffset)
{
    LOCAL_TILES;
    float acc[WPT_M][WPT_N];
    gemm_tile_product(M, N, K, 0, K, A + aOffset, B + bOffset, Asub, Bsub, acc);
    const int offM = get_group_id(1) * TS_M, offN = get_group_id(0) * TS_N;
    __global float* Cp = C + cOffset;
    for (int wm = 0; wm < WPT_M; wm++) {
        const int gm = offM + ROW_OF(wm);
        if (gm >= M) continue;
        for (int wn = 0; wn < WPT_N; wn++) {
            const int gn = offN + COL_OF(wn);
            if (gn >= N) continue;
            const size_t at = (size_t)gm * N + gn;
            const float v = alpha * acc[wm][wn];
            Cp[at] = (beta == 0.0f) ? v : mad(beta, Cp[at], v);
        }
    }
}

__kernel __attribute__((reqd_work_group_size(RTS_N, RTS_M, 1)))
void gemm_distance(const int M, const int N, const int K, const float alpha,
                   __global const float* restrict A, const int aOffset,
                   __global const float* restrict B,
                   __global const float* restrict xNorms, const int xNormsOffset,
                   __global const float* restrict yNorms,
                   __global float* C)
{
    LOCAL_TILES;
    float acc[WPT_M][WPT_N];
    gemm_tile_product(M, N, K, 0, K, A + aOffset, B, Asub, Bsub, acc);
    const int offM = get_group_id(1) * TS_M, offN = get_group_id(0) * TS_N;
    for (int wm = 0; wm < WPT_M; wm++) {
        const int gm = offM + ROW_OF(wm);
        if (gm >= M) continue;
        const float xn = xNorms[xNormsOffset + gm];
        for (int wn = 0; wn < WPT_N; wn++) {
            const int gn = offN + COL_OF(wn);
            if (gn >= N) continue;
            C[(size_t)gm * N + gn] = fmax(0.0f, mad(alpha, acc[wm][wn], xn + yNorms[gn]));
        }
    }
}

#if CONV_FORWARD
/// `y = conv(x, W) + bias` in one launch (built with `CONV_FORWARD 1`, the geometry's `CV_*` and `TRANS_A 0`,
/// `TRANS_B 0`): the product `W [M = O, K = C*KH*KW] . im2col(x) [K, N = images*OH*OW]` with im2col's entries read
/// from `x` as the tiles load them, and each output written straight to its NCHW place
/// `y[yOffset + (n*O + m)*OH*OW + s]` (column `j = n*OH*OW + s`) plus `bias[m]` when `hasBias` is 1. The same sums
/// in the same order as `im2col`, `gemm` (alpha 1, beta 0), `swap_leading_axes` and `add_bias`, so the same bits.
__kernel __attribute__((reqd_work_group_size(RTS_N, RTS_M, 1)))
void gemm_conv_forward(const int M, const int N, const int K,
                       __global const float* restrict W, __global const float* restrict x, const int xOffset,
                       __global const float* restrict bias, const int hasBias,
                       __global float* y, const int yOffset)
{
    LOCAL_TILES;
    float acc[WPT_M][WPT_N];
    gemm_tile_product(M, N, K, 0, K, W, x + xOffset, Asub, Bsub, acc);
    const int offM = get_group_id(1) * TS_M, offN = get_group_id(0) * TS_N;
    __global float* yp = y + yOffset;
    for (int wm = 0; wm < WPT_M; wm++) {
        const int gm = offM + ROW_OF(wm);
        if (gm >= M) continue;
        const float b = hasBias ? bias[gm] : 0.0f;
        for (int wn = 0; wn < WPT_N; wn++) {
            const int gn = offN + COL_OF(wn);
            if (gn >= N) continue;
            const int n = gn / (CV_OH * CV_OW), s = gn % (CV_OH * CV_OW);
            // acc + 0 would turn -0 into +0: without a bias the product is written as it is.
            yp[((size_t)n * M + gm) * (CV_OH * CV_OW) + s] = hasBias ? acc[wm][wn] + b : acc[wm][wn];
        }
    }
}
#endif

/// Split-K: work-group z multiplies the K slice [z*kSlice, min(K, (z+1)*kSlice)) and writes its
/// raw partial product to P[z][M][N]; `splitk_reduce` then forms C = alpha * sum_z P[z] + beta * C.
/// For products with few output tiles and a long K (weight gradients), which otherwise run on a
/// handful of work-groups.
__kernel __attribute__((reqd_work_group_size(RTS_N, RTS_M, 1)))
void gemm_splitk(const int M, const int N, const int K, const int kSlice,
                 __global const float* restrict A, const int aOffset,
                 __global const float* restrict B, const int bOffset,
                 __global float* P)
{
    LOCAL_TILES;
    float acc[WPT_M][WPT_N];
    const int z = get_group_id(2);
    const int kBegin = z * kSlice, kEnd = min(K, kBegin + kSlice);
    gemm_tile_product(M, N, K, kBegin, kEnd, A + aOffset, B + bOffset, Asub, Bsub, acc);
    const int offM = get_group_id(1) * TS_M, offN = get_group_id(0) * TS_N;
    __global float* Pz = P + (size_t)z * M * N;
    for (int wm = 0; wm < WPT_M; wm++) {
        const int gm = offM + ROW_OF(wm);
        if (gm >= M) continue;
        for (int wn = 0; wn < WPT_N; wn++) {
            const int gn = offN + COL_OF(wn);
            if (gn < N) Pz[(size_t)gm * N + gn] = acc[wm][wn];
        }
    }
}

/// `C = alpha * sum_z P[z] + beta * C` over `count` outputs: `LANES` work-items per output (a power of two up to 64),
/// lane l adding the slices z = l, l + LANES, ... in order, then the lanes pairwise in a fixed tree. Work-groups of 64.
/// With one lane an output's slices are added z = 0, 1, ... as by a plain loop; many lanes keep a GPU's memory busy
/// when few outputs have many slices (a first convolution's weight gradient: 288 outputs, hundreds of slices), which
/// one work-item per output would read one dependent load at a time.
#ifndef LANES
  #define LANES 1
#endif
__kernel __attribute__((reqd_work_group_size(64, 1, 1)))
void splitk_reduce(const int count, const int slices, const float alpha, const float beta,
                   __global const float* P, __global float* C, const int cOffset)
{
    __local float partial[64];
    const int lid = get_local_id(0), lane = lid % LANES;
    const int i = get_group_id(0) * (64 / LANES) + lid / LANES;
    float s = 0.0f;
    if (i < count)
        for (int z = lane; z < slices; z += LANES) s += P[(size_t)z * count + i];
    partial[lid] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int step = LANES / 2; step > 0; step >>= 1) {
        if (lane < step) partial[lid] += partial[lid + step];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lane != 0 || i >= count) return;
    const float v = alpha * partial[lid];
    C[cOffset + i] = beta == 0.0f ? v : mad(beta, C[cOffset + i], v);
}
"""#)
}
