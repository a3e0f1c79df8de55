/// OpenCL C: 2-D max-pooling over NCHW, forward with argmax and backward.
///
/// Geometry arguments: `NC` (batch x channels), `H, W`, `KH, KW`, `SH, SW`, `PH, PW`, `OH, OW`.
/// - `maxpool_forward`: `y[p, oh, ow]` = the largest `x[p, h, w]` in the window (padding never
///   wins; ties keep the first in row-major order and NaN propagates, as in PyTorch), `indices`
///   its `h * W + w`.
/// - `maxpool_backward`: `dx[p, h, w]` = sum of `dy[p, oh, ow]` over the windows whose argmax is
///   `(h, w)` (a gather over the windows covering the element, so overlapping windows need no atomics).
///
/// Built with `geometryOptions` (`-DFIXED_GEOMETRY=1 -DF_H=.. ... -DF_OW=..`), both kernels take every size but `NC`
/// from those constants (the arguments must then agree): one program per pooling geometry, the same values.
public enum PoolingKernels {
    /// The sizes both kernels can take as constants, in their argument order after `NC`.
    static let geometryNames = ["H", "W", "KH", "KW", "SH", "SW", "PH", "PW", "OH", "OW"]

    /// Build options that fix a pooling geometry's sizes after `NC` (height, width, kernel, stride, padding, output
    /// height and width, in the kernels' argument order).
    public static func geometryOptions(_ sizes: [Int]) -> String { FixedGeometry.options(geometryNames, sizes) }

    public static let source = KernelSource(name: "pooling", source: FixedGeometry.preamble(geometryNames) + #"""
__kernel void maxpool_forward(__global const float* x, const int NC, const int H_, const int W_,
                              const int KH_, const int KW_, const int SH_, const int SW_, const int PH_, const int PW_,
                              const int OH_, const int OW_, __global float* y, __global int* indices)
{
    GEOMETRY_SIZES;
    const int e = get_global_id(0);
    if (e >= NC * OH * OW) return;
    const int ow = e % OW, oh = (e / OW) % OH, p = e / (OW * OH);
    __global const float* plane = x + (size_t)p * H * W;
    float best = -INFINITY;
    int at = -1;
    for (int i = 0; i < KH; i++) {
        const int h = oh * SH - PH + i;
        if (h < 0 || h >= H) continue;
        for (int j = 0; j < KW; j++) {
            const int w = ow * SW - PW + j;
            if (w < 0 || w >= W) continue;
            const float v = plane[h * W + w];
            if (at < 0 || v > best || isnan(v)) { best = v; at = h * W + w; }
        }
    }
    y[e] = best;
    indices[e] = at;
}

__kernel void maxpool_backward(__global const float* dy, __global const int* indices, const int NC, const int H_, const int W_,
                               const int KH_, const int KW_, const int SH_, const int SW_, const int PH_, const int PW_,
                               const int OH_, const int OW_, __global float* dx)
{
    GEOMETRY_SIZES;
    const int e = get_global_id(0);
    if (e >= NC * H * W) return;
    const int w = e % W, h = (e / W) % H, p = e / (W * H);
    const int ohLow = max(0, (h + PH - KH + SH) / SH), ohHigh = min(OH - 1, (h + PH) / SH);
    const int owLow = max(0, (w + PW - KW + SW) / SW), owHigh = min(OW - 1, (w + PW) / SW);
    const int self = h * W + w;
    float sum = 0.0f;
    for (int oh = ohLow; oh <= ohHigh; oh++)
        for (int ow = owLow; ow <= owHigh; ow++) {
            const size_t o = ((size_t)p * OH + oh) * OW + ow;
            if (indices[o] == self) sum += dy[o];
        }
    dx[e] = sum;
}
"""#)
}
