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
/// - `row_topk_gather`: one work-group of `WG` work-items per row, for k in the hundreds, where
///   `row_topk`'s single inserting work-item is the bottleneck (about k ln(n/k) insertions of k/2
///   moves each). Each work-item takes the minimum of its strided columns; the k-th smallest of those
///   `WG` minima, `t`, bounds the row's k-th smallest from above (k distinct columns are <= t), and
///   with `WG >= 2k` about `-WG ln(1 - k/WG)` <= 1.4 WG columns are <= t. Those are gathered into
///   local memory (`C` entries at build time) and bitonic-sorted by (value, column) (Batcher 1968),
///   so every step is parallel and the order is exactly `row_topk`'s. A row with more than `C`
///   entries <= t (heavy ties) falls back to the serial insertion.
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
#ifndef C
#define C 2048
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

/* One row's k smallest by one work-item, the sorted list kept in the output (bv, bi) itself. */
inline void serial_topk_row(__global const float* row, const int cols, const int colOffset, const int k,
                            __global float* bv, __global int* bi)
{
    int filled = 0;
    for (int c = 0; c < cols; c++) {
        const float v = row[c];
        if (isnan(v)) continue;
        if (filled < k || v < bv[k - 1]) insert_sorted(bv, bi, &filled, k, v, c + colOffset);
    }
    for (int j = filled; j < k; j++) { bv[j] = INFINITY; bi[j] = -1; }
}

__kernel void row_topk_serial(const int rows, const int cols, const int colOffset, __global const float* d, const int k,
                              __global int* indices, __global float* values, const int outRow)
{
    const int r = get_global_id(0);
    if (r >= rows) return;
    serial_topk_row(d + (size_t)r * cols, cols, colOffset, k, values + (size_t)(outRow + r) * k, indices + (size_t)(outRow + r) * k);
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

/* Sorts the first P entries (P a power of two, the same for the whole work-group) of (v, ix)
   ascending by (value, index): Batcher's bitonic network, P / 2 compare-exchanges per step. */
inline void bitonic_sort_local(__local float* v, __local int* ix, const int P, const int lid)
{
    for (int size = 2; size <= P; size <<= 1) {
        for (int stride = size >> 1; stride > 0; stride >>= 1) {
            for (int t = lid; t < (P >> 1); t += WG) {
                const int a = 2 * stride * (t / stride) + (t % stride), b = a + stride;
                const float va = v[a], vb = v[b];
                const int ia = ix[a], ib = ix[b];
                const int greater = va > vb || (va == vb && ia > ib);
                if (greater == ((a & size) == 0)) { v[a] = vb; v[b] = va; ix[a] = ib; ix[b] = ia; }
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
    }
}

__kernel void row_topk_gather(const int rows, const int cols, const int colOffset, __global const float* d, const int k,
                              __global int* indices, __global float* values, const int outRow)
{
    const int r = get_group_id(0);
    const int lid = get_local_id(0);
    __local float sv[C];
    __local int si[C];
    __local int count;
    __local float bound;
    __global const float* row = d + (size_t)r * cols;
    __global float* ov = values + (size_t)(outRow + r) * k;
    __global int* oi = indices + (size_t)(outRow + r) * k;

    // 1. Each work-item's minimum over its strided columns (NaN never compares below), then the
    //    k-th smallest of the WG minima: at least k columns are <= it (k <= WG).
    float m = INFINITY;
    for (int c = lid; c < cols; c += WG) { const float v = row[c]; if (v < m) m = v; }
    sv[lid] = m;
    si[lid] = lid;
    if (lid == 0) count = 0;
    barrier(CLK_LOCAL_MEM_FENCE);
    bitonic_sort_local(sv, si, WG, lid);
    if (lid == 0) bound = sv[k - 1];
    barrier(CLK_LOCAL_MEM_FENCE);
    const float t = bound;

    // 2. Gather every column <= t (all non-NaN ones when t is +infinity), sort them, keep k.
    for (int c = lid; c < cols; c += WG) {
        const float v = row[c];
        if (v <= t) {
            const int p = atomic_inc(&count);
            if (p < C) { sv[p] = v; si[p] = c; }
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const int n = count;
    // Every barrier stays outside the branches (P is 0 when the entries did not fit).
    int P = n <= C ? 1 : 0;
    while (P > 0 && P < n) P <<= 1;
    for (int j = n + lid; j < P; j += WG) { sv[j] = INFINITY; si[j] = INT_MAX; }
    barrier(CLK_LOCAL_MEM_FENCE);
    bitonic_sort_local(sv, si, P, lid);
    if (n <= C) {
        for (int j = lid; j < k; j += WG) {
            ov[j] = j < n ? sv[j] : INFINITY;
            oi[j] = j < n ? si[j] + colOffset : -1;
        }
    } else if (lid == 0) {
        serial_topk_row(row, cols, colOffset, k, ov, oi); // more than C columns at or below t (heavy ties)
    }
}
"""#)
}
