/// OpenCL C: losses with their gradients, optimizer updates and dropout.
///
/// Losses write one value per row (cross-entropy) or per element (MSE, BCE) into `terms`; the
/// backend then takes their mean. Gradients are of the mean loss, as PyTorch's defaults.
/// - `softmax_xent`: per row of `logits [rows, classes]` with `m = max_k z_k`,
///   `loss_r = log(sum_k e^(z_k - m)) - (z_label - m)`, `grad[r, k] = (softmax_k - [k == label]) / rows`.
/// - `mse`: `(p - t)^2`, `grad = 2 (p - t) / count`.
/// - `bce`: `-(t max(log p, -100) + (1 - t) max(log(1 - p), -100))`,
///   `grad = (p - t) / max(p (1 - p), 1e-12) / count` (PyTorch's `BCELoss` clamps).
/// - `adam_step`: PyTorch's Adam: `g = grad + wd p; m += (1 - b1)(g - m); v = b2 v + (1 - b2) g^2;
///   p -= stepSize * m / (sqrt(v) / sqrtBias2 + eps)` with `stepSize = lr / (1 - b1^t)` and
///   `sqrtBias2 = sqrt(1 - b2^t)` computed on the host; subnormal `m`, `v` are stored as 0. `adam_steps`: the
///   same update over up to eight tensors in one launch.
/// - `sgd_step`: PyTorch's SGD: `g = grad + wd p`; with momentum `buf = first ? g : mu buf +
///   (1 - dampening) g` (0 when subnormal), `g = nesterov ? g + mu buf : buf`; `p -= lr g`.
/// - `student_t_rows` / `student_t_centroid_grad`: DEC's soft assignments and KL loss (see
///   `ComputeBackend.studentTClustering`): one work-item per row writes `q[i, :]`, its loss term,
///   the weights `g_ij` and `dL/dz_i`; one work-item per centroid entry sums `-g_ij (z_id - mu_jd)`.
/// - `dropout`: `mask[i] = u_i >= p ? 1 / (1 - p) : 0`, `y = x * mask`, where `u_i` in [0, 1) comes
///   from a counter-based hash of `(seed, i)`, so every backend draws the same mask.
public enum TrainingKernels {
    public static let source = KernelSource(name: "training", source: #"""
__kernel void softmax_xent(__global const float* logits, __global const int* labels, const int rows, const int classes,
                           const int wantGradient, __global float* grad, __global float* terms)
{
    const int r = get_global_id(0);
    if (r >= rows) return;
    __global const float* z = logits + (size_t)r * classes;
    float m = -INFINITY;
    for (int k = 0; k < classes; k++) m = fmax(m, z[k]);
    float s = 0.0f;
    for (int k = 0; k < classes; k++) s += exp(z[k] - m);
    const int label = labels[r];
    const float logS = log(s);
    terms[r] = (label >= 0 && label < classes) ? logS - (z[label] - m) : NAN;
    if (wantGradient) {
        const float scale = 1.0f / (float)rows;
        for (int k = 0; k < classes; k++) {
            const float p = exp(z[k] - m - logS);
            grad[(size_t)r * classes + k] = (p - (k == label ? 1.0f : 0.0f)) * scale;
        }
    }
}

__kernel void mse(__global const float* p, __global const float* t, const int count, const int wantGradient,
                  __global float* grad, __global float* terms)
{
    const int i = get_global_id(0);
    if (i >= count) return;
    const float d = p[i] - t[i];
    terms[i] = d * d;
    if (wantGradient) grad[i] = 2.0f * d / (float)count;
}

__kernel void bce(__global const float* p, __global const float* t, const int count, const int wantGradient,
                  __global float* grad, __global float* terms)
{
    const int i = get_global_id(0);
    if (i >= count) return;
    const float x = p[i], y = t[i];
    terms[i] = -(y * fmax(log(x), -100.0f) + (1.0f - y) * fmax(log(1.0f - x), -100.0f));
    if (wantGradient) grad[i] = (x - y) / fmax(x * (1.0f - x), 1e-12f) / (float)count;
}

// Subnormal moments become zero, as on the CPU backend (`Float.flushedToZero`: x86 computes on
// subnormals slowly, and a moment that decays through them never affects a float parameter).
inline float flushed(const float x) { return fabs(x) < FLT_MIN ? 0.0f : x; }

// Adam's update of element i (the one body `adam_step` and `adam_steps` share, so both round alike).
inline void adam_update(__global float* param, __global const float* grad, __global float* m, __global float* v, const int i,
                        const float stepSize, const float beta1, const float beta2, const float eps, const float sqrtBias2,
                        const float weightDecay)
{
    const float p = param[i];
    const float g = weightDecay != 0.0f ? grad[i] + weightDecay * p : grad[i];
    const float mi = flushed(m[i] + (1.0f - beta1) * (g - m[i]));
    const float vi = flushed(beta2 * v[i] + (1.0f - beta2) * g * g);
    m[i] = mi;
    v[i] = vi;
    param[i] = p - stepSize * (mi / (sqrt(vi) / sqrtBias2 + eps));
}

__kernel void adam_step(__global float* param, __global const float* grad, __global float* m, __global float* v,
                        const int count, const float stepSize, const float beta1, const float beta2, const float eps,
                        const float sqrtBias2, const float weightDecay)
{
    const int i = get_global_id(0);
    if (i >= count) return;
    adam_update(param, grad, m, v, i, stepSize, beta1, beta2, eps, sqrtBias2, weightDecay);
}

// Up to eight tensors in one launch: work-item i updates element i - end(t-1) of the first tensor t with i < end(t)
// (the ends cumulative; an unused slot repeats the previous end and so is never picked).
#define ADAM_TENSOR(t) __global float* p##t, __global const float* g##t, __global float* m##t, __global float* v##t, \
                       const int end##t
#define ADAM_PICK(t) if (i < end##t) { \
        adam_update(p##t, g##t, m##t, v##t, i - start, stepSize, beta1, beta2, eps, sqrtBias2, weightDecay); return; } \
    start = end##t;
__kernel void adam_steps(ADAM_TENSOR(0), ADAM_TENSOR(1), ADAM_TENSOR(2), ADAM_TENSOR(3),
                         ADAM_TENSOR(4), ADAM_TENSOR(5), ADAM_TENSOR(6), ADAM_TENSOR(7),
                         const float stepSize, const float beta1, const float beta2, const float eps,
                         const float sqrtBias2, const float weightDecay)
{
    const int i = get_global_id(0);
    int start = 0;
    ADAM_PICK(0) ADAM_PICK(1) ADAM_PICK(2) ADAM_PICK(3) ADAM_PICK(4) ADAM_PICK(5) ADAM_PICK(6) ADAM_PICK(7)
}

__kernel void sgd_step(__global float* param, __global const float* grad, __global float* buf, const int count,
                       const float lr, const float momentum, const float dampening, const float weightDecay,
                       const int nesterov, const int first)
{
    const int i = get_global_id(0);
    if (i >= count) return;
    const float p = param[i];
    float g = weightDecay != 0.0f ? grad[i] + weightDecay * p : grad[i];
    if (momentum != 0.0f) {
        const float b = flushed(first ? g : momentum * buf[i] + (1.0f - dampening) * g);
        buf[i] = b;
        g = nesterov ? g + momentum * b : b;
    }
    param[i] = p - lr * g;
}

inline uint mix32(uint x)
{
    x ^= x >> 16; x *= 0x7feb352dU; x ^= x >> 15; x *= 0x846ca68bU; x ^= x >> 16;
    return x;
}

__kernel void dropout(__global const float* x, __global float* y, __global float* mask, const int count,
                      const float probability, const uint seedLow, const uint seedHigh)
{
    const int i = get_global_id(0);
    if (i >= count) return;
    const uint key = mix32(seedLow ^ mix32(seedHigh));
    const uint h = mix32((uint)i * 0x9E3779B9U ^ key);
    const float u = (float)(h >> 8) * (1.0f / 16777216.0f);
    const float scale = u >= probability ? 1.0f / (1.0f - probability) : 0.0f;
    mask[i] = scale;
    y[i] = x[i] * scale;
}
__kernel void student_t_rows(__global const float* z, __global const float* mu, const int rows, const int dims,
                             const int clusters, const float alpha, __global float* q, __global const float* p,
                             const int wantTarget, const int wantCodesGradient, __global float* terms,
                             __global float* weights, __global float* dz)
{
    const int i = get_global_id(0);
    if (i >= rows) return;
    __global const float* zi = z + (size_t)i * dims;
    __global float* qi = q + (size_t)i * clusters;
    const float exponent = -(alpha + 1.0f) / 2.0f, factor = (alpha + 1.0f) / alpha / (float)rows;
    float total = 0.0f;
    for (int j = 0; j < clusters; j++) {
        float d2 = 0.0f;
        for (int d = 0; d < dims; d++) { const float e = zi[d] - mu[(size_t)j * dims + d]; d2 += e * e; }
        const float base = 1.0f + d2 / alpha;
        qi[j] = base;
        total += pow(base, exponent);
    }
    float term = 0.0f;
    for (int j = 0; j < clusters; j++) {
        const float base = qi[j], qij = pow(base, exponent) / total;
        qi[j] = qij;
        if (wantTarget) {
            const float pij = p[(size_t)i * clusters + j];
            if (pij > 0.0f) term += pij * (log(pij) - log(qij));
            weights[(size_t)i * clusters + j] = factor * (pij - qij) / base;
        }
    }
    if (!wantTarget) return;
    terms[i] = term;
    if (!wantCodesGradient) return;
    for (int d = 0; d < dims; d++) {
        float g = 0.0f;
        for (int j = 0; j < clusters; j++) g += weights[(size_t)i * clusters + j] * (zi[d] - mu[(size_t)j * dims + d]);
        dz[(size_t)i * dims + d] = g;
    }
}

__kernel void student_t_centroid_grad(__global const float* z, __global const float* mu, const int rows, const int dims,
                                      const int clusters, __global const float* weights, __global float* dmu)
{
    const int e = get_global_id(0);
    if (e >= clusters * dims) return;
    const int j = e / dims, d = e % dims;
    const float m = mu[e];
    float g = 0.0f;
    for (int i = 0; i < rows; i++) g -= weights[(size_t)i * clusters + j] * (z[(size_t)i * dims + d] - m);
    dmu[e] = g;
}
"""#)
}
