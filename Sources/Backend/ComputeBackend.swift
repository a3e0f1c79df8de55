/// Storage for `count` 4-byte elements (Float32 or Int32) owned by one backend.
///
/// A final class whose `deinit` releases the memory. Offsets and counts passed to backend ops are
/// in elements, never bytes.
public protocol DeviceBuffer: AnyObject {
    var count: Int { get }
}

/// The arithmetic every model and clustering algorithm dispatches through.
///
/// All matrices are row-major. Ops write into caller-supplied outputs and may run asynchronously;
/// `download` and `synchronize` wait for everything queued before them. Data stays on the device
/// between ops. Sizes that do not fit the buffers are programming errors (`precondition`); what a
/// user can cause (allocation beyond the device, a driver failure) throws `BackendError`.
public protocol ComputeBackend: AnyObject {
    associatedtype Buffer: DeviceBuffer

    /// Short identifier: `cpu` or `opencl`.
    var name: String { get }
    /// Human-readable device description, e.g. `NVIDIA H100 (OpenCL 3.0 CUDA)` or `OpenBLAS, 2 threads`.
    var deviceDescription: String { get }

    /// A buffer of `count` 4-byte elements; contents undefined until written.
    func makeBuffer(count: Int) throws -> Buffer
    func upload(_ source: UnsafeBufferPointer<Float>, to buffer: Buffer, offset: Int) throws
    func upload(_ source: UnsafeBufferPointer<Int32>, to buffer: Buffer, offset: Int) throws
    func download(_ buffer: Buffer, offset: Int, into destination: UnsafeMutableBufferPointer<Float>) throws
    func download(_ buffer: Buffer, offset: Int, into destination: UnsafeMutableBufferPointer<Int32>) throws
    /// `buffer[offset ..< offset+count] = value`.
    func fill(_ buffer: Buffer, with value: Float, offset: Int, count: Int) throws
    /// `destination[dstOffset + i] = source[srcOffset + i]` for `i < count`; the ranges must not overlap.
    func copy(_ source: Buffer, srcOffset: Int, to destination: Buffer, dstOffset: Int, count: Int) throws
    /// Waits until every queued op has finished.
    func synchronize() throws

    /// `C[m,n] = alpha * op(A) * op(B) + beta * C`, where `op(A)` is `[m,k]` (stored `[k,m]` when
    /// `transA`) and `op(B)` is `[k,n]` (stored `[n,k]` when `transB`). `beta == 0` never reads `C`.
    func gemm(_ a: Buffer, aOffset: Int, _ b: Buffer, bOffset: Int, into c: Buffer, cOffset: Int,
              m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float) throws

    /// `out[outOffset + r] = sum_c x[offset + r*cols + c]^2` for `r < rows`.
    func rowSquaredNorms(_ x: Buffer, offset: Int, rows: Int, cols: Int, into out: Buffer, outOffset: Int) throws

    /// `out[i, j] = max(0, |x_i|^2 - 2 x_i . y_j + |y_j|^2)` for `x` rows `xOffset/dim ..< +rows` of a
    /// `[*, dim]` matrix and the `yRows` rows of `y`; `out` is `[rows, yRows]`. The squared norms come
    /// precomputed (`xNorms` indexed from `xNormsOffset`, `yNorms` from 0) so chunked callers pay once.
    func squaredDistances(x: Buffer, xOffset: Int, xNorms: Buffer, xNormsOffset: Int, rows: Int,
                          y: Buffer, yNorms: Buffer, yRows: Int, dim: Int, into out: Buffer) throws

    /// For each row `r` of `d [rows, cols]`: the lowest column index holding the row's minimum
    /// (as Int32, at `indices[indicesOffset + r]`) and that minimum (at `minima[minimaOffset + r]`).
    /// NaN is never the minimum; a row of NaN gives index 0.
    func rowArgmin(_ d: Buffer, rows: Int, cols: Int, indices: Buffer, indicesOffset: Int,
                   minima: Buffer, minimaOffset: Int) throws

    /// `y[i] = f(x[i])` for `i < count`; `x` and `y` may be the same buffer.
    func map(_ f: UnaryFunction, _ x: Buffer, into y: Buffer, count: Int) throws
    /// `c[i] = f(a[i], b[i])` for `i < count`; outputs may alias inputs.
    func combine(_ f: BinaryFunction, _ a: Buffer, _ b: Buffer, into c: Buffer, count: Int) throws
    /// `y[i] = alpha * x[i]`.
    func scale(_ x: Buffer, by alpha: Float, into y: Buffer, count: Int) throws
    /// `y[i] += alpha * x[i]`.
    func axpy(alpha: Float, x: Buffer, y: Buffer, count: Int) throws
    /// `dx[i] = f'(.) * dy[i]`, with the derivative written in terms of the activation's output `y`.
    func activationGradient(_ f: Activation, output y: Buffer, gradient dy: Buffer, into dx: Buffer,
                            count: Int) throws
    /// Reduces `x [rows, cols]`: `.eachRow` gives `rows` values, `.eachColumn` gives `cols` values.
    func reduce(_ op: Reduction, _ x: Buffer, rows: Int, cols: Int, along axis: ReductionAxis,
                into out: Buffer) throws
}

/// Elementwise functions for `ComputeBackend.map`. Raw values are the kernel op codes.
public enum UnaryFunction: Int32, CaseIterable, Sendable {
    case relu = 0, sigmoid, tanh, exp, log, square, sqrt, abs, negate
}

/// Elementwise binary functions for `ComputeBackend.combine`. Raw values are the kernel op codes.
public enum BinaryFunction: Int32, CaseIterable, Sendable {
    case add = 0, subtract, multiply, divide, maximum, minimum
}

/// Activations whose gradient `activationGradient` computes from the activation's output.
public enum Activation: Int32, CaseIterable, Sendable {
    /// `dy * (y > 0)`
    case relu = 0
    /// `dy * y * (1 - y)`
    case sigmoid
    /// `dy * (1 - y^2)`
    case tanh
}

/// Reductions for `ComputeBackend.reduce`. Raw values are the kernel op codes.
public enum Reduction: Int32, CaseIterable, Sendable {
    case sum = 0, mean, max, min
}

/// Which way `reduce` folds a `[rows, cols]` matrix.
public enum ReductionAxis: CaseIterable, Sendable {
    /// One value per row (folds across the columns).
    case eachRow
    /// One value per column (folds down the rows).
    case eachColumn
}
