import Backend
import Dataset
import Foundation

/// K-means (Lloyd) on a `ComputeBackend`: the assignment is the chunked nearest-centre search, the
/// update the product of the `[k, n]` indicator matrix of the labels with the points (one GEMM) and
/// the indicator's row sums; only labels, distances and the `k x d` sums come back to the host.
public enum KMeans {
    public enum Initialisation: Sendable {
        /// Greedy k-means++ as scikit-learn: each new centre is the best of `2 + floor(ln k)`
        /// candidates drawn with probability proportional to D^2.
        case kMeansPlusPlus
        /// `k` distinct points drawn uniformly.
        case random
        /// Given centres, `[k, dim]` row-major.
        case given([Float])
    }

    /// How the iterations run; both are exact Lloyd iterations and give the same clusters.
    public enum Algorithm: String, CaseIterable, Sendable {
        /// Hamerly on the CPU backend, Lloyd on OpenCL devices.
        case automatic = "auto"
        /// Dense iterations on the backend: nearest centres and the indicator-matrix update.
        case lloyd
        /// Hamerly's bounds on the host (`KMeans.hamerly`): most points skip the distance computations.
        case hamerly
    }

    /// Defaults as scikit-learn's `KMeans`.
    public struct Configuration: Sendable {
        public var k = 10
        public var initialisation = Initialisation.kMeansPlusPlus
        public var maxIterations = 300
        /// Convergence when the squared centre shift summed over centres is at most
        /// `tolerance * mean feature variance` (scikit-learn's relative tolerance); 0: run until the
        /// labels stop changing or `maxIterations`.
        public var tolerance = 1e-4
        /// Independent initialisations; the lowest inertia wins.
        public var restarts = 1
        public var algorithm = Algorithm.automatic
        public var seed: UInt64 = 0
        public init() {}
    }

    public struct Result: Sendable {
        public var labels: [Int32]
        /// `[k, dim]` row-major.
        public var centres: [Float]
        /// Sum of squared distances of points to their centres.
        public var inertia: Double
        public var iterations: Int
    }

    /// Clusters the `rows` points of `x [rows, dim]` (host memory; uploaded once).
    public static func fit<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, configuration c: Configuration, backend: B,
                                              progress: (Int, Double) -> Void = { _, _ in }) throws -> Result {
        precondition(x.count == n * d, "KMeans: \(x.count) values for \(n) x \(d)")
        guard c.k >= 1 else { throw BackendError.invalidArgument("--k \(c.k) must be at least 1") }
        guard c.k <= n else { throw BackendError.invalidArgument("--k \(c.k) is larger than the number of points (\(n))") }
        if let bad = x.firstIndex(where: { !$0.isFinite }) {
            throw BackendError.invalidArgument("features hold \(x[bad]) at row \(bad / d), column \(bad % d); K-means needs finite values")
        }
        let points = try Points(backend: backend, x: x, rows: n, dim: d)
        let threshold = c.tolerance * meanVariance(x, rows: n, dim: d)
        var best: Result?
        for restart in 0 ..< max(1, c.restarts) {
            var rng = SplitMix64(seed: c.seed &+ UInt64(restart) &* 0x9E37_79B9_7F4A_7C15)
            let initial: [Float]
            switch c.initialisation {
            case .given(let centres):
                guard centres.count == c.k * d else { throw BackendError.invalidArgument("given centres hold \(centres.count) values, need \(c.k) x \(d)") }
                initial = centres
            case .random:
                var indices = Array(0 ..< n)
                rng.shuffle(&indices)
                initial = indices.prefix(c.k).flatMap { x[($0 * d) ..< (($0 + 1) * d)] }
            case .kMeansPlusPlus:
                initial = try plusPlus(x, points: points, rows: n, dim: d, k: c.k, rng: &rng, backend: backend)
            }
            let useHamerly = c.algorithm == .hamerly || (c.algorithm == .automatic && B.self == CPUBackend.self)
            let result = useHamerly
                ? hamerly(x, rows: n, dim: d, centres: initial, configuration: c, threshold: threshold, progress: progress)
                : try lloyd(x, points: points, rows: n, dim: d, centres: initial, configuration: c, threshold: threshold,
                            backend: backend, progress: progress)
            if best == nil || result.inertia < best!.inertia { best = result }
        }
        return best!
    }

    /// Mean over features of the per-feature variance (scikit-learn's tolerance scale), one
    /// row-major pass in double precision.
    static func meanVariance(_ x: [Float], rows n: Int, dim d: Int) -> Double {
        var sums = [Double](repeating: 0, count: d), squares = [Double](repeating: 0, count: d)
        x.withUnsafeBufferPointer { p in
            for i in 0 ..< n {
                for j in 0 ..< d { let v = Double(p[i * d + j]); sums[j] += v; squares[j] += v * v }
            }
        }
        var total = 0.0
        for j in 0 ..< d { let mean = sums[j] / Double(n); total += max(0, squares[j] / Double(n) - mean * mean) }
        return total / Double(d)
    }

    /// The points on the device with their squared norms and the output buffers of the assignment
    /// step, made once per fit.
    final class Points<B: ComputeBackend> {
        let values: B.Buffer, norms: B.Buffer, labels: B.Buffer, minima: B.Buffer
        let rows: Int, dim: Int
        /// Update-step buffers for `k` clusters: indicator `[k, n]`, sums `[k, d]`, counts `[k]`.
        private var update: (k: Int, indicator: B.Buffer, sums: B.Buffer, counts: B.Buffer)?

        /// Per-cluster sums `[k, d]` and counts of the points under the current device labels.
        func clusterSums(k: Int, backend: B) throws -> (sums: [Float], counts: [Float]) {
            if update?.k != k {
                update = (k, try backend.makeBuffer(count: k * rows), try backend.makeBuffer(count: k * dim), try backend.makeBuffer(count: k))
            }
            let u = update!
            try backend.oneHot(labels, count: rows, classes: k, into: u.indicator)
            try backend.gemm(u.indicator, aOffset: 0, values, bOffset: 0, into: u.sums, cOffset: 0, m: k, n: dim, k: rows,
                             transA: false, transB: false, alpha: 1, beta: 0)
            try backend.reduce(.sum, u.indicator, rows: k, cols: rows, along: .eachRow, into: u.counts)
            return (try backend.floats(u.sums, offset: 0, count: k * dim), try backend.floats(u.counts, offset: 0, count: k))
        }

        init(backend: B, x: [Float], rows n: Int, dim d: Int) throws {
            (rows, dim) = (n, d)
            values = try backend.makeBuffer(x)
            norms = try backend.makeBuffer(count: n)
            try backend.rowSquaredNorms(values, offset: 0, rows: n, cols: d, into: norms, outOffset: 0)
            (labels, minima) = (try backend.makeBuffer(count: n), try backend.makeBuffer(count: n))
        }
    }

    /// Nearest centre and squared distance for every point.
    static func assign<B: ComputeBackend>(_ points: Points<B>, rows n: Int, dim d: Int, centres: [Float], backend: B) throws -> ([Int32], [Float]) {
        let k = centres.count / d
        let c = try backend.makeBuffer(centres)
        try backend.nearestRows(x: points.values, rows: n, y: c, yRows: k, dim: d, indices: points.labels, minima: points.minima, xNorms: points.norms)
        return (try backend.ints(points.labels), try backend.floats(points.minima))
    }

    static func lloyd<B: ComputeBackend>(_ x: [Float], points: Points<B>, rows n: Int, dim d: Int, centres initial: [Float],
                                         configuration c: Configuration, threshold: Double, backend: B,
                                         progress: (Int, Double) -> Void) throws -> Result {
        var centres = initial
        var labels: [Int32] = [], minima: [Float] = []
        var iterations = 0
        while iterations < c.maxIterations {
            let (newLabels, newMinima) = try assign(points, rows: n, dim: d, centres: centres, backend: backend)
            iterations += 1
            let stable = newLabels == labels
            (labels, minima) = (newLabels, newMinima)
            progress(iterations, minima.reduce(0.0) { $0 + Double($1) })
            if stable { break }
            let (sums, counts) = try points.clusterSums(k: c.k, backend: backend)
            let updated = updateCentres(x, dim: d, sums: sums, counts: counts, minima: minima, previous: centres)
            var shift = 0.0
            for i in 0 ..< centres.count { let t = Double(updated[i] - centres[i]); shift += t * t }
            centres = updated
            if c.tolerance > 0 && shift <= threshold {
                // Labels must match the final centres.
                (labels, minima) = try assign(points, rows: n, dim: d, centres: centres, backend: backend)
                break
            }
        }
        return Result(labels: labels, centres: centres, inertia: minima.reduce(0.0) { $0 + Double($1) }, iterations: iterations)
    }

    /// Means of the points of each cluster from their sums and counts; an empty cluster takes the
    /// point farthest from its centre among those not yet used, as scikit-learn relocates empty
    /// clusters.
    static func updateCentres(_ x: [Float], dim d: Int, sums: [Float], counts: [Float], minima: [Float], previous: [Float]) -> [Float] {
        var centres = previous
        var farthest: IndexingIterator<[Int]>?
        for l in counts.indices {
            if counts[l] == 0 {
                if farthest == nil { farthest = minima.indices.sorted { minima[$0] > minima[$1] }.makeIterator() }
                guard let i = farthest!.next() else { continue }
                for j in 0 ..< d { centres[l * d + j] = x[i * d + j] }
            } else {
                for j in 0 ..< d { centres[l * d + j] = sums[l * d + j] / counts[l] }
            }
        }
        return centres
    }

    /// Greedy k-means++ (scikit-learn's `_kmeans_plusplus`).
    static func plusPlus<B: ComputeBackend>(_ x: [Float], points: Points<B>, rows n: Int, dim d: Int, k: Int, rng: inout SplitMix64,
                                            backend: B) throws -> [Float] {
        let trials = 2 + Int(log(Double(k)))
        let first = rng.next(below: n)
        var centres = Array(x[(first * d) ..< ((first + 1) * d)])
        var closest = try assign(points, rows: n, dim: d, centres: centres, backend: backend).1.map(Double.init)
        for _ in 1 ..< k {
            let potential = closest.reduce(0, +)
            var candidates: [Int] = []
            for _ in 0 ..< trials {
                let target = Double(rng.next() >> 11) / Double(1 << 53) * potential
                var running = 0.0, chosen = n - 1
                for i in 0 ..< n { running += closest[i]; if running > target { chosen = i; break } }
                candidates.append(chosen)
            }
            var bestPotential = Double.infinity, bestCandidate = candidates[0], bestClosest = closest
            for candidate in candidates {
                let distances = try assign(points, rows: n, dim: d, centres: Array(x[(candidate * d) ..< ((candidate + 1) * d)]), backend: backend).1
                let merged = zip(closest, distances).map { min($0, Double($1)) }
                let p = merged.reduce(0, +)
                if p < bestPotential { (bestPotential, bestCandidate, bestClosest) = (p, candidate, merged) }
            }
            centres += x[(bestCandidate * d) ..< ((bestCandidate + 1) * d)]
            closest = bestClosest
        }
        return centres
    }
}
