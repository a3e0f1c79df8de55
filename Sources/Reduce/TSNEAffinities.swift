import Backend
import Foundation

/// t-SNE's input similarities (van der Maaten 2014), as scikit-learn's `_joint_probabilities_nn`:
/// for each point, over its `k = min(n - 1, 3 perplexity + 1)` nearest neighbours (itself excluded),
/// `p_j|i = exp(-d_ij^2 beta_i) / sum_l exp(-d_il^2 beta_i)` with `beta_i` found by bisection
/// (100 steps, tolerance 1e-5) so that the entropy `-sum p log p` equals `log(perplexity)`; then
/// `P = (P_cond + P_cond^T)` normalised to sum 1. Stored as symmetric CSR.
public struct TSNEAffinities: Sendable {
    public let count: Int
    public var rowStart: [Int]
    public var columns: [Int32]
    public var values: [Double]

    public init(graph g: NeighbourGraph, perplexity: Double) {
        let n = g.rows, k = g.k
        count = n
        var conditional = [Double](repeating: 0, count: n * k)
        let target = log(perplexity)
        conditional.withUnsafeMutableBufferPointer { out in
            parallelFor(n, grain: 512) { range in
                var p = [Double](repeating: 0, count: k)
                for i in range {
                    let d2 = (0 ..< k).map { Double(g.distances[i * k + $0]) * Double(g.distances[i * k + $0]) }
                    var beta = 1.0, lo = -Double.infinity, hi = Double.infinity
                    for _ in 0 ..< 100 {
                        var sum = 0.0
                        for j in 0 ..< k { p[j] = exp(-d2[j] * beta); sum += p[j] }
                        if sum == 0 { sum = 1e-8 }
                        var entropy = 0.0
                        for j in 0 ..< k { p[j] /= sum; entropy += d2[j] * p[j] }
                        entropy = log(sum) + beta * entropy
                        let difference = entropy - target
                        if abs(difference) <= 1e-5 { break }
                        if difference > 0 {
                            lo = beta
                            beta = hi == .infinity ? beta * 2 : (beta + hi) / 2
                        } else {
                            hi = beta
                            beta = lo == -.infinity ? beta / 2 : (beta + lo) / 2
                        }
                    }
                    for j in 0 ..< k { out[i * k + j] = p[j] }
                }
            }
        }
        // P + P^T: entries (i, j) and (j, i) sorted by position, equal positions summed.
        var entries: [(key: Int, value: Double)] = []
        entries.reserveCapacity(2 * n * k)
        for i in 0 ..< n {
            for q in 0 ..< k where g.indices[i * k + q] >= 0 && conditional[i * k + q] > 0 {
                let j = Int(g.indices[i * k + q])
                entries.append((i * n + j, conditional[i * k + q]))
                entries.append((j * n + i, conditional[i * k + q]))
            }
        }
        entries.sort { $0.key < $1.key }
        var rowStart = [Int](repeating: 0, count: n + 1), columns: [Int32] = [], values: [Double] = []
        var e = 0, total = 0.0
        while e < entries.count {
            let key = entries[e].key
            var v = 0.0
            while e < entries.count && entries[e].key == key { v += entries[e].value; e += 1 }
            rowStart[key / n + 1] += 1
            columns.append(Int32(key % n))
            values.append(v)
            total += v
        }
        for i in 0 ..< n { rowStart[i + 1] += rowStart[i] }
        let scale = 1 / max(total, Double.ulpOfOne)
        (self.rowStart, self.columns, self.values) = (rowStart, columns, values.map { $0 * scale })
    }

    /// `p_ij`, 0 when absent.
    public func value(_ i: Int, _ j: Int) -> Double {
        for e in rowStart[i] ..< rowStart[i + 1] where Int(columns[e]) == j { return values[e] }
        return 0
    }
}
