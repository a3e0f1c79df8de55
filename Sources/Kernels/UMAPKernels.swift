/// OpenCL C: one epoch of UMAP's synchronous layout sweep (Reduce's `UMAPOptimizer`, `synchronous`
/// updates), one work-item per point `i`: for each of its edges due this epoch (`every[e] > 0`,
/// `due[e] <= epoch`), the clipped attraction towards the edge's other end, doubled (the move
/// umap-learn gives the other end too), then the clipped repulsion from each negative sample, all
/// measured against `old` (the positions when the epoch began) and applied to a private copy of
/// `y_i`, written back at the end; the edge's `due` / `dueNegative` schedule advances as on the
/// host. Negative samples from the same SplitMix64-style hash of `(seed, edge, epoch, sample)` as
/// the host, squared distances summed in the host's four interleaved lanes; `pow` may differ from
/// the host's `powf` in the last bits. `D` (build option) >= dims.
public enum UMAPKernels {
    public static let source = KernelSource(name: "umap", source: #"""
#ifndef D
#define D 16
#endif

inline float squared_distance(const float* a, __global const float* b, const int dims)
{
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    int t = 0;
    for (; t + 4 <= dims; t += 4) {
        const float v0 = a[t] - b[t], v1 = a[t + 1] - b[t + 1], v2 = a[t + 2] - b[t + 2], v3 = a[t + 3] - b[t + 3];
        s0 += v0 * v0; s1 += v1 * v1; s2 += v2 * v2; s3 += v3 * v3;
    }
    for (; t < dims; t++) { const float v = a[t] - b[t]; s0 += v * v; }
    return (s0 + s1) + (s2 + s3);
}

inline int negative_sample(const ulong seed, const int edge, const int epoch, const int sample, const int count)
{
    ulong z = seed + (ulong)edge * 0x9E3779B97F4A7C15UL + (ulong)epoch * 0xD1B54A32D192ED03UL + (ulong)sample * 0x8CB92BA72F3D8DD7UL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
    z ^= z >> 31;
    return (int)mul_hi(z, (ulong)count);
}

__kernel void umap_epoch(const int n, const int dims, __global float* y, __global const float* old,
                         __global const int* rowStart, __global const int* columns, __global const float* every,
                         __global float* due, __global float* dueNegative,
                         const float a, const float b, const float gamma, const float alpha, const int epoch,
                         const float negativeRate, const uint seedLow, const uint seedHigh)
{
    const int i = get_global_id(0);
    if (i >= n) return;
    const ulong seed = ((ulong)seedHigh << 32) | (ulong)seedLow;
    const float e = (float)epoch;
    float head[D];
    for (int t = 0; t < dims; t++) head[t] = y[(size_t)i * dims + t];
    for (int edge = rowStart[i]; edge < rowStart[i + 1]; edge++) {
        if (!(every[edge] > 0.0f && due[edge] <= e)) continue;
        const int j = columns[edge];
        __global const float* other = old + (size_t)j * dims;
        const float d2 = squared_distance(head, other, dims);
        if (d2 > 0.0f) {
            const float pb = pow(d2, b);
            const float coefficient = (-2.0f * a * b * pb / d2) / (a * pb + 1.0f);
            for (int t = 0; t < dims; t++) {
                const float g = fmin(4.0f, fmax(-4.0f, coefficient * (head[t] - other[t])));
                head[t] += 2.0f * g * alpha;
            }
        }
        due[edge] += every[edge];
        const float perNegative = every[edge] / negativeRate;
        const int negatives = max(0, (int)((e - dueNegative[edge]) / perNegative));
        for (int s = 0; s < negatives; s++) {
            const int k = negative_sample(seed, edge, epoch, s, n);
            __global const float* sample = old + (size_t)k * dims;
            const float n2 = squared_distance(head, sample, dims);
            if (!(n2 > 0.0f)) continue;
            const float coefficient = 2.0f * gamma * b / ((0.001f + n2) * (a * pow(n2, b) + 1.0f));
            for (int t = 0; t < dims; t++) {
                const float g = fmin(4.0f, fmax(-4.0f, coefficient * (head[t] - sample[t])));
                head[t] += g * alpha;
            }
        }
        dueNegative[edge] += (float)negatives * perNegative;
    }
    for (int t = 0; t < dims; t++) y[(size_t)i * dims + t] = head[t];
}
"""#)
}
