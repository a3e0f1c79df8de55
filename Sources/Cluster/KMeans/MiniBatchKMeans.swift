import Backend
import Dataset

/// Mini-batch K-means (Sculley 2010) as scikit-learn's `MiniBatchKMeans`: each step assigns a
/// random batch on the backend and moves every centre to the running mean of all points it has
/// received, `c <- (c * n_c + sum(batch points of c)) / (n_c + batch count of c)`. Stops after
/// `maxEpochs` passes or when the smoothed batch inertia has not improved for `patience` steps;
/// the returned labels are a full assignment to the final centres.
public enum MiniBatchKMeans {
    public struct Configuration: Sendable {
        public var k = 10
        public var batchSize = 1024
        public var maxEpochs = 100
        /// Steps without improvement of the exponentially weighted batch inertia before stopping.
        public var patience = 10
        public var seed: UInt64 = 0
        public init() {}
    }

    public static func fit<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, configuration c: Configuration,
                                              backend: B) throws -> KMeans.Result {
        guard c.k >= 1, c.k <= n else { throw BackendError.invalidArgument("--k \(c.k) must be between 1 and the number of points (\(n))") }
        guard c.batchSize >= 1 else { throw BackendError.invalidArgument("--batch-size must be at least 1") }
        var rng = SplitMix64(seed: c.seed)
        // Initialise with k-means++ (and one Lloyd step) on a random subset of 3 batches, like scikit-learn's init_size.
        var order = Array(0 ..< n)
        rng.shuffle(&order)
        let initRows = Array(order.prefix(min(n, max(3 * c.batchSize, c.k))))
        let subset = initRows.flatMap { x[($0 * d) ..< (($0 + 1) * d)] }
        var initConfiguration = KMeans.Configuration()
        initConfiguration.k = c.k
        initConfiguration.maxIterations = 1
        initConfiguration.seed = c.seed
        var centres = try KMeans.fit(subset, rows: initRows.count, dim: d, configuration: initConfiguration, backend: backend).centres
        var counts = [Double](repeating: 0, count: c.k)
        let batch = min(c.batchSize, n)
        let steps = max(1, c.maxEpochs * n / batch)
        var smoothed = Double.infinity, best = Double.infinity, stale = 0, taken = 0
        for _ in 0 ..< steps {
            let rows = (0 ..< batch).map { _ in rng.next(below: n) }
            let points = rows.flatMap { x[($0 * d) ..< (($0 + 1) * d)] }
            let (labels, minima) = try KMeans.assign(try KMeans.Points(backend: backend, x: points, rows: batch, dim: d),
                                                     rows: batch, dim: d, centres: centres, backend: backend)
            var sums = [Double](repeating: 0, count: c.k * d), batchCounts = [Double](repeating: 0, count: c.k)
            for (r, l) in labels.enumerated() {
                batchCounts[Int(l)] += 1
                for j in 0 ..< d { sums[Int(l) * d + j] += Double(points[r * d + j]) }
            }
            for l in 0 ..< c.k where batchCounts[l] > 0 {
                let total = counts[l] + batchCounts[l]
                for j in 0 ..< d { centres[l * d + j] = Float((Double(centres[l * d + j]) * counts[l] + sums[l * d + j]) / total) }
                counts[l] = total
            }
            taken += 1
            let inertia = minima.reduce(0.0) { $0 + Double($1) } / Double(batch)
            let alpha = min(1, 2 * Double(batch) / Double(n + 1))
            smoothed = smoothed.isFinite ? smoothed * (1 - alpha) + inertia * alpha : inertia
            if smoothed < best { best = smoothed; stale = 0 } else {
                stale += 1
                if stale >= c.patience { break }
            }
        }
        let (labels, minima) = try KMeans.assign(try KMeans.Points(backend: backend, x: x, rows: n, dim: d), rows: n, dim: d,
                                                 centres: centres, backend: backend)
        return KMeans.Result(labels: labels, centres: centres, inertia: minima.reduce(0.0) { $0 + Double($1) }, iterations: taken)
    }
}
