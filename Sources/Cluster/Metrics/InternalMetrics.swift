import Backend
import Dataset
import Foundation

/// Scores of a clustering from the features alone, as scikit-learn defines them. Noise (-1) is a
/// cluster like any other here, as scikit-learn treats it.
public enum InternalMetrics {
    /// Mean silhouette `(b - a) / max(a, b)` over the points, with Euclidean distances; `a` is the
    /// mean distance to the point's own cluster (0 for a singleton, whose silhouette is 0), `b` the
    /// smallest mean distance to another cluster. With `sample`, as scikit-learn's
    /// `silhouette_score(sample_size=, random_state=)`: `sample` points drawn with `seed` are scored
    /// among themselves only (O(sample^2) instead of O(sample n)).
    ///
    /// The points are reordered by cluster once, so each cluster's distances in a row are
    /// contiguous and summed sixteen square roots at a time (float32 within blocks of 1,024, the
    /// blocks in Double). Distances come from the backend in blocks of rows against all points (a
    /// few MiB); memory stays O(n d). `progress(points scored, points to score)` follows the blocks.
    public static func silhouette<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, labels: [Int64], backend: B,
                                                     sample: Int? = nil, seed: UInt64 = 0,
                                                     progress: (Int, Int) -> Void = { _, _ in }) throws -> Double {
        precondition(x.count == n * d && labels.count == n, "silhouette: shapes disagree")
        if let sample, sample < n {
            var chosen = Array(0 ..< n)
            var rng = SplitMix64(seed: seed)
            rng.shuffle(&chosen)
            chosen = Array(chosen.prefix(max(0, sample))).sorted()
            return try silhouette(chosen.flatMap { x[($0 * d) ..< (($0 + 1) * d)] }, rows: chosen.count, dim: d,
                                  labels: chosen.map { labels[$0] }, backend: backend, progress: progress)
        }
        let clusterIDs = Array(Set(labels)).sorted()
        guard clusterIDs.count >= 2, clusterIDs.count < n else {
            throw BackendError.invalidArgument("the silhouette needs 2 to n - 1 clusters; the \(n) points hold \(clusterIDs.count)")
        }
        let index = Dictionary(uniqueKeysWithValues: clusterIDs.enumerated().map { ($1, $0) })
        let cluster = labels.map { index[$0]! }
        let k = clusterIDs.count
        var sizes = [Int](repeating: 0, count: k)
        for c in cluster { sizes[c] += 1 }
        // Points by cluster (stable): cluster c occupies sorted positions starts[c] ..< starts[c + 1].
        var starts = [Int](repeating: 0, count: k + 1)
        for c in 0 ..< k { starts[c + 1] = starts[c] + sizes[c] }
        var next = starts, sorted = [Float](repeating: 0, count: n * d)
        for i in 0 ..< n {
            let p = next[cluster[i]]
            next[cluster[i]] += 1
            for j in 0 ..< d { sorted[p * d + j] = x[i * d + j] }
        }
        let all = try backend.makeBuffer(sorted)
        let allNorms = try backend.makeBuffer(count: n)
        try backend.rowSquaredNorms(all, offset: 0, rows: n, cols: d, into: allNorms, outOffset: 0)
        var clusterAt = [Int](repeating: 0, count: n)
        for c in 0 ..< k { for p in starts[c] ..< starts[c + 1] { clusterAt[p] = c } }
        let chunk = max(1, min(n, (32 << 20) / (4 * n)))
        let block = try backend.makeBuffer(count: chunk * n)
        var total = 0.0
        // Rows in cluster order (the sorted matrix is both the queries and the targets).
        for start in stride(from: 0, to: n, by: chunk) {
            let rows = min(chunk, n - start)
            try backend.squaredDistances(x: all, xOffset: start * d, xNorms: allNorms, xNormsOffset: start, rows: rows,
                                         y: all, yNorms: allNorms, yRows: n, dim: d, into: block)
            let distances = try backend.floats(block, offset: 0, count: rows * n)
            // Each row's value on its own across the cores; summed in row order, so the total does
            // not depend on the number of cores.
            var values = [Double](repeating: 0, count: rows)
            values.withUnsafeMutableBufferPointer { out in
                distances.withUnsafeBufferPointer { dist in
                    parallelFor(rows, grain: 1) { range in
                        for r in range {
                            let me = start + r, own = clusterAt[me], row = dist.baseAddress! + r * n
                            guard sizes[own] > 1 else { continue }
                            // Own cluster without the point itself (its computed distance need not be 0).
                            let a = (sumOfSquareRoots(row + starts[own], count: me - starts[own])
                                     + sumOfSquareRoots(row + me + 1, count: starts[own + 1] - me - 1)) / Double(sizes[own] - 1)
                            var b = Double.infinity
                            for c in 0 ..< k where c != own {
                                b = min(b, sumOfSquareRoots(row + starts[c], count: sizes[c]) / Double(sizes[c]))
                            }
                            out[r] = max(a, b) > 0 ? (b - a) / max(a, b) : 0
                        }
                    }
                }
            }
            for value in values { total += value }
            progress(start + rows, n)
        }
        return total / Double(n)
    }

    /// `sum_j sqrt(max(0, p[j]))` over `count` squared distances: sixteen lanes in float32 within
    /// blocks of 1,024 values, the blocks added in Double (relative error about 1e-7).
    static func sumOfSquareRoots(_ p: UnsafePointer<Float>, count: Int) -> Double {
        var total = 0.0, i = 0
        while i < count {
            let end = min(count, i + 1024)
            var lanes = SIMD16<Float>(repeating: 0)
            while i + 16 <= end {
                let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
                lanes += v.replacing(with: 0, where: v .< 0).squareRoot()
                i += 16
            }
            var rest: Float = 0
            while i < end { rest += max(0, p[i]).squareRoot(); i += 1 }
            total += Double(lanes.sum()) + Double(rest)
        }
        return total
    }

    /// Calinski-Harabasz: `(between-cluster dispersion / (k - 1)) / (within-cluster dispersion / (n - k))`.
    public static func calinskiHarabasz(_ x: [Float], rows n: Int, dim d: Int, labels: [Int64]) -> Double {
        let (centres, sizes, cluster) = centroids(x, rows: n, dim: d, labels: labels)
        let k = sizes.count
        guard k >= 2, n > k else { return 0 }
        var mean = [Double](repeating: 0, count: d)
        for i in 0 ..< n { for j in 0 ..< d { mean[j] += Double(x[i * d + j]) / Double(n) } }
        var between = 0.0, within = 0.0
        for c in 0 ..< k { for j in 0 ..< d { let t = centres[c * d + j] - mean[j]; between += Double(sizes[c]) * t * t } }
        for i in 0 ..< n { for j in 0 ..< d { let t = Double(x[i * d + j]) - centres[cluster[i] * d + j]; within += t * t } }
        return within == 0 ? 1 : between * Double(n - k) / (within * Double(k - 1))
    }

    /// Davies-Bouldin: the mean over clusters of `max_{j != i} (s_i + s_j) / |c_i - c_j|`, `s_i` the
    /// mean distance of cluster i's points to its centroid. As scikit-learn's `davies_bouldin_score`:
    /// a pair of clusters with the same centroid contributes 0 (its distance counts as infinite), and
    /// the score is 0 when every `s_i` or every centroid distance is within 1e-8 of 0 (`np.allclose`).
    public static func daviesBouldin(_ x: [Float], rows n: Int, dim d: Int, labels: [Int64]) -> Double {
        let (centres, sizes, cluster) = centroids(x, rows: n, dim: d, labels: labels)
        let k = sizes.count
        guard k >= 2 else { return 0 }
        var scatter = [Double](repeating: 0, count: k)
        for i in 0 ..< n {
            var s = 0.0
            for j in 0 ..< d { let t = Double(x[i * d + j]) - centres[cluster[i] * d + j]; s += t * t }
            scatter[cluster[i]] += s.squareRoot() / Double(sizes[cluster[i]])
        }
        var separation = [Double](repeating: 0, count: k * k)
        for a in 0 ..< k {
            for b in 0 ..< k where b != a {
                var s = 0.0
                for j in 0 ..< d { let t = centres[a * d + j] - centres[b * d + j]; s += t * t }
                separation[a * k + b] = s.squareRoot()
            }
        }
        let nearZero = { (value: Double) in abs(value) <= 1e-8 }
        if scatter.allSatisfy(nearZero) || separation.allSatisfy(nearZero) { return 0 }
        var total = 0.0
        for a in 0 ..< k {
            var worst = 0.0
            for b in 0 ..< k where b != a && separation[a * k + b] != 0 {
                worst = max(worst, (scatter[a] + scatter[b]) / separation[a * k + b])
            }
            total += worst
        }
        return total / Double(k)
    }

    /// Cluster centroids `[k, d]`, sizes, and each point's cluster index (labels in sorted order).
    static func centroids(_ x: [Float], rows n: Int, dim d: Int, labels: [Int64]) -> ([Double], [Int], [Int]) {
        let ids = Array(Set(labels)).sorted()
        let index = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        let cluster = labels.map { index[$0]! }
        var centres = [Double](repeating: 0, count: ids.count * d), sizes = [Int](repeating: 0, count: ids.count)
        for i in 0 ..< n {
            sizes[cluster[i]] += 1
            for j in 0 ..< d { centres[cluster[i] * d + j] += Double(x[i * d + j]) }
        }
        for c in 0 ..< ids.count { for j in 0 ..< d { centres[c * d + j] /= Double(sizes[c]) } }
        return (centres, sizes, cluster)
    }
}
