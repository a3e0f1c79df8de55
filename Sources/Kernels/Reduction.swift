/// OpenCL C: reductions of a row-major `[rows, cols]` matrix.
///
/// Op codes match `Reduction` in Backend: 0 sum, 1 mean, 2 max, 3 min, 4 sum of squares.
/// - `reduce_rows`: one work-group per row (local size a power of two, `WG` at build time), each
///   work-item folds a strided slice, then a tree in local memory: `out[r] = op_c x[r, c]`. A few long rows go
///   through `reduce_rows_blocks` (blocks of columns in parallel) and `reduce_rows_blocks_finish` instead.
/// - `reduce_columns`: one work-item per column, walking down the rows (reads coalesce across
///   work-items): `out[c] = op_r x[r, c]`; means divide by `meanCount`. Tall matrices first go
///   through `reduce_columns_partial` (blocks of rows in parallel), then `reduce_columns` folds the
///   blocks' partial results.
/// - `row_argmin`: one work-group per row; index of the smallest value, the lowest index on ties,
///   and that value. NaN never wins against a number.
/// - `one_hot`: the `[classes, count]` indicator matrix of Int32 labels.
/// - `reduce_rows_serial`, `row_argmin_serial`: the same results with one work-item per row and no
///   local memory, for CPU drivers (where a work-group per row costs a barrier loop per row) and
///   for narrow rows on GPUs.
public enum ReductionKernels {
    public static let source = KernelSource(name: "reduction", source: #"""
inline float fold_init(const int op)
{
    if (op == 2) return -INFINITY;
    if (op == 3) return INFINITY;
    return 0.0f;
}

inline float fold(const int op, const float acc, const float v)
{
    switch (op) {
        case 2: return fmax(acc, v);
        case 3: return fmin(acc, v);
        case 4: return mad(v, v, acc);
        default: return acc + v;
    }
}

inline float combine(const int op, const float a, const float b)
{
    if (op == 2) return fmax(a, b);
    if (op == 3) return fmin(a, b);
    return a + b;
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void reduce_rows(const int op, const int rows, const int cols, __global const float* x, const int xOffset,
                 __global float* out, const int outOffset)
{
    __local float partial[WG];
    const int r = get_group_id(0);
    const int lid = get_local_id(0);
    __global const float* row = x + xOffset + (size_t)r * cols;
    float acc = fold_init(op);
    for (int c = lid; c < cols; c += WG) acc = fold(op, acc, row[c]);
    partial[lid] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) partial[lid] = combine(op, partial[lid], partial[lid + s]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        float v = partial[0];
        if (op == 1) v = v / (float)cols;
        out[outOffset + r] = v;
    }
}

/// Long rows, few of them (a loss's terms: one row of 200,704 on a batch of the autoencoder): work-group `(b, r)` folds
/// columns `b*colsPerBlock ..< +colsPerBlock` of row `r` as `reduce_rows` folds a row (means fold as sums) into
/// `partial[r*blocks + b]`; `reduce_rows_blocks_finish` combines each row's blocks in order. Many work-groups keep a
/// GPU's memory busy where one per row would be hundreds of loads deep.
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void reduce_rows_blocks(const int op, const int cols, const int colsPerBlock, __global const float* x, const int xOffset,
                        __global float* partials)
{
    __local float partial[WG];
    const int b = get_group_id(0), blocks = get_num_groups(0), r = get_group_id(1);
    const int lid = get_local_id(0);
    const int foldOp = op == 1 ? 0 : op;
    __global const float* row = x + xOffset + (size_t)r * cols;
    const int end = min(cols, (b + 1) * colsPerBlock);
    float acc = fold_init(foldOp);
    for (int c = b * colsPerBlock + lid; c < end; c += WG) acc = fold(foldOp, acc, row[c]);
    partial[lid] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) partial[lid] = combine(foldOp, partial[lid], partial[lid + s]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) partials[(size_t)r * blocks + b] = partial[0];
}

__kernel void reduce_rows_blocks_finish(const int op, const int rows, const int cols, const int blocks,
                                        __global const float* partials, __global float* out, const int outOffset)
{
    const int r = get_global_id(0);
    if (r >= rows) return;
    float acc = partials[(size_t)r * blocks];
    for (int b = 1; b < blocks; b++) acc = combine(op, acc, partials[(size_t)r * blocks + b]);
    if (op == 1) acc = acc / (float)cols;
    out[outOffset + r] = acc;
}

__kernel void reduce_columns(const int op, const int rows, const int cols, __global const float* x,
                             __global float* out, const int meanCount)
{
    const int c = get_global_id(0);
    if (c >= cols) return;
    float acc = fold_init(op);
    for (int r = 0; r < rows; r++) acc = fold(op, acc, x[(size_t)r * cols + c]);
    if (op == 1) acc = acc / (float)meanCount;
    out[c] = acc;
}

/// First pass of a column reduction over many rows: work-item `(c, b)` folds rows
/// `b*rowsPerBlock ..< +rowsPerBlock` of column `c` into `partial[b*cols + c]` (means fold as sums).
__kernel void reduce_columns_partial(const int op, const int rows, const int cols, const int rowsPerBlock,
                                     __global const float* x, __global float* partial)
{
    const int c = get_global_id(0);
    const int b = get_global_id(1);
    if (c >= cols) return;
    const int foldOp = op == 1 ? 0 : op;
    const int end = min(rows, (b + 1) * rowsPerBlock);
    float acc = fold_init(foldOp);
    for (int r = b * rowsPerBlock; r < end; r++) acc = fold(foldOp, acc, x[(size_t)r * cols + c]);
    partial[(size_t)b * cols + c] = acc;
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void row_argmin(const int rows, const int cols, __global const float* d,
                __global int* indices, const int indicesOffset,
                __global float* minima, const int minimaOffset)
{
    __local float best[WG];
    __local int bestAt[WG];
    const int r = get_group_id(0);
    const int lid = get_local_id(0);
    __global const float* row = d + (size_t)r * cols;
    float b = INFINITY;
    int at = cols;
    for (int c = lid; c < cols; c += WG) {
        const float v = row[c];
        if (v < b || (at == cols && !isnan(v) && v == b)) { b = v; at = c; }
    }
    best[lid] = b;
    bestAt[lid] = at;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) {
            const float o = best[lid + s];
            const int oAt = bestAt[lid + s];
            if (o < best[lid] || (o == best[lid] && oAt < bestAt[lid])) { best[lid] = o; bestAt[lid] = oAt; }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        const int i = bestAt[0];
        indices[indicesOffset + r] = i < cols ? i : 0;
        minima[minimaOffset + r] = i < cols ? best[0] : row[0];
    }
}

__kernel void reduce_rows_serial(const int op, const int rows, const int cols, __global const float* x, const int xOffset,
                                 __global float* out, const int outOffset)
{
    const int r = get_global_id(0);
    if (r >= rows) return;
    __global const float* row = x + xOffset + (size_t)r * cols;
    float lanes[8];
    for (int l = 0; l < 8; l++) lanes[l] = fold_init(op);
    int c = 0;
    for (; c + 8 <= cols; c += 8)
        for (int l = 0; l < 8; l++) lanes[l] = fold(op, lanes[l], row[c + l]);
    float acc = fold_init(op);
    for (int l = 0; l < 8; l++) acc = combine(op, acc, lanes[l]);
    for (; c < cols; c++) acc = fold(op, acc, row[c]);
    if (op == 1) acc = acc / (float)cols;
    out[outOffset + r] = acc;
}

__kernel void row_argmin_serial(const int rows, const int cols, __global const float* d,
                                __global int* indices, const int indicesOffset,
                                __global float* minima, const int minimaOffset)
{
    const int r = get_global_id(0);
    if (r >= rows) return;
    __global const float* row = d + (size_t)r * cols;
    float b = INFINITY;
    int at = -1;
    for (int c = 0; c < cols; c++) {
        const float v = row[c];
        if (v < b || (at < 0 && v == b)) { b = v; at = c; }
    }
    indices[indicesOffset + r] = at < 0 ? 0 : at;
    minima[minimaOffset + r] = at < 0 ? row[0] : b;
}

/* out[c, i] = (labels[i] == c) for c < classes, i < count: the indicator matrix whose product with
   the points gives per-cluster sums (K-means centre update as one GEMM). */
__kernel void one_hot(const int count, const int classes, __global const int* labels, __global float* out)
{
    const int i = get_global_id(0);
    const int c = get_global_id(1);
    if (i >= count || c >= classes) return;
    out[(size_t)c * count + i] = labels[i] == c ? 1.0f : 0.0f;
}
"""#)
}
