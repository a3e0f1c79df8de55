import Backend
import Dataset
import Foundation

/// Scores of a clustering from the features alone, as scikit-learn defines them. Noise (-1) is a
/// cluster like any other here, as scikit-learn treats it.
public enum InternalMetrics {
    /// Mean silhouette `(b - a) / max(a, b)` over the points (or `sample` of them, drawn with `seed`),
    /// with Euclidean distances; `a` is the mean distance to the point's own cluster (0 for a
    /// singleton, whose silhouette is 0), `b` the smallest mean distance to another cluster.
    /// Distances come from the backend in row blocks against all points, so memory stays O(n);
    /// `progress(points scored, points to score)` follows the blocks.
    public static func silhouette<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, labels: [Int64], backend: B,
                                                     sample: Int? = nil, seed: UInt64 = 0,
                                                     progress: (Int, Int) -> Void = { _, _ in }) throws -> Double {
        precondition(x.count == n * d && labels.count == n, "silhouette: shapes disagree")
        let clusterIDs = Array(Set(labels)).sorted()
        guard clusterIDs.count >= 2, clusterIDs.count < n else {
            throw BackendError.invalidArgument("silhouette needs between 2 and n-1 clusters, got \(clusterIDs.count)")
        }
        let index = Dictionary(uniqueKeysWithValues: clusterIDs.enumerated().map { ($1, $0) })
        let cluster = labels.map { index[$0]! }
        var sizes = [Int](repeating: 0, count: clusterIDs.count)
        for c in cluster { sizes[c] += 1 }
        var chosen = Array(0 ..< n)
        if let sample, sample < n {
            var rng = SplitMix64(seed: seed)
            rng.shuffle(&chosen)
            chosen = Array(chosen.prefix(sample)).sorted()
        }
        let all = try backend.makeBuffer(x)
        let allNorms = try backend.makeBuffer(count: n)
        try backend.rowSquaredNorms(all, offset: 0, rows: n, cols: d, into: allNorms, outOffset: 0)
        let chunk = max(1, min(chosen.count, (32 << 20) / (4 * n)))
        let block = try backend.makeBuffer(count: chunk * n)
        var total = 0.0
        for start in stride(from: 0, to: chosen.count, by: chunk) {
            let rows = Array(chosen[start ..< min(chosen.count, start + chunk)])
            let queries = try backend.makeBuffer(rows.flatMap { x[($0 * d) ..< (($0 + 1) * d)] })
            let queryNorms = try backend.makeBuffer(count: rows.count)
            try backend.rowSquaredNorms(queries, offset: 0, rows: rows.count, cols: d, into: queryNorms, outOffset: 0)
            try backend.squaredDistances(x: queries, xOffset: 0, xNorms: queryNorms, xNormsOffset: 0, rows: rows.count,
                                         y: all, yNorms: allNorms, yRows: n, dim: d, into: block)
            let distances = try backend.floats(block, offset: 0, count: rows.count * n)
            // Each row's value on its own across the cores; summed in row order, so the total does
            // not depend on the number of cores.
            var values = [Double](repeating: 0, count: rows.count)
            values.withUnsafeMutableBufferPointer { out in
                distances.withUnsafeBufferPointer { dist in
                    cluster.withUnsafeBufferPointer { cluster in
                        parallelFor(rows.count, grain: max(1, 65_536 / n)) { range in
                            var sums = [Double](repeating: 0, count: clusterIDs.count)
                            for r in range {
                                let i = rows[r], row = dist.baseAddress! + r * n
                                for c in sums.indices { sums[c] = 0 }
                                for j in 0 ..< n where j != i { sums[cluster[j]] += Double(row[j]).squareRoot() }
                                let own = cluster[i]
                                guard sizes[own] > 1 else { continue }
                                let a = sums[own] / Double(sizes[own] - 1)
                                var b = Double.infinity
                                for c in 0 ..< sums.count where c != own { b = min(b, sums[c] / Double(sizes[c])) }
                                out[r] = max(a, b) > 0 ? (b - a) / max(a, b) : 0
                            }
                        }
                    }
                }
            }
            for value in values { total += value }
            progress(start + rows.count, chosen.count)
        }
        return total / Double(chosen.count)
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
    /// mean distance of cluster i's points to its centroid.
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
        var total = 0.0
        for a in 0 ..< k {
            var worst = 0.0
            for b in 0 ..< k where b != a {
                var s = 0.0
                for j in 0 ..< d { let t = centres[a * d + j] - centres[b * d + j]; s += t * t }
                let separation = s.squareRoot()
                worst = max(worst, separation == 0 ? .infinity : (scatter[a] + scatter[b]) / separation)
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
