import Backend
import CBLAS
import Dataset
import Foundation

/// Non-negative matrix factorisation `X ~ W H` (`W [n, k]`, `H [k, d]`, both >= 0) minimising the
/// Frobenius loss `1/2 |X - W H|_F^2`, as scikit-learn's `NMF(beta_loss="frobenius")` with its
/// `cd` (default; `NMFCoordinateDescent.swift`, optionally accelerated HALS) or `mu` solver.
///
/// Start (scikit-learn's `init`): `nndsvda` (default), `nndsvd` (Boutsidis and Gallopoulos 2008:
/// each singular pair split into its positive and negative parts, the larger kept; entries below
/// 1e-6 zeroed; `nndsvda` fills the zeros with the mean of X), or `random` (`|N(0, 1)|
/// sqrt(mean(X) / k)`). The singular vectors come from the eigenpairs of `X^T X` (one GEMM on the
/// backend, LAPACK `dsyevr`); NNDSVD does not depend on their signs.
///
/// Multiplicative updates (Lee and Seung 2001, scikit-learn's `_fit_multiplicative_update`): `W <- W (X H^T) /
/// (W H H^T)`, then `H <- H (W^T X) / (W^T W H)`, zero denominators replaced by float32's epsilon;
/// every product and elementwise step runs on the backend with X resident there. Every 10
/// iterations the error `|X - W H|_F` is measured on the backend (only n row sums come back) and
/// the run stops when it fell by less than `tolerance` times the initial error since the last
/// check, or after `maxIterations` (defaults 1e-4 and 200, scikit-learn's).
public enum NMF {
    public enum Initialisation: String, CaseIterable, Sendable { case nndsvda, nndsvd, random }
    public enum Solver: String, CaseIterable, Sendable {
        /// Coordinate descent (scikit-learn's default `cd`).
        case cd
        /// Multiplicative updates (`mu`).
        case mu
    }

    /// Coordinate descent's sweeps per half-step (`Configuration.innerSweepsW` / `innerSweepsH`).
    public enum InnerSweeps: Equatable, Sendable {
        /// The same count for `W` and `H` (1: scikit-learn's `cd`).
        case fixed(Int)
        /// Accelerated HALS's counts (Gillis and Glineur 2012, their `HALSacc` with alpha 0.5):
        /// `1 + floor(rho / 2)` with `rho_W = 1 + floor((n d + d k) / (n (k + 1)))` for `W [n, k]` and
        /// `rho_H = 1 + floor((n d + n k) / (d (k + 1)))` for `H [k, d]`: the sweeps that cost about
        /// half of the products with `X` they reuse.
        case accelerated

        /// `(W, H)` sweep counts for `X [rows, dim]` and `components` parts.
        public func counts(rows n: Int, dim d: Int, components k: Int) -> (Int, Int) {
            switch self {
            case .fixed(let count): return (count, count)
            case .accelerated:
                let rhoW = 1 + (n * d + d * k) / (n * (k + 1)), rhoH = 1 + (n * d + n * k) / (d * (k + 1))
                return (1 + rhoW / 2, 1 + rhoH / 2)
            }
        }
    }

    public struct Configuration: Sendable {
        public var components = 2
        public var initialisation = Initialisation.nndsvda
        public var solver = Solver.cd
        public var maxIterations = 200
        public var tolerance = 1e-4
        public var seed: UInt64 = 0
        /// Coordinate descent: rows of `X` per block (nil: 2,048 on the CPU backend, all of `X` on a
        /// device). Changes only the order in which `W^T X` is summed.
        public var rowsPerBlock: Int?
        /// Coordinate descent: most sweeps of each row of `W`, and of each column of `H`, per half-step
        /// from the same products with `X` (1: scikit-learn's `cd`; more: Gillis and Glineur's
        /// accelerated HALS). A row's repeats stop once a sweep moves it by at most `innerTolerance`
        /// times its first sweep of the half-step.
        public var innerSweepsW = 1
        public var innerSweepsH = 1
        public var innerTolerance = 0.1
        public init(components: Int = 2) { self.components = components }
    }

    public struct Result: Sendable {
        /// `[n, k]`: the embedding.
        public var w: [Float]
        /// `[k, d]`: the parts.
        public var h: [Float]
        /// `|X - W H|_F` (scikit-learn's `reconstruction_err_`).
        public var reconstructionError: Double
        public var iterations: Int
    }

    public static func fit<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, configuration c: Configuration, backend: B,
                                              progress: (Int, Int) -> Void = { _, _ in }) throws -> Result {
        try ReduceInput.validate(x, rows: n, dim: d, dims: c.components, maxDims: min(n, d), method: "NMF")
        if let bad = x.firstIndex(where: { $0 < 0 }) {
            throw ReduceError("features hold \(x[bad]) at row \(bad / d), column \(bad % d); NMF needs non-negative values")
        }
        guard c.maxIterations >= 1, c.tolerance >= 0 else { throw ReduceError("NMF: --max-iter must be at least 1, --tol not negative") }
        guard c.innerSweepsW >= 1, c.innerSweepsH >= 1, c.innerTolerance >= 0 else {
            throw ReduceError("NMF: --nmf-inner-sweeps must be at least 1, the inner tolerance not negative")
        }
        let k = c.components
        let xBuffer = try backend.makeBuffer(x)
        var (w, h) = try start(x, xBuffer, rows: n, dim: d, configuration: c, backend: backend)
        let W = try backend.makeBuffer(w), H = try backend.makeBuffer(h)
        let xht = try backend.makeBuffer(count: n * k), whht = try backend.makeBuffer(count: n * k)
        let wtx = try backend.makeBuffer(count: k * d), wtwh = try backend.makeBuffer(count: k * d)
        let hht = try backend.makeBuffer(count: k * k), wtw = try backend.makeBuffer(count: k * k)
        let epsilon = try backend.makeBuffer(count: max(n * k, k * d))
        try backend.fill(epsilon, with: Float.ulpOfOne, offset: 0, count: epsilon.count)

        /// `target *= numerator / max(denominator, eps)`, all on the backend.
        func update(_ target: B.Buffer, _ numerator: B.Buffer, _ denominator: B.Buffer, count: Int) throws {
            try backend.combine(.maximum, denominator, epsilon, into: denominator, count: count)
            try backend.combine(.divide, numerator, denominator, into: numerator, count: count)
            try backend.combine(.multiply, target, numerator, into: target, count: count)
        }
        /// `|X - W H|_F` from the residual itself (a copy of X minus W H by one GEMM, squared and
        /// summed per row on the backend; only the n row sums come back, added in Double): free of
        /// the cancellation of the expanded form, so exact enough for the convergence test.
        let residual = try backend.makeBuffer(count: n * d), rowSums = try backend.makeBuffer(count: n)
        func residualNorm() throws -> Double {
            try backend.copy(xBuffer, srcOffset: 0, to: residual, dstOffset: 0, count: n * d)
            try backend.gemm(W, aOffset: 0, H, bOffset: 0, into: residual, cOffset: 0, m: n, n: d, k: k, transA: false, transB: false,
                             alpha: -1, beta: 1)
            try backend.map(.square, residual, into: residual, count: n * d)
            try backend.reduce(.sum, residual, rows: n, cols: d, along: .eachRow, into: rowSums)
            return try backend.floats(rowSums).reduce(0.0) { $0 + Double($1) }.squareRoot()
        }
        if c.solver == .cd {
            let done = try coordinateDescent(x, xBuffer, W, H, rows: n, dim: d, configuration: c, backend: backend, progress: progress)
            return Result(w: try backend.floats(W), h: try backend.floats(H), reconstructionError: try residualNorm(), iterations: done)
        }
        // Convergence on |X - W H|_F, as scikit-learn's `_beta_divergence(..., square_root=True)`.
        let initial = try residualNorm()
        var previous = initial, iterations = 0
        for iteration in 1 ... c.maxIterations {
            // W <- W (X H^T) / (W (H H^T))
            try backend.gemm(xBuffer, H, into: xht, m: n, n: k, k: d, transB: true)
            try backend.gemm(H, H, into: hht, m: k, n: k, k: d, transB: true)
            try backend.gemm(W, hht, into: whht, m: n, n: k, k: k)
            try update(W, xht, whht, count: n * k)
            // H <- H (W^T X) / ((W^T W) H)
            try backend.gemm(W, xBuffer, into: wtx, m: k, n: d, k: n, transA: true)
            try backend.gemm(W, W, into: wtw, m: k, n: k, k: n, transA: true)
            try backend.gemm(wtw, H, into: wtwh, m: k, n: d, k: k)
            try update(H, wtx, wtwh, count: k * d)
            iterations = iteration
            progress(iteration, c.maxIterations)
            if c.tolerance > 0 && iteration % 10 == 0 {
                let current = try residualNorm()
                if initial > 0 && (previous - current) / initial < c.tolerance { break }
                previous = current
            }
        }
        w = try backend.floats(W)
        h = try backend.floats(H)
        return Result(w: w, h: h, reconstructionError: try residualNorm(), iterations: iterations)
    }

    /// The starting `W [n, k]` and `H [k, d]`.
    static func start<B: ComputeBackend>(_ x: [Float], _ xBuffer: B.Buffer, rows n: Int, dim d: Int, configuration c: Configuration,
                                         backend: B) throws -> ([Float], [Float]) {
        let k = c.components
        let mean = x.reduce(0.0) { $0 + Double($1) } / Double(x.count)
        if c.initialisation == .random {
            var rng = SplitMix64(seed: c.seed)
            let scale = (mean / Double(k)).squareRoot()
            let h = (0 ..< k * d).map { _ in Float(scale * abs(rng.nextGaussian())) }
            let w = (0 ..< n * k).map { _ in Float(scale * abs(rng.nextGaussian())) }
            return (w, h)
        }
        // Top-k singular triplets of X: V and S^2 from X^T X, U = X V / S.
        let gram = try backend.makeBuffer(count: d * d)
        try backend.gemm(xBuffer, aOffset: 0, xBuffer, bOffset: 0, into: gram, cOffset: 0, m: d, n: d, k: n, transA: true, transB: false,
                         alpha: 1, beta: 0)
        let (v, s2) = try PCA.largestEigenpairs(try backend.floats(gram).map(Double.init), order: d, count: k) // v rows [k, d]
        let vBuffer = try backend.makeBuffer(v.map(Float.init)), xv = try backend.makeBuffer(count: n * k)
        try backend.gemm(xBuffer, aOffset: 0, vBuffer, bOffset: 0, into: xv, cOffset: 0, m: n, n: k, k: d, transA: false, transB: true,
                         alpha: 1, beta: 0)
        let projected = try backend.floats(xv) // X V^T = U S, [n, k]
        let s = s2.map { $0.squareRoot() }
        var w = [Float](repeating: 0, count: n * k), h = [Float](repeating: 0, count: k * d)
        func norm(_ values: [Double]) -> Double { values.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        for j in 0 ..< k {
            guard s[j] > 0 else { continue }
            let u = (0 ..< n).map { Double(projected[$0 * k + j]) / s[j] }, vj = (0 ..< d).map { v[j * d + $0] }
            if j == 0 {
                for i in 0 ..< n { w[i * k] = Float(s[0].squareRoot() * abs(u[i])) }
                for t in 0 ..< d { h[t] = Float(s[0].squareRoot() * abs(vj[t])) }
                continue
            }
            let (up, un) = (u.map { max($0, 0) }, u.map { abs(min($0, 0)) })
            let (vp, vn) = (vj.map { max($0, 0) }, vj.map { abs(min($0, 0)) })
            let (upn, vpn, unn, vnn) = (norm(up), norm(vp), norm(un), norm(vn))
            let (mp, mn) = (upn * vpn, unn * vnn)
            let (uu, vv, sigma, uNorm, vNorm) = mp > mn ? (up, vp, mp, upn, vpn) : (un, vn, mn, unn, vnn)
            guard uNorm > 0, vNorm > 0 else { continue }
            let lambda = (s[j] * sigma).squareRoot()
            for i in 0 ..< n { w[i * k + j] = Float(lambda * uu[i] / uNorm) }
            for t in 0 ..< d { h[j * d + t] = Float(lambda * vv[t] / vNorm) }
        }
        let fill: Float = c.initialisation == .nndsvda ? Float(mean) : 0
        w = w.map { $0 < 1e-6 ? fill : $0 }
        h = h.map { $0 < 1e-6 ? fill : $0 }
        return (w, h)
    }
}
