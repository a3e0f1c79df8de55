import Backend
import CBLAS
import Foundation

/// Gaussian mixture fitted by EM, as scikit-learn's `GaussianMixture` (same defaults, same
/// arithmetic in double precision):
///
/// - initialisation: responsibilities one-hot from K-means (one k-means++ start, on the backend);
/// - M step: `N_k = sum_i r_ik + 10 eps`, `w_k = N_k / n`, `mu_k = sum_i r_ik x_i / N_k`; covariance
///   `full` `sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T / N_k + reg I`, `diag` the diagonal of that,
///   `spherical` the mean of the diagonal (each plus `reg`);
/// - E step: `log p(x_i, k) = log w_k - (d log 2 pi + (x - mu_k)^T S_k^-1 (x - mu_k)) / 2 - log det S_k / 2`
///   through the Cholesky factor `S_k = L L^T` (LAPACK `dpotrf`, BLAS `dtrsm`), responsibilities by
///   log-sum-exp;
/// - stop when the mean log-likelihood changes by less than `tolerance`; the best of `restarts`
///   (highest final bound) is kept.
public enum GaussianMixture {
    public enum CovarianceType: String, CaseIterable, Sendable { case full, diag, spherical }

    public struct Configuration: Sendable {
        public var components = 1
        public var covariance = CovarianceType.full
        public var tolerance = 1e-3
        /// Added to the covariance diagonals.
        public var regularisation = 1e-6
        public var maxIterations = 100
        public var restarts = 1
        public var seed: UInt64 = 0
        public init() {}
    }

    public struct Model: Sendable {
        public let components: Int, dim: Int
        public let covariance: CovarianceType
        public internal(set) var weights: [Double]
        /// `[k, d]`.
        public internal(set) var means: [Double]
        /// full `[k, d, d]`, diag `[k, d]`, spherical `[k]`.
        public internal(set) var covariances: [Double]
        /// full: lower Cholesky factors `[k, d, d]`; diag/spherical: standard deviations.
        var factors: [Double] = []
        /// Mean log-likelihood per point at the start of the last EM iteration (scikit-learn's
        /// `lower_bound_`).
        public internal(set) var lowerBound = -Double.infinity
        public internal(set) var iterations = 0
        public internal(set) var converged = false

        /// Free parameters: `k - 1` weights, `k d` means, and `k d (d + 1) / 2`, `k d` or `k` variances.
        public var parameterCount: Int {
            let (k, d) = (components, dim)
            let variances = switch covariance { case .full: k * d * (d + 1) / 2; case .diag: k * d; case .spherical: k }
            return variances + k * d + k - 1
        }

        /// `log w_k + log N(x_i | mu_k, S_k)`, `[n, k]`.
        public func weightedLogProbabilities(_ x: [Float], rows n: Int) -> [Double] {
            let (k, d) = (components, dim)
            var result = [Double](repeating: 0, count: n * k)
            let constant = Double(d) * log(2 * Double.pi)
            // Blocks of rows across the cores: each row's value is computed alone, so the result does
            // not depend on the block size or the number of cores.
            let block = min(GaussianMixture.rowBlock(rows: n, dim: d), 2048), blocks = (n + block - 1) / block
            if covariance != .full {
                result.withUnsafeMutableBufferPointer { out in
                    parallelFor(blocks, grain: 1) { range in
                        diagonalLogProbabilities(x, rows: (range.lowerBound * block) ..< min(n, range.upperBound * block), block: block, into: out)
                    }
                }
                return result
            }
            for c in 0 ..< k {
                let logWeight = log(weights[c])
                let factor = Array(factors[(c * d * d) ..< ((c + 1) * d * d)])
                var logDet = 0.0
                for j in 0 ..< d { logDet += log(factor[j * d + j]) }
                result.withUnsafeMutableBufferPointer { out in
                    parallelFor(blocks, grain: 1) { range in
                        var centred = [Double](repeating: 0, count: block * d)
                        for b in range {
                            let start = b * block, rows = min(block, n - start)
                            for r in 0 ..< rows { for j in 0 ..< d { centred[r * d + j] = Double(x[(start + r) * d + j]) - means[c * d + j] } }
                            // Y L^T = X - mu  ->  rows of Y are L^-1 (x - mu).
                            cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, Int32(rows), Int32(d), 1,
                                        factor, Int32(d), &centred, Int32(d))
                            for r in 0 ..< rows {
                                var q = 0.0
                                for j in 0 ..< d { q += centred[r * d + j] * centred[r * d + j] }
                                out[(start + r) * k + c] = logWeight - 0.5 * (constant + q) - logDet
                            }
                        }
                    }
                }
            }
            return result
        }

        /// The diagonal and spherical cases of `weightedLogProbabilities`, as scikit-learn's
        /// `_estimate_log_gaussian_prob` expands them: with precisions `p_cj = 1 / s_cj^2`, the
        /// quadratic form `sum_j (x_j - mu_cj)^2 p_cj = (x^2) p_c - 2 x (mu_c p_c) + sum_j mu_cj^2 p_cj`,
        /// two GEMMs `[rows, d] x [d, k]` per block of `rows` (Double).
        private func diagonalLogProbabilities(_ x: [Float], rows: Range<Int>, block: Int, into result: UnsafeMutableBufferPointer<Double>) {
            let (k, d) = (components, dim)
            let constant = Double(d) * log(2 * Double.pi)
            var precision = [Double](repeating: 0, count: k * d), scaledMeans = precision
            var offset = [Double](repeating: 0, count: k)
            for c in 0 ..< k {
                var logDet = 0.0, meanTerm = 0.0
                for j in 0 ..< d {
                    let deviation = covariance == .diag ? factors[c * d + j] : factors[c]
                    logDet += log(deviation)
                    let p = 1 / (deviation * deviation)
                    precision[c * d + j] = p
                    scaledMeans[c * d + j] = means[c * d + j] * p
                    meanTerm += means[c * d + j] * means[c * d + j] * p
                }
                offset[c] = log(weights[c]) - 0.5 * (constant + meanTerm) - logDet
            }
            var values = [Double](repeating: 0, count: block * d), squares = values
            var q = [Double](repeating: 0, count: block * k)
            for start in stride(from: rows.lowerBound, to: rows.upperBound, by: block) {
                let rows = min(block, rows.upperBound - start)
                for e in 0 ..< rows * d {
                    let v = Double(x[start * d + e])
                    (values[e], squares[e]) = (v, v * v)
                }
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(k), Int32(d), 1, squares, Int32(d),
                            precision, Int32(d), 0, &q, Int32(k))
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(k), Int32(d), -2, values, Int32(d),
                            scaledMeans, Int32(d), 1, &q, Int32(k))
                for r in 0 ..< rows { for c in 0 ..< k { result[(start + r) * k + c] = offset[c] - 0.5 * q[r * k + c] } }
            }
        }

        /// Responsibilities `[n, k]` (rows sum to 1) and the mean log-likelihood.
        public func responsibilities(_ x: [Float], rows n: Int) -> (probabilities: [Double], meanLogLikelihood: Double) {
            var logp = weightedLogProbabilities(x, rows: n)
            let k = components
            var norms = [Double](repeating: 0, count: n)
            logp.withUnsafeMutableBufferPointer { p in
                norms.withUnsafeMutableBufferPointer { norms in
                    parallelFor(n, grain: 4096) { range in
                        for i in range {
                            let row = UnsafeMutableBufferPointer(rebasing: p[(i * k) ..< ((i + 1) * k)])
                            let top = row.max()!
                            let norm = top + log(row.reduce(0.0) { $0 + exp($1 - top) })
                            norms[i] = norm
                            for c in 0 ..< k { row[c] = exp(row[c] - norm) }
                        }
                    }
                }
            }
            var total = 0.0
            for norm in norms { total += norm } // in row order, whatever the cores
            return (logp, total / Double(max(1, n)))
        }

        /// `predict_proba`: `[n, k]`.
        public func predictProbabilities(_ x: [Float], rows n: Int) -> [Double] { responsibilities(x, rows: n).probabilities }

        /// Most probable component of each point (lowest index on ties).
        public func predict(_ x: [Float], rows n: Int) -> [Int] {
            let logp = weightedLogProbabilities(x, rows: n), k = components
            return (0 ..< n).map { i in
                var best = 0
                for c in 1 ..< k where logp[i * k + c] > logp[i * k + best] { best = c }
                return best
            }
        }

        /// Mean log-likelihood of `x` (scikit-learn's `score`).
        public func score(_ x: [Float], rows n: Int) -> Double { responsibilities(x, rows: n).meanLogLikelihood }
        /// `-2 n score + p ln n`.
        public func bic(_ x: [Float], rows n: Int) -> Double { -2 * score(x, rows: n) * Double(n) + Double(parameterCount) * log(Double(n)) }
        /// `-2 n score + 2 p`.
        public func aic(_ x: [Float], rows n: Int) -> Double { -2 * score(x, rows: n) * Double(n) + 2 * Double(parameterCount) }
    }

    public static func fit<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, configuration c: Configuration, backend: B,
                                              progress: (Int, Double) -> Void = { _, _ in }) throws -> Model {
        precondition(x.count == n * d, "GaussianMixture: \(x.count) values for \(n) x \(d)")
        guard c.components >= 1 else { throw BackendError.invalidArgument("--k \(c.components) must be at least 1") }
        guard c.components <= n else { throw BackendError.invalidArgument("--k \(c.components) is larger than the number of points (\(n))") }
        guard c.regularisation >= 0, c.tolerance >= 0, c.maxIterations >= 1, c.restarts >= 1 else {
            throw BackendError.invalidArgument("GMM: regularisation and tolerance must not be negative, iterations and restarts at least 1")
        }
        try requireFinite(x, dim: d, method: "GMM")
        let xd = x.map(Double.init) // once, for every M step
        var best: Model?
        for restart in 0 ..< c.restarts {
            var kc = KMeans.Configuration()
            (kc.k, kc.seed) = (c.components, c.seed &+ UInt64(restart))
            let labels = try KMeans.fit(x, rows: n, dim: d, configuration: kc, backend: backend).labels
            var resp = [Double](repeating: 0, count: n * c.components)
            for i in 0 ..< n { resp[i * c.components + Int(labels[i])] = 1 }
            var model = Model(components: c.components, dim: d, covariance: c.covariance, weights: [], means: [], covariances: [])
            try maximise(&model, xd, rows: n, responsibilities: resp, regularisation: c.regularisation)
            var bound = -Double.infinity
            for iteration in 1 ... c.maxIterations {
                let previous = bound
                let (r, meanLogLikelihood) = model.responsibilities(x, rows: n)
                try maximise(&model, xd, rows: n, responsibilities: r, regularisation: c.regularisation)
                bound = meanLogLikelihood
                model.iterations = iteration
                model.lowerBound = bound
                progress(iteration, bound)
                if abs(bound - previous) < c.tolerance { model.converged = true; break }
            }
            if best == nil || model.lowerBound > best!.lowerBound { best = model }
        }
        return best!
    }

    /// The M step: weights, means, covariances and their factors from responsibilities `[n, k]`.
    /// `xd` is the points in double precision, `[n, d]`.
    static func maximise(_ model: inout Model, _ xd: [Double], rows n: Int, responsibilities r: [Double], regularisation: Double) throws {
        let (k, d) = (model.components, model.dim)
        var counts = [Double](repeating: 10 * Double.ulpOfOne, count: k)
        for i in 0 ..< n { for c in 0 ..< k { counts[c] += r[i * k + c] } }
        // means = r^T X / N_k
        var means = [Double](repeating: 0, count: k * d)
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(d), Int32(n), 1, r, Int32(k), xd, Int32(d), 0, &means, Int32(d))
        for c in 0 ..< k { for j in 0 ..< d { means[c * d + j] /= counts[c] } }
        model.weights = counts.map { $0 / Double(n) }
        model.means = means
        switch model.covariance {
        case .full:
            var covariances = [Double](repeating: 0, count: k * d * d)
            // One component per worker at a time (each computed exactly as alone).
            covariances.withUnsafeMutableBufferPointer { cov in
                parallelFor(k, grain: 1) { range in
                    var weighted = [Double](repeating: 0, count: n * d)
                    for c in range {
                        for i in 0 ..< n {
                            let s = r[i * k + c].squareRoot()
                            for j in 0 ..< d { weighted[i * d + j] = s * (xd[i * d + j] - means[c * d + j]) }
                        }
                        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(d), Int32(n), 1 / counts[c], weighted, Int32(d),
                                    weighted, Int32(d), 0, cov.baseAddress! + c * d * d, Int32(d))
                        for j in 0 ..< d { cov[c * d * d + j * d + j] += regularisation }
                    }
                }
            }
            model.covariances = covariances
            model.factors = try choleskyFactors(covariances, components: k, dim: d)
        case .diag, .spherical:
            // sum_i r_ic x_ij^2 = R^T (X * X), over blocks of rows.
            var diagonal = [Double](repeating: 0, count: k * d)
            let block = GaussianMixture.rowBlock(rows: n, dim: d)
            var squares = [Double](repeating: 0, count: block * d)
            for start in stride(from: 0, to: n, by: block) {
                let rows = min(block, n - start)
                for e in 0 ..< rows * d { squares[e] = xd[start * d + e] * xd[start * d + e] }
                r.withUnsafeBufferPointer { rv in
                    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(d), Int32(rows), 1, rv.baseAddress! + start * k,
                                Int32(k), squares, Int32(d), start == 0 ? 0 : 1, &diagonal, Int32(d))
                }
            }
            for c in 0 ..< k { for j in 0 ..< d { diagonal[c * d + j] = diagonal[c * d + j] / counts[c] - means[c * d + j] * means[c * d + j] + regularisation } }
            if model.covariance == .spherical {
                diagonal = (0 ..< k).map { c in diagonal[(c * d) ..< ((c + 1) * d)].reduce(0, +) / Double(d) }
            }
            guard diagonal.allSatisfy({ $0 > 0 }) else { throw illDefined }
            model.covariances = diagonal
            model.factors = diagonal.map { $0.squareRoot() }
        }
    }

    /// Rows per block of the Double work arrays (about 8 MB of `[rows, d]`).
    static func rowBlock(rows n: Int, dim d: Int) -> Int { max(1, min(n, (8 << 20) / (8 * max(1, d)))) }

    static let illDefined = BackendError.invalidArgument(
        "GMM failed: a component's empirical covariance is not positive definite; use fewer components or more regularisation")

    /// Lower Cholesky factors of `k` symmetric `d x d` matrices (row-major), zeros above the diagonal.
    static func choleskyFactors(_ matrices: [Double], components k: Int, dim d: Int) throws -> [Double] {
        var factors = matrices
        for c in 0 ..< k {
            var info: blasint = 0
            var uplo = CChar(UInt8(ascii: "U")) // row-major lower == column-major upper
            var order = blasint(d), lda = blasint(d)
            factors.withUnsafeMutableBufferPointer { f in
                _ = dpotrf_(&uplo, &order, f.baseAddress! + c * d * d, &lda, &info)
            }
            guard info == 0 else { throw illDefined }
            for i in 0 ..< d { for j in (i + 1) ..< d { factors[c * d * d + i * d + j] = 0 } }
        }
        return factors
    }
}
