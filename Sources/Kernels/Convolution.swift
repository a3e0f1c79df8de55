/// OpenCL C: the pieces of convolution by im2col + GEMM, NCHW layout.
///
/// Geometry arguments, in order: `C, H, W` (input), `KH, KW`, `SH, SW`, `PH, PW`, `OH, OW` (output).
/// - `im2col`: for images `first ..< first + count`, `col[(c*KH + i)*KW + j, (n-first)*OH*OW + oh*OW + ow]
///   = x[n, c, oh*SH - PH + i, ow*SW - PW + j]`, zero outside the image. One work-item per column entry.
/// - `col2im`: the adjoint: `dx[n, c, h, w] = sum col[(c*KH + i)*KW + j, (n-first)*OH*OW + oh*OW + ow]` over
///   every `(i, j, oh, ow)` with `oh*SH - PH + i = h` and `ow*SW - PW + j = w` (a gather, so no atomics).
///   Overwrites `dx` for those images. One work-item per input element.
/// - `swap_leading_axes`: `y[b, a, c] = x[a, b, c]` for `x` of shape `[A, B, C]`.
/// - `add_bias`: `x[o, ch, i] += bias[ch]` for `x` of shape `[outer, channels, inner]`.
/// - `bias_gradient`: `db[ch] = sum over o, i of dy[o, ch, i]`; one work-group of `WG` items per channel (a linear
///   layer's rows); `bias_gradient_blocks` and `bias_gradient_blocks_sum` the same sum in two steps for NCHW planes.
///
/// Built with `-DFIXED_GEOMETRY=1 -DF_C=.. -DF_H=.. ... -DF_OW=..` (`geometryOptions`), `im2col` and `col2im` take
/// the geometry from those constants instead of their arguments (which must then agree): their divisions and
/// remainders by the sizes become multiplications and shifts, and the loops' bounds are known. One program per layer
/// geometry; the same values, bit for bit.
public enum ConvolutionKernels {
    /// The sizes `im2col` and `col2im` can take as constants, in their argument order.
    static let geometryNames = ["C", "H", "W", "KH", "KW", "SH", "SW", "PH", "PW", "OH", "OW"]

    /// Build options that fix a geometry (channels, height, width, kernel, stride, padding, output height and width,
    /// in the kernels' argument order) for `im2col` and `col2im`.
    public static func geometryOptions(_ sizes: [Int]) -> String { FixedGeometry.options(geometryNames, sizes) }

    public static let source = KernelSource(name: "convolution", source: FixedGeometry.preamble(geometryNames) + #"""
__kernel void im2col(__global const float* x, const int first, const int count,
                     const int C_, const int H_, const int W_, const int KH_, const int KW_,
                     const int SH_, const int SW_, const int PH_, const int PW_, const int OH_, const int OW_,
                     __global float* col)
{
    GEOMETRY_SIZES;
    const int columns = count * OH * OW;
    const int q = get_global_id(0);
    const int row = get_global_id(1);
    if (q >= columns || row >= C * KH * KW) return;
    const int ow = q % OW, oh = (q / OW) % OH, n = first + q / (OH * OW);
    const int j = row % KW, i = (row / KW) % KH, c = row / (KH * KW);
    const int h = oh * SH - PH + i, w = ow * SW - PW + j;
    float v = 0.0f;
    if (h >= 0 && h < H && w >= 0 && w < W) v = x[(((size_t)n * C + c) * H + h) * W + w];
    col[(size_t)row * columns + q] = v;
}

__kernel void col2im(__global const float* col, const int first, const int count,
                     const int C_, const int H_, const int W_, const int KH_, const int KW_,
                     const int SH_, const int SW_, const int PH_, const int PW_, const int OH_, const int OW_,
                     __global float* dx)
{
    GEOMETRY_SIZES;
    const int e = get_global_id(0);
    if (e >= count * C * H * W) return;
    const int w = e % W, h = (e / W) % H, c = (e / (W * H)) % C, nl = e / (W * H * C);
    const int columns = count * OH * OW;
    float sum = 0.0f;
    // Output rows whose window covers h: oh*SH - PH <= h <= oh*SH - PH + KH - 1.
    const int ohLow = max(0, (h + PH - KH + SH) / SH), ohHigh = min(OH - 1, (h + PH) / SH);
    const int owLow = max(0, (w + PW - KW + SW) / SW), owHigh = min(OW - 1, (w + PW) / SW);
    for (int oh = ohLow; oh <= ohHigh; oh++) {
        const int i = h + PH - oh * SH;
        if (i < 0 || i >= KH) continue;
        for (int ow = owLow; ow <= owHigh; ow++) {
            const int j = w + PW - ow * SW;
            if (j < 0 || j >= KW) continue;
            sum += col[(size_t)((c * KH + i) * KW + j) * columns + (size_t)nl * OH * OW + oh * OW + ow];
        }
    }
    dx[((size_t)(first + nl) * C + c) * H * W + h * W + w] = sum;
}

__kernel void swap_leading_axes(__global const float* x, const int xOffset, const int A, const int B, const int Cn,
                                __global float* y, const int yOffset)
{
    // Work-items (k, b, a): no division by the run-time sizes.
    const int k = get_global_id(0), b = get_global_id(1), a = get_global_id(2);
    if (k >= Cn || b >= B || a >= A) return;
    y[yOffset + ((size_t)b * A + a) * Cn + k] = x[xOffset + ((size_t)a * B + b) * Cn + k];
}

__kernel void add_bias(__global float* x, __global const float* bias, const int outer, const int channels, const int inner)
{
    // Work-items (i, ch, o): no division by the run-time sizes.
    const int i = get_global_id(0), ch = get_global_id(1), o = get_global_id(2);
    if (i >= inner || ch >= channels || o >= outer) return;
    x[((size_t)o * channels + ch) * inner + i] += bias[ch];
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void bias_gradient(__global const float* dy, const int outer, const int channels, const int inner, __global float* db)
{
    __local float partial[WG];
    const int ch = get_group_id(0);
    const int lid = get_local_id(0);
    float acc = 0.0f;
    for (int t = lid; t < outer * inner; t += WG) {
        const int o = t / inner, i = t % inner;
        acc += dy[((size_t)o * channels + ch) * inner + i];
    }
    partial[lid] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) partial[lid] += partial[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) db[ch] = partial[0];
}

/// The bias gradient of an NCHW tensor in two steps (the GPU family's, for planes of many positions, `inner` > 1):
/// work-group (ch, b) sums channel `ch` over the images `b*IPB .. min(outer, (b+1)*IPB) - 1` — each image's plane
/// contiguous, the work-items striding along it, then a tree in local memory — into `partials[ch*blocks + b]`;
/// `bias_gradient_blocks_sum` adds each channel's blocks in order. Thousands of work-groups instead of one per channel,
/// so a GPU's memory system is kept busy (one per channel left most of its compute units idle and each work-item
/// hundreds of dependent loads deep), and no division by a run-time size.
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void bias_gradient_blocks(__global const float* dy, const int outer, const int channels, const int inner,
                          const int imagesPerBlock, __global float* partials)
{
    __local float partial[WG];
    const int lid = get_local_id(0), ch = get_group_id(1), b = get_group_id(2), blocks = get_num_groups(2);
    const int first = b * imagesPerBlock, last = min(outer, first + imagesPerBlock);
    float acc = 0.0f;
    for (int o = first; o < last; o++) {
        __global const float* plane = dy + ((size_t)o * channels + ch) * inner;
        for (int i = lid; i < inner; i += WG) acc += plane[i];
    }
    partial[lid] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) partial[lid] += partial[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) partials[ch * blocks + b] = partial[0];
}

__kernel void bias_gradient_blocks_sum(__global const float* partials, const int blocks, const int channels,
                                       __global float* db)
{
    const int ch = get_global_id(0);
    if (ch >= channels) return;
    float sum = 0.0f;
    for (int b = 0; b < blocks; b++) sum += partials[ch * blocks + b];
    db[ch] = sum;
}
"""#)
}
