/// OpenCL C: register-blocked, tiled single-precision GEMM, row-major, any M, N, K.
///
/// `C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C`, with `op(A)[i,p] = TRANS_A ? A[p*M+i] : A[i*K+p]`
/// and `op(B)[p,j] = TRANS_B ? B[j*K+p] : B[p*N+j]`. Offsets are in elements.
///
/// Build options (all required): `TRANS_A`, `TRANS_B` (0/1), `TS_M`, `TS_N` (output tile per
/// work-group), `TS_K` (depth of a tile step), `WPT_M`, `WPT_N` (outputs per work-item in each
/// direction). The work-group is `(TS_N/WPT_N, TS_M/WPT_M)`. Tiles are zero-padded at the edges, so
/// no size constraint applies; `beta == 0` never reads `C` (so C may hold garbage, even NaN).
///
/// `gemm_distance` is the same product with the pairwise-distance epilogue
/// `C[i,j] = max(0, xn[i] + yn[j] + alpha * acc)`, used with `alpha = -2` and `B = Y` transposed.
public enum GemmKernels {
    public static let source = KernelSource(name: "gemm", source: #"""
#define RTS_M (TS_M / WPT_M)
#define RTS_N (TS_N / WPT_N)
#define NTHREADS (RTS_M * RTS_N)
#define LPT_A ((TS_M * TS_K + NTHREADS - 1) / NTHREADS)
#define LPT_B ((TS_N * TS_K + NTHREADS - 1) / NTHREADS)

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

    for (int t = kBegin; t < kEnd; t += TS_K) {
        for (int l = 0; l < LPT_A; l++) {
            const int idx = tid + l * NTHREADS;
            if (idx < TS_M * TS_K) {
#if TRANS_A
                const int rk = idx / TS_M, cm = idx % TS_M;
                const int gk = t + rk, gm = offM + cm;
                Asub[rk * (TS_M + 1) + cm] = (gk < kEnd && gm < M) ? A[(size_t)gk * M + gm] : 0.0f;
#else
                const int rm = idx / TS_K, ck = idx % TS_K;
                const int gk = t + ck, gm = offM + rm;
                Asub[ck * (TS_M + 1) + rm] = (gk < kEnd && gm < M) ? A[(size_t)gm * K + gk] : 0.0f;
#endif
            }
        }
        for (int l = 0; l < LPT_B; l++) {
            const int idx = tid + l * NTHREADS;
            if (idx < TS_N * TS_K) {
#if TRANS_B
                const int rn = idx / TS_K, ck = idx % TS_K;
                const int gk = t + ck, gn = offN + rn;
                Bsub[ck * (TS_N + 1) + rn] = (gk < kEnd && gn < N) ? B[(size_t)gn * K + gk] : 0.0f;
#else
                const int rk = idx / TS_N, cn = idx % TS_N;
                const int gk = t + rk, gn = offN + cn;
                Bsub[rk * (TS_N + 1) + cn] = (gk < kEnd && gn < N) ? B[(size_t)gk * N + gn] : 0.0f;
#endif
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = 0; k < TS_K; k++) {
            float breg[WPT_N];
            for (int wn = 0; wn < WPT_N; wn++)
                breg[wn] = Bsub[k * (TS_N + 1) + tidn + wn * RTS_N];
            for (int wm = 0; wm < WPT_M; wm++) {
                const float a = Asub[k * (TS_M + 1) + tidm + wm * RTS_M];
                for (int wn = 0; wn < WPT_N; wn++)
                    acc[wm][wn] = mad(a, breg[wn], acc[wm][wn]);
            }
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
    __local float Asub[TS_K * (TS_M + 1)];
    __local float Bsub[TS_K * (TS_N + 1)];
    float acc[WPT_M][WPT_N];
    gemm_tile_product(M, N, K, 0, K, A + aOffset, B + bOffset, Asub, Bsub, acc);
    const int offM = get_group_id(1) * TS_M + get_local_id(1);
    const int offN = get_group_id(0) * TS_N + get_local_id(0);
    __global float* Cp = C + cOffset;
    for (int wm = 0; wm < WPT_M; wm++) {
        const int gm = offM + wm * RTS_M;
        if (gm >= M) continue;
        for (int wn = 0; wn < WPT_N; wn++) {
            const int gn = offN + wn * RTS_N;
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
    __local float Asub[TS_K * (TS_M + 1)];
    __local float Bsub[TS_K * (TS_N + 1)];
    float acc[WPT_M][WPT_N];
    gemm_tile_product(M, N, K, 0, K, A + aOffset, B, Asub, Bsub, acc);
    const int offM = get_group_id(1) * TS_M + get_local_id(1);
    const int offN = get_group_id(0) * TS_N + get_local_id(0);
    for (int wm = 0; wm < WPT_M; wm++) {
        const int gm = offM + wm * RTS_M;
        if (gm >= M) continue;
        const float xn = xNorms[xNormsOffset + gm];
        for (int wn = 0; wn < WPT_N; wn++) {
            const int gn = offN + wn * RTS_N;
            if (gn >= N) continue;
            C[(size_t)gm * N + gn] = fmax(0.0f, mad(alpha, acc[wm][wn], xn + yNorms[gn]));
        }
    }
}

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
    __local float Asub[TS_K * (TS_M + 1)];
    __local float Bsub[TS_K * (TS_N + 1)];
    float acc[WPT_M][WPT_N];
    const int z = get_group_id(2);
    const int kBegin = z * kSlice, kEnd = min(K, kBegin + kSlice);
    gemm_tile_product(M, N, K, kBegin, kEnd, A + aOffset, B + bOffset, Asub, Bsub, acc);
    const int offM = get_group_id(1) * TS_M + get_local_id(1);
    const int offN = get_group_id(0) * TS_N + get_local_id(0);
    __global float* Pz = P + (size_t)z * M * N;
    for (int wm = 0; wm < WPT_M; wm++) {
        const int gm = offM + wm * RTS_M;
        if (gm >= M) continue;
        for (int wn = 0; wn < WPT_N; wn++) {
            const int gn = offN + wn * RTS_N;
            if (gn < N) Pz[(size_t)gm * N + gn] = acc[wm][wn];
        }
    }
}

__kernel void splitk_reduce(const int count, const int slices, const float alpha, const float beta,
                            __global const float* P, __global float* C, const int cOffset)
{
    const int i = get_global_id(0);
    if (i >= count) return;
    float s = 0.0f;
    for (int z = 0; z < slices; z++) s += P[(size_t)z * count + i];
    const float v = alpha * s;
    C[cOffset + i] = beta == 0.0f ? v : mad(beta, C[cOffset + i], v);
}
"""#)
}
