/// OpenCL C: per-row neighbourhoods within a radius, over a block of squared distances
/// `d [rows, cols]` whose row `r` is point `rowBase + r` (DBSCAN's passes on the device).
///
/// Which columns count (`passes`): `d[r, c] <= radius` (NaN never), `mask[c] != 0` when `useMask`,
/// and by `mode`: 0 every column, 1 every column but the row's own point (`c != rowBase + r`),
/// 2 only later points (`c > rowBase + r`).
/// - `row_count_within`: `counts[countsOffset + r]` = how many columns pass.
/// - `row_columns_within`: the passing columns in increasing order, written to
///   `columns[offsets[r] ..< offsets[r + 1]]` (CSR row pointers from the counts; a row whose range
///   is empty is skipped).
/// - `row_min_label_within`: `out[outOffset + r]` = the smallest `labels[c] >= 0` over the passing
///   columns, -1 if none.
/// - `row_nearest_other_component`: Borůvka's step — the column in another component (`components`)
///   with the smallest mutual reachability `max(sqrt(d), core[row point], core[c])`, lowest column
///   on ties; -1 and +infinity when there is none.
/// Each comes as a work-group per row (`WG` a power of two; tiles of `WG` consecutive columns read
/// coalesced; the list keeps column order through a prefix sum in local memory) and as `_serial`,
/// one work-item per row, for CPU drivers and narrow rows.
public enum RadiusKernels {
    public static let source = KernelSource(name: "radius", source: #"""
#ifndef WG
#define WG 64
#endif

inline int passes(__global const float* row, const int c, const float radius, __global const int* mask, const int useMask,
                  const int mode, const int self)
{
    if (!(row[c] <= radius)) return 0;
    if (useMask && mask[c] == 0) return 0;
    if (mode == 1) return c != self;
    if (mode == 2) return c > self;
    return 1;
}

__kernel void row_count_within_serial(const int rows, const int cols, __global const float* d, const float radius,
                                      __global const int* mask, const int useMask, const int mode, const int rowBase,
                                      __global int* counts, const int countsOffset)
{
    const int r = get_global_id(0);
    if (r >= rows) return;
    __global const float* row = d + (size_t)r * cols;
    int n = 0;
    for (int c = 0; c < cols; c++) n += passes(row, c, radius, mask, useMask, mode, rowBase + r);
    counts[countsOffset + r] = n;
}

__kernel void row_count_within(const int rows, const int cols, __global const float* d, const float radius,
                               __global const int* mask, const int useMask, const int mode, const int rowBase,
                               __global int* counts, const int countsOffset)
{
    const int r = get_group_id(0);
    const int lid = get_local_id(0);
    __local int partial[WG];
    __global const float* row = d + (size_t)r * cols;
    int n = 0;
    for (int c = lid; c < cols; c += WG) n += passes(row, c, radius, mask, useMask, mode, rowBase + r);
    partial[lid] = n;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) partial[lid] += partial[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) counts[countsOffset + r] = partial[0];
}

__kernel void row_columns_within_serial(const int rows, const int cols, __global const float* d, const float radius,
                                        __global const int* mask, const int useMask, const int mode, const int rowBase,
                                        __global const int* offsets, __global int* columns)
{
    const int r = get_global_id(0);
    if (r >= rows) return;
    int at = offsets[r];
    const int end = offsets[r + 1];
    if (at >= end) return;
    __global const float* row = d + (size_t)r * cols;
    for (int c = 0; c < cols && at < end; c++) {
        if (passes(row, c, radius, mask, useMask, mode, rowBase + r)) columns[at++] = c;
    }
}

__kernel void row_columns_within(const int rows, const int cols, __global const float* d, const float radius,
                                 __global const int* mask, const int useMask, const int mode, const int rowBase,
                                 __global const int* offsets, __global int* columns)
{
    const int r = get_group_id(0);
    const int lid = get_local_id(0);
    __local int scan[WG];
    int at = offsets[r];
    const int end = offsets[r + 1];
    if (at >= end) return; // uniform across the group
    __global const float* row = d + (size_t)r * cols;
    for (int tile = 0; tile < cols; tile += WG) {
        const int c = tile + lid;
        const int flag = c < cols ? passes(row, c, radius, mask, useMask, mode, rowBase + r) : 0;
        scan[lid] = flag;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int s = 1; s < WG; s <<= 1) { // inclusive prefix sum (Hillis and Steele)
            const int v = lid >= s ? scan[lid - s] : 0;
            barrier(CLK_LOCAL_MEM_FENCE);
            scan[lid] += v;
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        if (flag && at + scan[lid] - 1 < end) columns[at + scan[lid] - 1] = c;
        at += scan[WG - 1];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

__kernel void row_min_label_within_serial(const int rows, const int cols, __global const float* d, const float radius,
                                          __global const int* labels, const int mode, const int rowBase,
                                          __global int* out, const int outOffset)
{
    const int r = get_global_id(0);
    if (r >= rows) return;
    __global const float* row = d + (size_t)r * cols;
    int best = INT_MAX;
    for (int c = 0; c < cols; c++) {
        if (labels[c] >= 0 && labels[c] < best && passes(row, c, radius, labels, 0, mode, rowBase + r)) best = labels[c];
    }
    out[outOffset + r] = best == INT_MAX ? -1 : best;
}

__kernel void row_min_label_within(const int rows, const int cols, __global const float* d, const float radius,
                                   __global const int* labels, const int mode, const int rowBase,
                                   __global int* out, const int outOffset)
{
    const int r = get_group_id(0);
    const int lid = get_local_id(0);
    __local int partial[WG];
    __global const float* row = d + (size_t)r * cols;
    int best = INT_MAX;
    for (int c = lid; c < cols; c += WG) {
        if (labels[c] >= 0 && labels[c] < best && passes(row, c, radius, labels, 0, mode, rowBase + r)) best = labels[c];
    }
    partial[lid] = best;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) partial[lid] = min(partial[lid], partial[lid + s]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) out[outOffset + r] = partial[0] == INT_MAX ? -1 : partial[0];
}

inline float mutual_reachability(const float d2, const float coreRow, const float coreColumn)
{
    return fmax(fmax(sqrt(fmax(d2, 0.0f)), coreRow), coreColumn);
}

__kernel void row_nearest_other_component_serial(const int rows, const int cols, __global const float* d, const int rowBase,
                                                 __global const int* components, __global const float* core,
                                                 __global int* indices, __global float* values, const int outOffset)
{
    const int r = get_global_id(0);
    if (r >= rows) return;
    __global const float* row = d + (size_t)r * cols;
    const int own = components[rowBase + r];
    const float ownCore = core[rowBase + r];
    float best = INFINITY;
    int at = -1;
    for (int c = 0; c < cols; c++) {
        if (components[c] == own) continue;
        const float w = mutual_reachability(row[c], ownCore, core[c]);
        if (w < best || (at < 0 && w == best)) { best = w; at = c; }
    }
    indices[outOffset + r] = at;
    values[outOffset + r] = best;
}

__kernel void row_nearest_other_component(const int rows, const int cols, __global const float* d, const int rowBase,
                                          __global const int* components, __global const float* core,
                                          __global int* indices, __global float* values, const int outOffset)
{
    const int r = get_group_id(0);
    const int lid = get_local_id(0);
    __local float best[WG];
    __local int bestAt[WG];
    __global const float* row = d + (size_t)r * cols;
    const int own = components[rowBase + r];
    const float ownCore = core[rowBase + r];
    float b = INFINITY;
    int at = -1;
    for (int c = lid; c < cols; c += WG) {
        if (components[c] == own) continue;
        const float w = mutual_reachability(row[c], ownCore, core[c]);
        if (w < b || (at < 0 && w == b)) { b = w; at = c; }
    }
    best[lid] = b;
    bestAt[lid] = at;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) {
            const float o = best[lid + s];
            const int oAt = bestAt[lid + s];
            if (oAt >= 0 && (bestAt[lid] < 0 || o < best[lid] || (o == best[lid] && oAt < bestAt[lid]))) {
                best[lid] = o;
                bestAt[lid] = oAt;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        indices[outOffset + r] = bestAt[0];
        values[outOffset + r] = best[0];
    }
}
"""#)
}
