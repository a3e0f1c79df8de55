/// OpenCL C (needs `cl_khr_fp64`): OPTICS's ordering on the device, one step per point visited, in
/// double precision with contraction off, so every value is the host's (Cluster's `OPTICS.order`).
/// The point just visited travels in `next[0]` from one kernel to the next, so the host only
/// enqueues the steps and nothing comes back between them:
/// - `optics_update`: one work-item per point `q` not yet visited (`done[q] == 0`): when the visited
///   point `next[0]` has a finite core distance, `reach[q]` drops to
///   `rint(max(|x_point - x_q|, core[point]) * 1e15) / 1e15` (NumPy's rounding to 15 decimals) if
///   that is smaller, with `pred[q] = point`; each work-group then leaves its smallest `(reach, q)`.
/// - `optics_pick`: one work-group folds the groups' minima (smallest reachability, lowest index on
///   ties), writes the next point to `next[0]` and `order[step]` and marks it visited.
public enum OPTICSKernels {
    public static let source = KernelSource(name: "optics", source: #"""
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#pragma OPENCL FP_CONTRACT OFF
#ifndef WG
#define WG 64
#endif

inline void keep_smaller(__local double* best, __local int* at, const int i, const int j)
{
    if (at[j] >= 0 && (at[i] < 0 || best[j] < best[i] || (best[j] == best[i] && at[j] < at[i]))) { best[i] = best[j]; at[i] = at[j]; }
}

__kernel void optics_update(const int n, const int dim, __global const float* x, __global const int* next, __global const double* core,
                            __global double* reach, __global int* pred, __global const int* done,
                            __global double* groupBest, __global int* groupAt)
{
    const int q = get_global_id(0);
    const int lid = get_local_id(0);
    const int point = next[0];
    __local double best[WG];
    __local int at[WG];
    best[lid] = INFINITY;
    at[lid] = -1;
    if (point >= 0 && q < n && !done[q]) {
        const double pointCore = core[point];
        double r = reach[q];
        if (isfinite(pointCore)) {
            double sum = 0.0;
            for (int j = 0; j < dim; j++) {
                const double t = (double)x[(size_t)point * dim + j] - (double)x[(size_t)q * dim + j];
                sum += t * t;
            }
            const double candidate = rint(fmax(sqrt(sum), pointCore) * 1e15) / 1e15;
            if (candidate < r) { r = candidate; reach[q] = r; pred[q] = point; }
        }
        best[lid] = r;
        at[lid] = q;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) keep_smaller(best, at, lid, lid + s);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) { groupBest[get_group_id(0)] = best[0]; groupAt[get_group_id(0)] = at[0]; }
}

__kernel void optics_pick(const int groups, __global const double* groupBest, __global const int* groupAt,
                          __global int* done, __global int* next, __global int* order, const int step)
{
    const int lid = get_local_id(0);
    __local double best[WG];
    __local int at[WG];
    best[lid] = INFINITY;
    at[lid] = -1;
    for (int g = lid; g < groups; g += WG) {
        const int a = groupAt[g];
        const double b = groupBest[g];
        if (a >= 0 && (at[lid] < 0 || b < best[lid] || (b == best[lid] && a < at[lid]))) { best[lid] = b; at[lid] = a; }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) keep_smaller(best, at, lid, lid + s);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        next[0] = at[0];
        order[step] = at[0];
        if (at[0] >= 0) done[at[0]] = 1;
    }
}
"""#)
}
