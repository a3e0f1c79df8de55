import Backend
import CBLAS
import Dataset
import Foundation

/// Principal component analysis as scikit-learn's `PCA`: centre the data, project on the
/// directions of largest variance.
///
/// - `exact`: the covariance `C = Xc^T Xc / (n - 1)` (`[d, d]`, one GEMM on the backend) and its
///   largest eigenpairs from LAPACK's `dsyevr` in Double. Same components as an exact SVD.
/// - `randomized`: as scikit-learn's `svd_solver="randomized"`, Halko, Martinsson and Tropp (2011),
///   Algorithm 4.4, with the LU normalisation of Szlam, Kluger and Tygert (2014, "An implementation
///   of a randomized algorithm for principal component analysis"): a Gaussian sketch with
///   `k + oversamples` columns, `powerIterations` rounds of `Xc (Xc^T Q)` kept well conditioned by
///   LU factors (scikit-learn's `power_iteration_normalizer="auto"`), an orthonormal basis by QR
///   (LAPACK `dgeqrf` / `dorgqr`), then the small SVD of `B = Q^T Xc` through the eigenpairs of
///   `B B^T`. The products with `Xc` run on the backend.
///
/// Signs follow scikit-learn (>= 1.5): each component's largest-magnitude entry is positive.
/// Explained variance is `s^2 / (n - 1)`, its ratio relative to the total variance; `whiten`
/// divides each projected coordinate by `sqrt(explained variance)`, at least float32's epsilon as
/// scikit-learn clips it.
public enum PCA {
    public enum Solver: String, CaseIterable, Sendable { case exact, randomized }

    public struct Configuration: Sendable {
        public var components = 2
        public var solver = Solver.exact
        public var whiten = false
        /// Randomized solver: extra sketch columns (scikit-learn's `n_oversamples`) and power
        /// iterations (scikit-learn's `iterated_power="auto"`: 7 when `components < 0.1 min(n, d)`, else 4).
        public var oversamples = 10
        public var powerIterations: Int?
        public var seed: UInt64 = 0
        public init(components: Int = 2) { self.components = components }
    }

    /// A fitted PCA: enough to transform new data (`--save-model`, `--transform-with`).
    public struct Model: Sendable, Equatable {
        /// `[d]` feature means.
        public var mean: [Float]
        /// `[k, d]` unit principal axes, by decreasing variance.
        public var components: [Float]
        public var explainedVariance: [Double]
        public var explainedVarianceRatio: [Double]
        public var whiten: Bool
        public var dim: Int { mean.count }
        public var count: Int { explainedVariance.count }

        public init(mean: [Float], components: [Float], explainedVariance: [Double], explainedVarianceRatio: [Double], whiten: Bool) {
            (self.mean, self.components, self.explainedVariance) = (mean, components, explainedVariance)
            (self.explainedVarianceRatio, self.whiten) = (explainedVarianceRatio, whiten)
        }

        /// `(x - mean) components^T` (divided by `sqrt(variance)` when whitening), `[n, k]`, one GEMM
        /// on the backend.
        public func transform<B: ComputeBackend>(_ x: [Float], rows n: Int, backend: B) throws -> [Float] {
            precondition(x.count == n * dim, "PCA.transform: \(x.count) values for \(n) x \(dim)")
            var centred = x
            centred.withUnsafeMutableBufferPointer { c in
                parallelFor(n, grain: 256) { range in for i in range { for j in 0 ..< dim { c[i * dim + j] -= mean[j] } } }
            }
            let k = count
            let a = try backend.makeBuffer(centred), w = try backend.makeBuffer(components), out = try backend.makeBuffer(count: n * k)
            try backend.gemm(a, aOffset: 0, w, bOffset: 0, into: out, cOffset: 0, m: n, n: k, k: dim, transA: false, transB: true,
                             alpha: 1, beta: 0)
            var y = try backend.floats(out, offset: 0, count: n * k)
            if whiten {
                // As scikit-learn: a standard deviation below float32's epsilon counts as epsilon, so a
                // component without variance (rank-deficient data) gives ~0, not inf or NaN.
                let scale = explainedVariance.map { 1 / max(Float($0.squareRoot()), Float.ulpOfOne) }
                for i in 0 ..< n { for j in 0 ..< k { y[i * k + j] *= scale[j] } }
            }
            return y
        }
    }

    /// Fits on `x [n, d]` (row-major, host memory) and returns the model and the projection `[n, k]`.
    public static func fit<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, configuration c: Configuration,
                                              backend: B) throws -> (model: Model, embedding: [Float]) {
        try ReduceInput.validate(x, rows: n, dim: d, dims: c.components, maxDims: min(n, d), method: "PCA")
        var mean = [Double](repeating: 0, count: d)
        for i in 0 ..< n { for j in 0 ..< d { mean[j] += Double(x[i * d + j]) } }
        mean = mean.map { $0 / Double(n) }
        let meanF = mean.map(Float.init)
        var centred = x
        centred.withUnsafeMutableBufferPointer { cx in
            parallelFor(n, grain: 256) { range in for i in range { for j in 0 ..< d { cx[i * d + j] -= meanF[j] } } }
        }
        // Total variance: the trace of the covariance, from the centred data in Double.
        var total = 0.0
        for v in centred { total += Double(v) * Double(v) }
        total /= Double(n - 1)
        let points = try backend.makeBuffer(centred)
        let (axes, variances) = c.solver == .exact
            ? try exact(points, rows: n, dim: d, k: c.components, backend: backend)
            : try randomized(points, rows: n, dim: d, configuration: c, backend: backend)
        var components = axes
        for r in 0 ..< c.components {
            let row = components[(r * d) ..< ((r + 1) * d)]
            let largest = row.indices.max { abs(components[$0]) < abs(components[$1]) }!
            if components[largest] < 0 { for j in 0 ..< d { components[r * d + j] = -components[r * d + j] } }
        }
        let model = Model(mean: meanF, components: components.map(Float.init), explainedVariance: variances,
                          explainedVarianceRatio: variances.map { total > 0 ? $0 / total : 0 }, whiten: c.whiten)
        return (model, try model.transform(x, rows: n, backend: backend))
    }

    /// Largest eigenpairs of the covariance: `[k, d]` axes (rows) and their variances, descending.
    static func exact<B: ComputeBackend>(_ points: B.Buffer, rows n: Int, dim d: Int, k: Int, backend: B) throws -> ([Double], [Double]) {
        let gram = try backend.makeBuffer(count: d * d)
        try backend.gemm(points, aOffset: 0, points, bOffset: 0, into: gram, cOffset: 0, m: d, n: d, k: n, transA: true, transB: false,
                         alpha: 1 / Float(n - 1), beta: 0)
        let covariance = try backend.floats(gram).map(Double.init)
        return try largestEigenpairs(covariance, order: d, count: k)
    }

    /// The `count` largest eigenvalues of the symmetric `a [order, order]` and their unit
    /// eigenvectors as rows, both descending (LAPACK `dsyevr`).
    static func largestEigenpairs(_ a: [Double], order: Int, count: Int) throws -> (vectors: [Double], values: [Double]) {
        var matrix = a
        var jobz = CChar(UInt8(ascii: "V")), range = CChar(UInt8(ascii: "I")), uplo = CChar(UInt8(ascii: "U"))
        var n = Int32(order), lda = Int32(order), il = Int32(order - count + 1), iu = Int32(order), ldz = Int32(order)
        var vl = 0.0, vu = 0.0, abstol = 0.0, found: Int32 = 0, info: Int32 = 0
        var values = [Double](repeating: 0, count: order), vectors = [Double](repeating: 0, count: order * count)
        var support = [Int32](repeating: 0, count: 2 * max(1, count))
        var lwork: Int32 = -1, liwork: Int32 = -1, workSize = 0.0, iworkSize: Int32 = 0
        dsyevr_(&jobz, &range, &uplo, &n, &matrix, &lda, &vl, &vu, &il, &iu, &abstol, &found, &values, &vectors, &ldz, &support,
                &workSize, &lwork, &iworkSize, &liwork, &info)
        lwork = Int32(workSize)
        liwork = iworkSize
        var work = [Double](repeating: 0, count: Int(lwork)), iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevr_(&jobz, &range, &uplo, &n, &matrix, &lda, &vl, &vu, &il, &iu, &abstol, &found, &values, &vectors, &ldz, &support,
                &work, &lwork, &iwork, &liwork, &info)
        guard info == 0, Int(found) == count else { throw ReduceError("PCA: the eigensolver failed (LAPACK dsyevr info \(info))") }
        // LAPACK gives ascending eigenvalues, eigenvectors as columns of the column-major `[order, count]`.
        var rows = [Double](repeating: 0, count: count * order), descending = [Double](repeating: 0, count: count)
        for r in 0 ..< count {
            let column = count - 1 - r
            descending[r] = max(0, values[column])
            for j in 0 ..< order { rows[r * order + j] = vectors[column * order + j] }
        }
        return (rows, descending)
    }

    /// Halko et al.'s randomized range finder as scikit-learn's `_randomized_range_finder` with
    /// `power_iteration_normalizer="auto"`: from a Gaussian `Omega [d, l]`, each power iteration
    /// computes `Xc Q` and `Xc^T Q`, each made well conditioned by the `P L` of its LU factorisation
    /// with partial pivoting (`lu(permute_l=True)`; no normalising at all for 2 iterations or
    /// fewer), then an orthonormal basis of `Xc Q` by Householder QR in Double. The products run on
    /// the backend; the factorisations (LAPACK `sgetrf`, `dgeqrf`) on the host, on the transposed
    /// (column-major) copy the backend makes.
    static func randomized<B: ComputeBackend>(_ points: B.Buffer, rows n: Int, dim d: Int, configuration c: Configuration,
                                              backend: B) throws -> ([Double], [Double]) {
        let k = c.components, l = min(min(n, d), k + c.oversamples)
        let iterations = c.powerIterations ?? (Double(k) < 0.1 * Double(min(n, d)) ? 7 : 4)
        var rng = SplitMix64(seed: c.seed)
        var omega = [Float](repeating: 0, count: d * l)
        for i in 0 ..< omega.count { omega[i] = Float(rng.nextGaussian()) }
        let sketch = try backend.makeBuffer(count: n * l), back = try backend.makeBuffer(count: d * l)
        let tall = try backend.makeBuffer(count: n * l), wide = try backend.makeBuffer(omega)
        let transposed = try backend.makeBuffer(count: max(n, d) * l)
        var host = [Float](repeating: 0, count: max(n, d) * l)
        /// `m`-row `product [m, l]` replaced by its `P L` in `into` (unchanged when not normalising).
        func normalise(_ product: B.Buffer, rows m: Int, into target: B.Buffer) throws {
            guard iterations > 2 else { return try backend.copy(product, srcOffset: 0, to: target, dstOffset: 0, count: m * l) }
            try backend.swapLeadingAxes(product, xOffset: 0, a: m, b: l, k: 1, into: transposed, yOffset: 0)
            try host.withUnsafeMutableBufferPointer { h in
                let columnMajor = UnsafeMutableBufferPointer(rebasing: h[0 ..< m * l])
                try backend.download(transposed, offset: 0, into: columnMajor)
                try permutedLowerFactor(columnMajor, rows: m, cols: l)
                try backend.upload(UnsafeBufferPointer(columnMajor), to: transposed, offset: 0)
            }
            try backend.swapLeadingAxes(transposed, xOffset: 0, a: l, b: m, k: 1, into: target, yOffset: 0)
        }
        for _ in 0 ..< iterations {
            try backend.gemm(points, aOffset: 0, wide, bOffset: 0, into: sketch, cOffset: 0, m: n, n: l, k: d, transA: false,
                             transB: false, alpha: 1, beta: 0)
            try normalise(sketch, rows: n, into: tall)
            try backend.gemm(points, aOffset: 0, tall, bOffset: 0, into: back, cOffset: 0, m: d, n: l, k: n, transA: true,
                             transB: false, alpha: 1, beta: 0)
            try normalise(back, rows: d, into: wide)
        }
        try backend.gemm(points, aOffset: 0, wide, bOffset: 0, into: sketch, cOffset: 0, m: n, n: l, k: d, transA: false,
                         transB: false, alpha: 1, beta: 0)
        let q = try orthonormalColumns(try backend.floats(sketch), rows: n, cols: l)
        // B^T = Xc^T Q  [d, l]; the top right singular vectors of B are the top eigenvectors of
        // B^T B = Xc^T Q Q^T Xc, obtained from the small [l, l] matrix B B^T.
        try backend.gemm(points, aOffset: 0, try backend.makeBuffer(q.map(Float.init)), bOffset: 0, into: back, cOffset: 0,
                         m: d, n: l, k: n, transA: true, transB: false, alpha: 1, beta: 0)
        let bt = try backend.floats(back).map(Double.init) // [d, l]
        var small = [Double](repeating: 0, count: l * l)
        bt.withUnsafeBufferPointer { b in
            small.withUnsafeMutableBufferPointer { s in
                cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(l), Int32(l), Int32(d), 1, b.baseAddress!, Int32(l),
                            b.baseAddress!, Int32(l), 0, s.baseAddress!, Int32(l))
            }
        }
        let (u, sigmaSquared) = try largestEigenpairs(small, order: l, count: k) // u rows: [k, l]
        // Right singular vectors: v_r = B^T u_r / s_r.
        var axes = [Double](repeating: 0, count: k * d)
        for r in 0 ..< k {
            let s = sigmaSquared[r].squareRoot()
            guard s > 0 else { continue }
            for j in 0 ..< d {
                var t = 0.0
                for m in 0 ..< l { t += bt[j * l + m] * u[r * l + m] }
                axes[r * d + j] = t / s
            }
        }
        return (axes, sigmaSquared.map { $0 / Double(n - 1) })
    }

    /// Replaces the column-major `a [rows, cols]` (rows >= cols) by `P L` of its LU factorisation
    /// with partial pivoting, as SciPy's `lu(a, permute_l=True)`: LAPACK `sgetrf` gives `A = P L U`
    /// with the row interchanges in `ipiv`; `L` (unit diagonal, zero above it) is kept and the
    /// interchanges are applied to it last to first. An exactly singular `U` is no error here (the
    /// factor `P L` is still well defined), as in SciPy.
    static func permutedLowerFactor(_ a: UnsafeMutableBufferPointer<Float>, rows m: Int, cols n: Int) throws {
        var mm = Int32(m), nn = Int32(n), lda = Int32(m), info: Int32 = 0
        var pivots = [Int32](repeating: 0, count: n)
        sgetrf_(&mm, &nn, a.baseAddress!, &lda, &pivots, &info)
        guard info >= 0 else { throw ReduceError("PCA: LU failed (LAPACK sgetrf info \(info))") }
        for j in 0 ..< n {
            for i in 0 ..< j { a[j * m + i] = 0 }
            a[j * m + j] = 1
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            let p = Int(pivots[i]) - 1
            guard p != i else { continue }
            for j in 0 ..< n { a.swapAt(j * m + i, j * m + p) }
        }
    }

    /// An orthonormal basis of the columns of `a [rows, cols]` (row-major floats), as row-major
    /// Doubles, from LAPACK's Householder QR.
    static func orthonormalColumns(_ a: [Float], rows m: Int, cols n: Int) throws -> [Double] {
        // LAPACK is column-major: the row-major [m, n] matrix is the column-major [n, m]; transpose.
        var columnMajor = [Double](repeating: 0, count: m * n)
        for i in 0 ..< m { for j in 0 ..< n { columnMajor[j * m + i] = Double(a[i * n + j]) } }
        var mm = Int32(m), nn = Int32(n), kk = Int32(n), lda = Int32(m), info: Int32 = 0, lwork: Int32 = -1, size = 0.0
        var tau = [Double](repeating: 0, count: n)
        dgeqrf_(&mm, &nn, &columnMajor, &lda, &tau, &size, &lwork, &info)
        lwork = Int32(size)
        var work = [Double](repeating: 0, count: max(1, Int(lwork)))
        dgeqrf_(&mm, &nn, &columnMajor, &lda, &tau, &work, &lwork, &info)
        guard info == 0 else { throw ReduceError("PCA: QR failed (LAPACK dgeqrf info \(info))") }
        lwork = -1
        dorgqr_(&mm, &nn, &kk, &columnMajor, &lda, &tau, &size, &lwork, &info)
        lwork = Int32(size)
        work = [Double](repeating: 0, count: max(1, Int(lwork)))
        dorgqr_(&mm, &nn, &kk, &columnMajor, &lda, &tau, &work, &lwork, &info)
        guard info == 0 else { throw ReduceError("PCA: QR failed (LAPACK dorgqr info \(info))") }
        var rowMajor = [Double](repeating: 0, count: m * n)
        for i in 0 ..< m { for j in 0 ..< n { rowMajor[i * n + j] = columnMajor[j * m + i] } }
        return rowMajor
    }
}
