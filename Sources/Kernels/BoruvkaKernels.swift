/// OpenCL C (needs `cl_khr_fp64`): Borůvka's step straight from the points, for few features — no
/// distance block is made, so a round costs `n^2 DIM` arithmetic and `n` results, not `n^2` floats
/// written and read again (the per-component nearest-edge search of GPU HDBSCAN implementations,
/// e.g. cuML's, with the points tiled through local memory as in an N-body step).
///
/// - `points_nearest_other_component`: one work-item per point `r` of `x [n, DIM]` (`DIM` fixed when
///   the program is built, so the point's coordinates stay in registers): among the points `c` with
///   `components[c] != components[r]` the one with the smallest key `(w, c)`, where
///   `w = max(sqrt(sum_j (double(x[r, j]) - double(x[c, j]))^2), core[r], core[c])`, summed in `j`
///   order in double with contraction off — bit for bit the weight the host computes (Cluster's
///   `MinimumSpanningTree`), so the edge a component keeps is the one an exact search keeps.
///   `indices[r]` = that `c`, -1 when every point is in `r`'s component. Columns arrive in tiles of
///   `WG` points in local memory. A column is skipped, never wrongly, when `max(core[r], core[c])`
///   alone exceeds the best weight `b` so far, or when its squared distance summed in float (contraction
///   off, so within a factor `1 + (DIM + 2) 2^-24` of the true sum, or below it where tiny squares
///   flush to zero), shrunk by `1 - (DIM + 4) 2^-23`, still exceeds `T = b^2 (1 + 1e-14)` (above the
///   real `b^2` whatever the rounding): its true distance then exceeds `b`, so its weight cannot win.
///   Only the few columns near the best so far are measured in double, so the kernel runs at about
///   the device's float rate — what matters on GPUs whose double rate is a 32nd or 64th of it.
public enum BoruvkaKernels {
    /// Most features the kernel is built for (the point lives in `DIM` private doubles).
    public static let maxDimensions = 32

    public static let source = KernelSource(name: "boruvka", source: #"""
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#pragma OPENCL FP_CONTRACT OFF
#ifndef WG
#define WG 64
#endif
#ifndef DIM
#define DIM 2
#endif

__kernel void points_nearest_other_component(const int n, __global const float* x, __global const int* components,
                                             __global const double* core, __global int* indices)
{
    const int r = get_global_id(0);
    const int lid = get_local_id(0);
    const int point = r < n ? r : n - 1; // work-items past the end share the tiles' loads and barriers
    __local float tile[WG * DIM];
    __local int tileComponent[WG];
    __local double tileCore[WG];
    float ownFloat[DIM];
    double own[DIM];
    for (int j = 0; j < DIM; j++) {
        ownFloat[j] = x[(size_t)point * DIM + j];
        own[j] = (double)ownFloat[j];
    }
    const int ownComponent = components[point];
    const double ownCore = core[point];
    const double shrink = 1.0 - (DIM + 4) * 0x1p-23;
    double best = INFINITY, threshold = INFINITY;
    int at = -1;
    for (int start = 0; start < n; start += WG) {
        const int m = min(WG, n - start);
        for (int t = lid; t < m * DIM; t += WG) tile[t] = x[(size_t)start * DIM + t];
        if (lid < m) {
            tileComponent[lid] = components[start + lid];
            tileCore[lid] = core[start + lid];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int i = 0; i < m; i++) {
            if (tileComponent[i] == ownComponent) continue;
            const double floor = fmax(ownCore, tileCore[i]);
            if (floor > best) continue;
            float rough = 0.0f;
            for (int j = 0; j < DIM; j++) {
                const float t = ownFloat[j] - tile[i * DIM + j];
                rough += t * t;
            }
            if (rough < INFINITY && (double)rough * shrink > threshold) continue;
            double sum = 0.0;
            for (int j = 0; j < DIM; j++) {
                const double t = own[j] - (double)tile[i * DIM + j];
                sum += t * t;
            }
            if (sum > threshold) continue;
            const double w = fmax(sqrt(sum), floor);
            if (w < best || (at < 0 && w == best)) {
                best = w;
                threshold = best * best * (1.0 + 1e-14);
                at = start + i;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (r < n) indices[r] = at;
}
"""#)
}
