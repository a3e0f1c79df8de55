import Foundation

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
    /// Size of the im2col scratch a convolution workspace aims for: small enough to stay in cache
    /// on CPUs, large enough to fill a GPU with one product.
    var convolutionChunkBytes: Int { get }
    /// Whether the work runs on a GPU (OpenCL with GPU kernels), where massively parallel forms of
    /// an algorithm pay off that lose on CPU cores (e.g. UMAP's synchronous epochs).
    var runsOnGPU: Bool { get }

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
    /// Starts the queued ops without waiting for them (`clFlush`); nothing to do where ops run as they are called.
    func flush() throws
    /// Training batches queued before their losses are read back — one host synchronisation per that
    /// many batches (`Trainer.trainEpoch`): 1 where ops finish as they are called (the CPU backend),
    /// more on a device, whose queue then stays busy while the host prepares and queues the next batches
    /// (`TrainingBatchGroups`: `FMNIST_BATCHES_PER_READ` overrides the default).
    var trainingBatchesPerRead: Int { get }

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

    /// For each row `r` of `d [rows, cols]`: its `k` smallest values in ascending order and their
    /// column indices plus `columnOffset` (Int32), written at `values/indices[(outRow + r) * k ..<
    /// (outRow + r + 1) * k]`. Ties keep the lower column first; NaN is never selected; a row with
    /// fewer than `k` numbers is padded with index -1 and +infinity. Selection runs where `d` is: on
    /// a GPU only the `[rows, k]` results are written, and nothing of size `rows x cols` moves.
    func rowTopK(_ d: Buffer, rows: Int, cols: Int, k: Int, columnOffset: Int, indices: Buffer, values: Buffer, outRow: Int) throws

    /// One epoch of UMAP's synchronous layout sweep on the device (`Kernels.UMAPKernels`; the host
    /// version and the maths are Reduce's `UMAPOptimizer`): `y [rows, dims]` moves, each point
    /// reading the others in `old` (the positions when the epoch began); `rowStart [rows + 1]` and
    /// `columns` (Int32) are the graph's CSR rows, `every`, `due` and `dueNegative` its per-edge
    /// sampling schedule (advanced in place). Returns false, doing nothing, on a backend without a
    /// device version (`hasUMAPEpoch`).
    func umapEpoch(y: Buffer, old: Buffer, rowStart: Buffer, columns: Buffer, every: Buffer, due: Buffer, dueNegative: Buffer,
                   rows: Int, dims: Int, step: UMAPEpochStep) throws -> Bool
    /// Whether `umapEpoch` runs on this backend for `dims`-dimensional layouts.
    func hasUMAPEpoch(dims: Int) -> Bool

    /// OPTICS's ordering of `points [rows, dim]` on the device (`Kernels.OPTICSKernels`; the host
    /// version and the definition are Cluster's `OPTICS.order`, whose values it reproduces exactly:
    /// double precision, the same sums and rounding), given the core distances (NumPy-rounded).
    /// One step per point: the reachability updates and the pick of the next point run there and
    /// only the next point's index comes back. nil, doing nothing, where the backend has no device
    /// version or the device no double precision.
    func opticsOrdering(_ points: Buffer, rows: Int, dim: Int, coreDistances: [Double],
                        progress: (Int) -> Void) throws -> (ordering: [Int], reachability: [Double], predecessor: [Int])?

    /// Borůvka's step from the points themselves (`Kernels.BoruvkaKernels`): for every point `r` of
    /// `points [rows, dim]`, the point `c` in another component (`components`, Int32) with the
    /// smallest `(w, c)`, `w = max(|x_r - x_c|, core[r], core[c])` computed exactly as the host does
    /// (double sums in feature order; `core` holds doubles, `makeBuffer(doubles:)`, all zero for
    /// plain distances), at `indices[r]` (Int32, -1 when every point is in `r`'s component). Only the
    /// `rows` indices are written. Returns false, doing nothing, where the backend has no such kernel
    /// (the CPU backend; OpenCL without double precision, above `BoruvkaKernels.maxDimensions`
    /// features, or with `FMNIST_BORUVKA=blocks`): the caller then measures distance blocks.
    func pointsNearestOtherComponent(_ points: Buffer, rows: Int, dim: Int, components: Buffer, core: Buffer,
                                     into indices: Buffer) throws -> Bool

    /// Neighbourhoods within `radius` over a block of squared distances `d [rows, cols]` whose row
    /// `r` is point `rowBase + r`: column `c` counts when `d[r, c] <= radius` (NaN never), when
    /// `columnMask[c] != 0` (Int32; every column without a mask) and when `columns` allows it.
    /// Writes how many at `counts[countsOffset + r]` (Int32). On a GPU nothing of the block moves.
    func rowCountWithin(_ d: Buffer, rows: Int, cols: Int, radius: Float, columnMask: Buffer?, columns: NeighbourColumns,
                        rowBase: Int, counts: Buffer, countsOffset: Int) throws

    /// The columns `rowCountWithin` counts, listed in increasing order at `out[offsets[r] ..<
    /// offsets[r + 1]]` (Int32; `offsets` holds `rows + 1` CSR row pointers, normally the running sum
    /// of the counts; rows whose range is empty are skipped, a short range keeps the first columns).
    func rowColumnsWithin(_ d: Buffer, rows: Int, cols: Int, radius: Float, columnMask: Buffer?, columns: NeighbourColumns,
                          rowBase: Int, offsets: Buffer, into out: Buffer) throws

    /// `out[outOffset + r]` = the smallest `labels[c] >= 0` (Int32) over the columns `c` with
    /// `d[r, c] <= radius` that `columns` allows; -1 when there is none (DBSCAN's border points).
    func rowMinLabelWithin(_ d: Buffer, rows: Int, cols: Int, radius: Float, labels: Buffer, columns: NeighbourColumns,
                           rowBase: Int, into out: Buffer, outOffset: Int) throws

    /// Borůvka's step over a block of squared distances `d [rows, cols]` whose row `r` is point
    /// `rowBase + r` and column `c` point `c`: among the columns in another component
    /// (`components[c] != components[rowBase + r]`, Int32), the one with the smallest mutual
    /// reachability `max(sqrt(max(d[r, c], 0)), core[rowBase + r], core[c])` (plain distance with
    /// `core` all zero), the lowest column on ties: its column at `indices[outOffset + r]` (Int32,
    /// -1 when every column is in the row's component) and that value at `values[outOffset + r]`.
    /// On a GPU only the `rows` results are written.
    func rowNearestOtherComponent(_ d: Buffer, rows: Int, cols: Int, rowBase: Int, components: Buffer, core: Buffer,
                                  indices: Buffer, values: Buffer, outOffset: Int) throws

    /// `out[c * count + i] = labels[i] == c ? 1 : 0` for `c < classes`, `i < count` (`labels` holds
    /// Int32): the indicator matrix whose product with the points gives per-cluster sums.
    func oneHot(_ labels: Buffer, count: Int, classes: Int, into out: Buffer) throws

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

    // MARK: Training primitives (NCHW, row-major). Convolutions build on these in
    // ComputeBackend+Convolution.swift.

    /// `y = conv(x, weight) + bias` over the whole batch of `workspace.geometry`.
    func conv2dForward(_ x: Buffer, weight: Buffer, bias: Buffer?, into y: Buffer, workspace: ConvolutionWorkspace<Self>) throws
    /// `dx = conv^T(dy, weight)`, overwriting `dx`.
    func conv2dBackwardData(_ dy: Buffer, weight: Buffer, into dx: Buffer, workspace: ConvolutionWorkspace<Self>) throws
    /// `dw = sum over images of dY' . im2col(x)^T` (overwrites `dw`) and `db[o] = sum dy[:, o, :, :]`.
    func conv2dBackwardWeights(_ x: Buffer, _ dy: Buffer, weightGradient dw: Buffer, biasGradient db: Buffer?,
                               workspace: ConvolutionWorkspace<Self>) throws

    /// im2col for images `images` of `x [batch, C, H, W]`: `col [patchSize, images.count * OH * OW]`,
    /// `col[(c*KH + i)*KW + j, (n - first)*OH*OW + oh*OW + ow] = x[n, c, oh*SH - PH + i, ow*SW - PW + j]`
    /// (0 in the padding).
    func im2col(_ x: Buffer, geometry: Conv2DGeometry, images: Range<Int>, into col: Buffer) throws
    /// The adjoint of `im2col`: sums each column entry back into the input position it came from,
    /// overwriting `dx` for images `images`.
    func col2im(_ col: Buffer, geometry: Conv2DGeometry, images: Range<Int>, into dx: Buffer) throws
    /// `y[b, a, k] = x[a, b, k]` for `x [a, b, k]` starting at `xOffset`, `y` at `yOffset`.
    func swapLeadingAxes(_ x: Buffer, xOffset: Int, a: Int, b: Int, k: Int, into y: Buffer, yOffset: Int) throws
    /// `x[o, c, i] += bias[c]` for `x [outer, channels, inner]` (dense layers: inner 1; NCHW: outer N, inner H*W).
    func addBias(_ x: Buffer, bias: Buffer, outer: Int, channels: Int, inner: Int) throws
    /// `db[c] = sum over o, i of dy[o, c, i]`.
    func biasGradient(_ dy: Buffer, outer: Int, channels: Int, inner: Int, into db: Buffer) throws

    /// Max-pooling: `y` the window maxima, `indices` (Int32) each maximum's `h * W + w` in its plane.
    func maxPoolForward(_ x: Buffer, geometry: Pool2DGeometry, into y: Buffer, indices: Buffer) throws
    /// `dx[p, h, w]` = sum of `dy` over the windows whose maximum was `(h, w)`; overwrites `dx`.
    func maxPoolBackward(_ dy: Buffer, indices: Buffer, geometry: Pool2DGeometry, into dx: Buffer) throws

    /// Mean softmax cross-entropy of `logits [rows, classes]` against Int32 `labels` into `loss[0]`,
    /// and (when `gradient` is given) its gradient with respect to the logits.
    func softmaxCrossEntropy(logits: Buffer, labels: Buffer, rows: Int, classes: Int, gradient: Buffer?, loss: Buffer) throws
    /// Mean squared error over `count` elements into `loss[0]`, gradient with respect to `prediction`.
    func meanSquaredError(prediction: Buffer, target: Buffer, count: Int, gradient: Buffer?, loss: Buffer) throws
    /// Mean binary cross-entropy of probabilities `prediction` against `target` in [0, 1] (PyTorch's
    /// `BCELoss`, logs clamped at -100), into `loss[0]`, with its gradient.
    func binaryCrossEntropy(prediction: Buffer, target: Buffer, count: Int, gradient: Buffer?, loss: Buffer) throws

    /// DEC's soft assignments and self-training loss (Xie, Girshick and Farhadi 2016, eqs. 1-3; Guo et
    /// al. 2017 for IDEC). Codes `z [rows, dims]`, centroids `mu [clusters, dims]`, row-major:
    /// `q[i, j] = s_ij / sum_k s_ik` with Student's t kernel `s_ij = (1 + |z_i - mu_j|^2 / alpha)^(-(alpha + 1) / 2)`
    /// (DEC uses `alpha = 1`). With `target` p `[rows, clusters]` (rows summing to 1) also
    /// `loss[0] = (1 / rows) sum_i sum_j p_ij log(p_ij / q_ij)` (terms with `p_ij = 0` are 0) and, with
    /// `g_ij = (alpha + 1) / alpha * (p_ij - q_ij) / (1 + |z_i - mu_j|^2 / alpha) / rows`, the gradients
    /// `dL/dz_i = sum_j g_ij (z_i - mu_j)` and `dL/dmu_j = -sum_i g_ij (z_i - mu_j)` (each optional).
    func studentTClustering(codes: Buffer, centroids: Buffer, rows: Int, dims: Int, clusters: Int, alpha: Float,
                            assignments: Buffer, target: Buffer?, loss: Buffer?, codesGradient: Buffer?, centroidsGradient: Buffer?) throws

    /// One Adam step (PyTorch's algorithm and defaults) on `count` parameters, in place. Moments that
    /// fall below the smallest normal float (2^-126) are stored as 0 (see `Float.flushedToZero`).
    func adamStep(parameters: Buffer, gradients: Buffer, firstMoment: Buffer, secondMoment: Buffer, count: Int,
                  settings: AdamSettings, step: Int) throws
    /// `adamStep` on each of `tensors` (one optimizer step of a whole network), with the same settings and step.
    /// Results are each `adamStep`'s bit for bit; a backend may update several tensors per launch (OpenCL: eight).
    func adamSteps(_ tensors: [AdamTensor<Buffer>], settings: AdamSettings, step: Int) throws
    /// One SGD step (PyTorch's algorithm) on `count` parameters, in place; `momentumBuffer` is needed
    /// when `settings.momentum != 0`, and `firstStep` seeds it with the gradient (subnormal values
    /// stored as 0, as Adam's moments).
    func sgdStep(parameters: Buffer, gradients: Buffer, momentumBuffer: Buffer?, count: Int,
                 settings: SGDSettings, firstStep: Bool) throws
    /// Inverted dropout: `mask[i]` is `1/(1-p)` with probability `1-p`, else 0, drawn from a
    /// counter-based hash of `(seed, i)` (the same on every backend); `y = x * mask`.
    func dropout(_ x: Buffer, into y: Buffer, mask: Buffer, count: Int, probability: Float, seed: UInt64) throws
}

/// One tensor of a multi-tensor Adam step (`ComputeBackend.adamSteps`): its `count` values, gradient and moments.
public struct AdamTensor<Buffer> {
    public var parameters: Buffer, gradients: Buffer, firstMoment: Buffer, secondMoment: Buffer
    public var count: Int

    public init(parameters: Buffer, gradients: Buffer, firstMoment: Buffer, secondMoment: Buffer, count: Int) {
        (self.parameters, self.gradients, self.firstMoment, self.secondMoment) = (parameters, gradients, firstMoment, secondMoment)
        self.count = count
    }
}

extension ComputeBackend {
    /// One `adamStep` per tensor (the CPU backend's: its steps run as they are called, so nothing is gained by more).
    public func adamSteps(_ tensors: [AdamTensor<Buffer>], settings: AdamSettings, step: Int) throws {
        for t in tensors {
            try adamStep(parameters: t.parameters, gradients: t.gradients, firstMoment: t.firstMoment, secondMoment: t.secondMoment,
                         count: t.count, settings: settings, step: step)
        }
    }
}

/// Adam's hyper-parameters; defaults are PyTorch's.
public struct AdamSettings: Sendable, Equatable, Codable {
    public var learningRate: Float = 1e-3
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// L2 penalty added to the gradient (PyTorch's `weight_decay`, not AdamW's decoupled decay).
    public var weightDecay: Float = 0
    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0) {
        (self.learningRate, self.beta1, self.beta2, self.epsilon, self.weightDecay) = (learningRate, beta1, beta2, epsilon, weightDecay)
    }

    /// `lr / (1 - beta1^t)` and `sqrt(1 - beta2^t)` for step `t >= 1`, computed in Double.
    public func biasCorrections(step t: Int) -> (stepSize: Float, sqrtBias2: Float) {
        precondition(t >= 1, "Adam steps count from 1")
        let bias1 = 1 - pow(Double(beta1), Double(t)), bias2 = 1 - pow(Double(beta2), Double(t))
        return (Float(Double(learningRate) / bias1), Float(bias2.squareRoot()))
    }
}

/// SGD's hyper-parameters; defaults are PyTorch's (no momentum).
public struct SGDSettings: Sendable, Equatable, Codable {
    public var learningRate: Float = 1e-2
    public var momentum: Float = 0
    public var dampening: Float = 0
    public var weightDecay: Float = 0
    public var nesterov = false
    public init(learningRate: Float = 1e-2, momentum: Float = 0, dampening: Float = 0, weightDecay: Float = 0, nesterov: Bool = false) {
        (self.learningRate, self.momentum, self.dampening, self.weightDecay, self.nesterov) = (learningRate, momentum, dampening, weightDecay, nesterov)
    }
}

/// Elementwise functions for `ComputeBackend.map`. Raw values are the kernel op codes.
public enum UnaryFunction: Int32, CaseIterable, Sendable {
    case relu = 0, sigmoid, tanh, exp, log, square, sqrt, abs, negate, sign
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

/// Which columns of a distance block a row's radius queries consider, row `r` being point
/// `rowBase + r` (see `rowCountWithin`).
public enum NeighbourColumns: Int32, Sendable {
    /// Every column.
    case all = 0
    /// Every column but the row's own point.
    case others = 1
    /// Only later points (`c > rowBase + r`): each pair once.
    case later = 2

    /// Whether column `c` is considered for point `point`.
    @inline(__always) public func allows(_ c: Int, point: Int) -> Bool {
        switch self {
        case .all: true
        case .others: c != point
        case .later: c > point
        }
    }
}
