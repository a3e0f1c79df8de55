/// OpenCL C: GEMM for CPU OpenCL drivers (PoCL), with explicit vector types and no local memory.
///
/// CPU drivers run a work-group as a loop on one core; the tiled GPU kernel's barriers force every
/// work-item's accumulators out of registers there. These kernels instead give each work-item a
/// register block and let the caches do the tiling. Same contract as `GemmKernels` (row-major,
/// offsets in elements, `beta == 0` never reads C).
///
/// Build options: `VW` (vector width, 8 or 16), `RM` (rows per work-item of `gemm_rows`),
/// `DM`, `DN` (block of `gemm_dots`), `TRANS_A`, `TRANS_B` (for `gemm_rows` and `pack_panels`).
/// - `gemm_rows` (any op(B), packed first by `pack_panels`): work-item `(jb, ib)` computes rows
///   `ib*RM ..< +RM`, columns `jb*VW ..< +VW`: `acc[r] += op(A)[i, p] * P[jb][p][0..VW]`, one
///   contiguous vector load and RM scalar loads of A per step. `TRANS_A`: `op(A)[i,p] = A[p*M+i]`.
/// - `gemm_dots` (A not transposed, B transposed, i.e. `A Bt`): work-item `(jb, ib)` computes a
///   `DM x DN` block of dot products of contiguous rows, vectorised along K.
/// - `gemm_dots_distance`: `gemm_dots` with the epilogue `max(0, xn[i] + yn[j] + alpha * acc)`.
public enum GemmVectorKernels {
    public static let source = KernelSource(name: "gemm_vector", source: #"""
#if VW == 16
  typedef float16 floatv;
  #define VLOAD vload16
  #define VSTORE vstore16
  inline float hsum(const float16 v) { const float8 a = v.lo + v.hi; const float4 b = a.lo + a.hi; const float2 c = b.lo + b.hi; return c.x + c.y; }
#else
  typedef float8 floatv;
  #define VLOAD vload8
  #define VSTORE vstore8
  inline float hsum(const float8 v) { const float4 b = v.lo + v.hi; const float2 c = b.lo + b.hi; return c.x + c.y; }
#endif

/// Packs op(B) [K, N] into column panels of width VW: `P[(jb*K + p)*VW + c] = op(B)[p, jb*VW + c]`,
/// zero past N, so `gemm_rows` streams each panel contiguously (no cache-set aliasing at
/// power-of-two N). `TRANS_B` selects `op(B)[p, j] = B[j*K + p]`. One work-item per packed element.
__kernel void pack_panels(const int N, const int K, __global const float* restrict B, const int bOffset,
                          __global float* restrict P)
{
    const int c = get_global_id(0);
    const int p = get_global_id(1);
    const int jb = get_global_id(2);
    if (p >= K) return;
    const int j = jb * VW + c;
#if TRANS_B
    P[((size_t)jb * K + p) * VW + c] = j < N ? B[bOffset + (size_t)j * K + p] : 0.0f;
#else
    P[((size_t)jb * K + p) * VW + c] = j < N ? B[bOffset + (size_t)p * N + j] : 0.0f;
#endif
}

/// `C = alpha op(A) op(B) + beta C` from B packed by `pack_panels`.
__kernel void gemm_rows(const int M, const int N, const int K, const float alpha, const float beta,
                        __global const float* restrict A, const int aOffset,
                        __global const float* restrict P,
                        __global float* C, const int cOffset)
{
    const int jb = get_global_id(0);
    const int j0 = jb * VW;
    const int i0 = get_global_id(1) * RM;
    if (j0 >= N || i0 >= M) return;
    A += aOffset; C += cOffset;
    __global const float* panel = P + (size_t)jb * K * VW;
    floatv acc[RM];
    int row[RM];
    for (int r = 0; r < RM; r++) { acc[r] = (floatv)(0.0f); row[r] = min(i0 + r, M - 1); }
    for (int p = 0; p < K; p++) {
        const floatv b = VLOAD(0, panel + (size_t)p * VW);
        for (int r = 0; r < RM; r++) {
#if TRANS_A
            const float a = A[(size_t)p * M + row[r]];
#else
            const float a = A[(size_t)row[r] * K + p];
#endif
            acc[r] = mad((floatv)(a), b, acc[r]);
        }
    }
    for (int r = 0; r < RM; r++) {
        if (i0 + r >= M) break;
        __global float* out = C + (size_t)(i0 + r) * N + j0;
        floatv v = alpha * acc[r];
        if (j0 + VW <= N) {
            if (beta != 0.0f) v = mad((floatv)(beta), VLOAD(0, out), v);
            VSTORE(v, 0, out);
        } else {
            float lane[VW];
            VSTORE(v, 0, lane);
            for (int c = 0; c < VW && j0 + c < N; c++) out[c] = beta == 0.0f ? lane[c] : mad(beta, out[c], lane[c]);
        }
    }
}

/// Dot products of DM rows of A with DN rows of B (both contiguous along K) into `sums`.
inline void dot_block(const int M, const int N, const int K, const int i0, const int j0,
                      __global const float* restrict A, __global const float* restrict B, float sums[DM][DN])
{
    __global const float* a[DM];
    __global const float* b[DN];
    for (int r = 0; r < DM; r++) a[r] = A + (size_t)min(i0 + r, M - 1) * K;
    for (int c = 0; c < DN; c++) b[c] = B + (size_t)min(j0 + c, N - 1) * K;
    floatv acc[DM][DN];
    for (int r = 0; r < DM; r++) for (int c = 0; c < DN; c++) acc[r][c] = (floatv)(0.0f);
    const int kv = K / VW * VW;
    for (int p = 0; p < kv; p += VW) {
        floatv bv[DN];
        for (int c = 0; c < DN; c++) bv[c] = VLOAD(0, b[c] + p);
        for (int r = 0; r < DM; r++) {
            const floatv av = VLOAD(0, a[r] + p);
            for (int c = 0; c < DN; c++) acc[r][c] = mad(av, bv[c], acc[r][c]);
        }
    }
    for (int r = 0; r < DM; r++) {
        for (int c = 0; c < DN; c++) {
            float s = hsum(acc[r][c]);
            for (int p = kv; p < K; p++) s = mad(a[r][p], b[c][p], s);
            sums[r][c] = s;
        }
    }
}

__kernel void gemm_dots(const int M, const int N, const int K, const float alpha, const float beta,
                        __global const float* restrict A, const int aOffset,
                        __global const float* restrict B, const int bOffset,
                        __global float* C, const int cOffset)
{
    const int j0 = get_global_id(0) * DN;
    const int i0 = get_global_id(1) * DM;
    if (j0 >= N || i0 >= M) return;
    float sums[DM][DN];
    dot_block(M, N, K, i0, j0, A + aOffset, B + bOffset, sums);
    C += cOffset;
    for (int r = 0; r < DM && i0 + r < M; r++) {
        for (int c = 0; c < DN && j0 + c < N; c++) {
            const size_t at = (size_t)(i0 + r) * N + j0 + c;
            const float v = alpha * sums[r][c];
            C[at] = beta == 0.0f ? v : mad(beta, C[at], v);
        }
    }
}

__kernel void gemm_dots_distance(const int M, const int N, const int K, const float alpha,
                                 __global const float* restrict A, const int aOffset,
                                 __global const float* restrict B,
                                 __global const float* restrict xNorms, const int xNormsOffset,
                                 __global const float* restrict yNorms,
                                 __global float* C)
{
    const int j0 = get_global_id(0) * DN;
    const int i0 = get_global_id(1) * DM;
    if (j0 >= N || i0 >= M) return;
    float sums[DM][DN];
    dot_block(M, N, K, i0, j0, A + aOffset, B, sums);
    for (int r = 0; r < DM && i0 + r < M; r++) {
        const float xn = xNorms[xNormsOffset + i0 + r];
        for (int c = 0; c < DN && j0 + c < N; c++)
            C[(size_t)(i0 + r) * N + j0 + c] = fmax(0.0f, mad(alpha, sums[r][c], xn + yNorms[j0 + c]));
    }
}
"""#)
}
