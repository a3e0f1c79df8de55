/// OpenCL C: elementwise maps, binary combinations, axpy and activation gradients over `n` floats.
///
/// Op codes match `UnaryFunction`, `BinaryFunction` and `Activation` raw values in Backend:
/// - unary: 0 relu, 1 sigmoid, 2 tanh, 3 exp, 4 log, 5 square, 6 sqrt, 7 abs, 8 negate, 9 sign (0 at 0)
/// - binary: 0 add, 1 subtract, 2 multiply, 3 divide, 4 maximum, 5 minimum
/// - activation gradient from the layer's output `y` and upstream gradient `dy`:
///   0 relu `dy * (y > 0)`, 1 sigmoid `dy * y * (1 - y)`, 2 tanh `dy * (1 - y^2)`
/// Sigmoid is evaluated as `1 / (1 + e^-x)` for `x >= 0` and `e^x / (1 + e^x)` otherwise, so it never
/// overflows; the CPU backend uses the same formula.
public enum ElementwiseKernels {
    public static let source = KernelSource(name: "elementwise", source: #"""
inline float stable_sigmoid(const float x)
{
    if (x >= 0.0f) { return 1.0f / (1.0f + exp(-x)); }
    const float e = exp(x);
    return e / (1.0f + e);
}

__kernel void map_unary(const int op, const int n, __global const float* x, __global float* y)
{
    const int i = get_global_id(0);
    if (i >= n) return;
    const float v = x[i];
    float r;
    switch (op) {
        case 0: r = fmax(v, 0.0f); break;
        case 1: r = stable_sigmoid(v); break;
        case 2: r = tanh(v); break;
        case 3: r = exp(v); break;
        case 4: r = log(v); break;
        case 5: r = v * v; break;
        case 6: r = sqrt(v); break;
        case 7: r = fabs(v); break;
        case 8: r = -v; break;
        default: r = v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f); break;
    }
    y[i] = r;
}

__kernel void map_binary(const int op, const int n, __global const float* a, __global const float* b,
                         __global float* c)
{
    const int i = get_global_id(0);
    if (i >= n) return;
    const float u = a[i], v = b[i];
    float r;
    switch (op) {
        case 0: r = u + v; break;
        case 1: r = u - v; break;
        case 2: r = u * v; break;
        case 3: r = u / v; break;
        case 4: r = fmax(u, v); break;
        default: r = fmin(u, v); break;
    }
    c[i] = r;
}

__kernel void scale(const int n, const float alpha, __global const float* x, __global float* y)
{
    const int i = get_global_id(0);
    if (i < n) y[i] = alpha * x[i];
}

__kernel void axpy(const int n, const float alpha, __global const float* x, __global float* y)
{
    const int i = get_global_id(0);
    if (i < n) y[i] = mad(alpha, x[i], y[i]);
}

__kernel void activation_gradient(const int op, const int n, __global const float* y,
                                  __global const float* dy, __global float* dx)
{
    const int i = get_global_id(0);
    if (i >= n) return;
    const float v = y[i], g = dy[i];
    float r;
    switch (op) {
        case 0: r = v > 0.0f ? g : 0.0f; break;
        case 1: r = g * v * (1.0f - v); break;
        default: r = g * (1.0f - v * v); break;
    }
    dx[i] = r;
}
"""#)
}
