import Backend
import Dataset
import Foundation

/// How well an embedding keeps neighbourhoods, as scikit-learn's `manifold.trustworthiness`
/// (Venna and Kaski 2001):
/// `T(k) = 1 - 2 / (n k (2n - 3k - 1)) sum_i sum_{j in N_k(i) of Y} max(0, r(i, j) - k)`,
/// `r(i, j)` the rank of `j` among `i`'s neighbours in the input space (1 = nearest; ties by the
/// lower index), `N_k(i)` the `k` nearest neighbours in the embedding. Also the k-NN preservation:
/// the mean share of each point's `k` input neighbours that are among its `k` embedding neighbours.
///
/// With `sample`, both are computed on a seeded subset of that many points (input and embedding
/// restricted to it), which is what `trustworthiness(X[s], Y[s])` gives in scikit-learn. Input
/// distances come from backend blocks (memory O(sample x block)); comparisons within their float32
/// rounding error are redone with exact Double distances, so ranks are exact on every backend.
public enum Trustworthiness {
    public struct Result: Sendable, Codable {
        public var trustworthiness: Double
        public var neighbourPreservation: Double
        public var k: Int
        public var points: Int
    }

    public static func measure<B: ComputeBackend>(input x: [Float], dim d: Int, embedding y: [Float], dims: Int, rows n: Int, k: Int,
                                                  sample: Int? = nil, seed: UInt64 = 0, backend: B) throws -> Result {
        precondition(x.count == n * d && y.count == n * dims, "Trustworthiness: shapes disagree")
        var chosen = Array(0 ..< n)
        if let sample, sample < n {
            var rng = SplitMix64(seed: seed)
            rng.shuffle(&chosen)
            chosen = Array(chosen.prefix(sample)).sorted()
        }
        let m = chosen.count
        guard k >= 1, k < m / 2 else { throw ReduceError("trustworthiness needs k (\(k)) below half the points (\(m))") }
        let xs = chosen.flatMap { x[($0 * d) ..< (($0 + 1) * d)] }, ys = chosen.flatMap { y[($0 * dims) ..< (($0 + 1) * dims)] }
        let embedded = try backend.kNearestNeighbours(ys, rows: m, dim: dims, k: k, excludeSelf: true)
        let inputNeighbours = try backend.kNearestNeighbours(xs, rows: m, dim: d, k: k, excludeSelf: true)
        let hostNorms = (0 ..< m).map { i in (0 ..< d).reduce(0.0) { $0 + Double(xs[i * d + $1]) * Double(xs[i * d + $1]) } }
        // Input-space ranks of the embedding neighbours, row block by row block.
        let points = try backend.makeBuffer(xs), norms = try backend.makeBuffer(count: m)
        try backend.rowSquaredNorms(points, offset: 0, rows: m, cols: d, into: norms, outOffset: 0)
        let chunk = B.nearestChunkRows(rows: m, yRows: m)
        let block = try backend.makeBuffer(count: chunk * m)
        var penalty = 0.0
        var start = 0
        while start < m {
            let rows = min(chunk, m - start)
            try backend.squaredDistances(x: points, xOffset: start * d, xNorms: norms, xNormsOffset: start, rows: rows,
                                         y: points, yNorms: norms, yRows: m, dim: d, into: block)
            let distances = try backend.floats(block, offset: 0, count: rows * m)
            var partial = [Double](repeating: 0, count: rows)
            partial.withUnsafeMutableBufferPointer { out in
                parallelFor(rows, grain: 16) { range in
                    for r in range {
                        let i = start + r, row = distances[(r * m) ..< ((r + 1) * m)]
                        for j in embedded.neighbours(of: i).map(Int.init) {
                            // Ranks from float32 block distances, with every comparison closer than
                            // their rounding error decided by exact Double distances.
                            let exactJ = exactSquaredDistance(xs, i, j, dim: d), approxJ = Double(row[r * m + j])
                            var rank = 1
                            for l in 0 ..< m where l != i && l != j {
                                let approxL = Double(row[r * m + l])
                                let margin = 1e-5 * (hostNorms[i] + hostNorms[l] + hostNorms[j])
                                if approxL < approxJ - margin { rank += 1; continue }
                                if approxL > approxJ + margin { continue }
                                let exactL = exactSquaredDistance(xs, i, l, dim: d)
                                if exactL < exactJ || (exactL == exactJ && l < j) { rank += 1 }
                            }
                            out[r] += Double(max(0, rank - k))
                        }
                    }
                }
            }
            penalty += partial.reduce(0, +)
            start += rows
        }
        let t = 1 - 2 / (Double(m) * Double(k) * (2 * Double(m) - 3 * Double(k) - 1)) * penalty
        var kept = 0
        for i in 0 ..< m { kept += Set(inputNeighbours.neighbours(of: i)).intersection(embedded.neighbours(of: i)).count }
        return Result(trustworthiness: t, neighbourPreservation: Double(kept) / Double(m * k), k: k, points: m)
    }
}
