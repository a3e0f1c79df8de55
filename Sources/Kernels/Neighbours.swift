/// OpenCL C: per-row selection of the k smallest entries of a distance block `d [rows, cols]`.
///
/// Both kernels write, for row `r`, the k smallest values in ascending order with their column
/// indices plus `colOffset` at `values/indices[(outRow + r) * k ...]`; ties keep the lower column
/// first (columns are scanned in increasing order and a new entry goes after equal ones), NaN is
/// never selected, and a row with fewer than k numbers is padded with index -1 and +infinity.
/// - `row_topk`: one work-group of `WG` work-items per row; each tile of `WG` consecutive columns
///   is read coalesced, entries below the current k-th value are gathered in local memory and the
///   first work-item inserts them, in column order, into the row's sorted list (`K` at build time,
///   `K >= k`). After the first tiles few entries pass the threshold, so the serial part is short.
/// - `row_topk_serial`: one work-item per row, the sorted list kept in the output itself; for CPU
///   drivers and narrow rows.
public enum NeighbourKernels {
    public static let source = KernelSource(name: "neighbours", source: #"""
#ifndef K
#define K 16
#endif
#ifndef WG
#define WG 64
#endif

inline void insert_sorted(__global float* bv, __global int* bi, int* filled, const int k, const float v, const int c)
{
    int p = *filled < k ? *filled : k - 1;
    if (*filled >= k && !(v < bv[k - 1])) return;
    while (p > 0 && bv[p - 1] > v) { bv[p] = bv[p - 1]; bi[p] = bi[p - 1]; p--; }
    bv[p] = v;
    bi[p] = c;
    if (*filled < k) (*filled)++;
}

__kernel void row_topk_serial(const int rows, const int cols, const int colOffset, __global const float* d, const int k,
                              __global int* indices, __global float* values, const int outRow)
{
    const int r = get_global_id(0);
    if (r >= rows) return;
    __global const float* row = d + (size_t)r * cols;
    __global float* bv = values + (size_t)(outRow + r) * k;
    __global int* bi = indices + (size_t)(outRow + r) * k;
    int filled = 0;
    for (int c = 0; c < cols; c++) {
        const float v = row[c];
        if (isnan(v)) continue;
        if (filled < k || v < bv[k - 1]) insert_sorted(bv, bi, &filled, k, v, c + colOffset);
    }
    for (int j = filled; j < k; j++) { bv[j] = INFINITY; bi[j] = -1; }
}

__kernel void row_topk(const int rows, const int cols, const int colOffset, __global const float* d, const int k,
                       __global int* indices, __global float* values, const int outRow)
{
    const int r = get_group_id(0);
    const int lid = get_local_id(0);
    __local float bv[K];
    __local int bi[K];
    __local int candidates[WG];
    __local int found;
    __local int filled;
    if (lid == 0) { found = 0; filled = 0; }
    barrier(CLK_LOCAL_MEM_FENCE);
    __global const float* row = d + (size_t)r * cols;
    for (int base = 0; base < cols; base += WG) {
        const int c = base + lid;
        const float threshold = filled < k ? INFINITY : bv[k - 1];
        if (c < cols) {
            const float v = row[c];
            if (!isnan(v) && (filled < k || v < threshold)) candidates[atomic_inc(&found)] = c;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        if (lid == 0 && found > 0) {
            // Column order within the tile (the atomic order is arbitrary), then insert.
            for (int a = 1; a < found; a++) {
                const int x = candidates[a];
                int b = a;
                while (b > 0 && candidates[b - 1] > x) { candidates[b] = candidates[b - 1]; b--; }
                candidates[b] = x;
            }
            for (int a = 0; a < found; a++) {
                const int cc = candidates[a];
                const float v = row[cc];
                if (filled >= k && !(v < bv[k - 1])) continue;
                int p = filled < k ? filled : k - 1;
                while (p > 0 && bv[p - 1] > v) { bv[p] = bv[p - 1]; bi[p] = bi[p - 1]; p--; }
                bv[p] = v;
                bi[p] = cc + colOffset;
                if (filled < k) filled++;
            }
            found = 0;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int j = lid; j < k; j += WG) {
        values[(size_t)(outRow + r) * k + j] = j < filled ? bv[j] : INFINITY;
        indices[(size_t)(outRow + r) * k + j] = j < filled ? bi[j] : -1;
    }
}
"""#)
}
