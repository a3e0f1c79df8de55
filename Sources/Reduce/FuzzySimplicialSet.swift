import Backend
import Foundation

/// UMAP's fuzzy topological representation of a k-NN graph (McInnes, Healy and Melville 2018,
/// section 3; umap-learn's `smooth_knn_dist`, `compute_membership_strengths` and
/// `fuzzy_simplicial_set`), as a symmetric sparse matrix.
///
/// For each point `i` with neighbour distances `d_i1 <= ... <= d_ik` (itself first, at 0):
/// `rho_i` is the distance to the nearest other point (with `localConnectivity` 1), and `sigma_i`
/// solves `sum_{j >= 2} exp(-max(0, d_ij - rho_i) / sigma_i) = log2(k)` by bisection (64 steps,
/// tolerance 1e-5), floored at `1e-3` times the mean neighbour distance. The directed membership is
/// `p_ij = exp(-max(0, d_ij - rho_i) / sigma_i)` (0 for `j = i`), and the fuzzy union
/// `w_ij = mix (p_ij + p_ji - p_ij p_ji) + (1 - mix) p_ij p_ji` (`setOpMixRatio`, default 1).
public struct FuzzySimplicialSet: Sendable {
    /// Points.
    public let count: Int
    /// CSR rows: the neighbours of row `i` are `columns[rowStart[i] ..< rowStart[i + 1]]`, ascending.
    public var rowStart: [Int]
    public var columns: [Int32]
    public var weights: [Float]
    /// Each entry's input-space distance: the larger of the two directed k-NN distances where both
    /// exist (umap-learn's `return_dists`), used by densMAP.
    public var distances: [Float]
    /// The per-point scales, for inspection and tests.
    public var sigmas: [Double]
    public var rhos: [Double]

    public static let smoothKTolerance = 1e-5
    public static let minimumKDistanceScale = 1e-3

    /// An empty set of `count` points whose rows the caller appends (`rowStart` holds `[0]`).
    init(count: Int) {
        self.count = count
        (rowStart, columns, weights, distances, sigmas, rhos) = ([0], [], [], [], [], [])
    }

    /// Builds the set from a k-NN graph whose rows list each point itself first; entries with index
    /// -1 (a mutual graph's removed edges, at the ends of their rows) are skipped. The bisection
    /// target stays `log2(k)` with the graph's `k`.
    public init(graph g: NeighbourGraph, setOpMixRatio mix: Double = 1, localConnectivity: Double = 1) {
        let n = g.rows, k = g.k
        count = n
        let valid = zip(g.indices, g.distances).filter { $0.0 >= 0 }
        let meanAll = valid.reduce(0.0) { $0 + Double($1.1) } / Double(max(1, valid.count))
        var sigmas = [Double](repeating: 0, count: n), rhos = [Double](repeating: 0, count: n)
        let target = log2(Double(k))
        sigmas.withUnsafeMutableBufferPointer { sig in
            rhos.withUnsafeMutableBufferPointer { rho in
                parallelFor(n, grain: 1024) { range in
                    for i in range {
                        // Entries marked -1 (removed by the mutual-k-NN option) take no part.
                        let row = (0 ..< k).filter { g.indices[i * k + $0] >= 0 }.map { Double(g.distances[i * k + $0]) }
                        let nonZero = row.filter { $0 > 0 }
                        if Double(nonZero.count) >= localConnectivity {
                            let index = Int(localConnectivity.rounded(.down)), interpolation = localConnectivity - Double(index)
                            if index > 0 {
                                rho[i] = nonZero[index - 1]
                                if interpolation > Self.smoothKTolerance { rho[i] += interpolation * (nonZero[index] - nonZero[index - 1]) }
                            } else {
                                rho[i] = interpolation * nonZero[0]
                            }
                        } else if let largest = nonZero.max() {
                            rho[i] = largest
                        }
                        var lo = 0.0, hi = Double.infinity, mid = 1.0
                        for _ in 0 ..< 64 {
                            var sum = 0.0
                            for j in 1 ..< row.count {
                                let d = row[j] - rho[i]
                                sum += d > 0 ? exp(-(d / mid)) : 1
                            }
                            if abs(sum - target) < Self.smoothKTolerance { break }
                            if sum > target {
                                hi = mid
                                mid = (lo + hi) / 2
                            } else {
                                lo = mid
                                mid = hi == .infinity ? mid * 2 : (lo + hi) / 2
                            }
                        }
                        let floor = Self.minimumKDistanceScale * (rho[i] > 0 ? row.reduce(0, +) / Double(max(1, row.count)) : meanAll)
                        sig[i] = max(mid, floor)
                    }
                }
            }
        }
        self.sigmas = sigmas
        self.rhos = rhos
        // Directed memberships, then the fuzzy union with the transpose: entries (i, j, p_ij) and
        // (j, i, p_ij) sorted by position; equal positions combine.
        var entries: [(key: Int, forward: Float, backward: Float, distance: Float)] = []
        entries.reserveCapacity(2 * n * k)
        for i in 0 ..< n {
            for q in 0 ..< k {
                let j = Int(g.indices[i * k + q])
                guard j >= 0, j != i else { continue }
                let d = Double(g.distances[i * k + q]) - rhos[i]
                let p = Float(d <= 0 || sigmas[i] == 0 ? 1 : exp(-(d / sigmas[i])))
                guard p > 0 else { continue }
                entries.append((i * n + j, p, 0, g.distances[i * k + q]))
                entries.append((j * n + i, 0, p, g.distances[i * k + q]))
            }
        }
        entries.sort { $0.key < $1.key }
        var rowStart = [Int](repeating: 0, count: n + 1), columns: [Int32] = [], weights: [Float] = [], distances: [Float] = []
        var e = 0
        while e < entries.count {
            var forward: Float = 0, backward: Float = 0, distance: Float = 0
            let key = entries[e].key
            while e < entries.count && entries[e].key == key {
                forward = max(forward, entries[e].forward)
                backward = max(backward, entries[e].backward)
                distance = max(distance, entries[e].distance)
                e += 1
            }
            let product = Double(forward) * Double(backward)
            let w = mix * (Double(forward) + Double(backward) - product) + (1 - mix) * product
            guard w > 0 else { continue }
            rowStart[key / n + 1] += 1
            columns.append(Int32(key % n))
            weights.append(Float(w))
            distances.append(distance)
        }
        for i in 0 ..< n { rowStart[i + 1] += rowStart[i] }
        (self.rowStart, self.columns, self.weights, self.distances) = (rowStart, columns, weights, distances)
    }

    /// Stored entries (both directions of every edge).
    public var edgeCount: Int { columns.count }

    /// The weight of `(i, j)`, 0 when absent.
    public func weight(_ i: Int, _ j: Int) -> Float {
        let row = columns[rowStart[i] ..< rowStart[i + 1]]
        guard let at = row.firstIndex(of: Int32(j)) else { return 0 }
        return weights[at]
    }
}

extension FuzzySimplicialSet {
    /// The set's entries among `points` (distinct indices, in any order), point `r` of the copy
    /// being `points[r]`; each row's entries in ascending column order. A permutation of every point
    /// renumbers the set (UMAP's blocked SGD); ascending members give a subgraph (one component).
    func selecting(_ points: [Int32]) -> FuzzySimplicialSet {
        var position = [Int32](repeating: -1, count: count)
        for (r, i) in points.enumerated() { position[Int(i)] = Int32(r) }
        var copy = FuzzySimplicialSet(count: points.count)
        for i in points.map(Int.init) {
            let entries = (rowStart[i] ..< rowStart[i + 1]).filter { position[Int(columns[$0])] >= 0 }
                .sorted { position[Int(columns[$0])] < position[Int(columns[$1])] }
            for e in entries {
                copy.columns.append(position[Int(columns[e])])
                copy.weights.append(weights[e])
                copy.distances.append(distances[e])
            }
            copy.rowStart.append(copy.columns.count)
        }
        copy.sigmas = points.map { sigmas[Int($0)] }
        copy.rhos = points.map { rhos[Int($0)] }
        return copy
    }
}
