import Backend
import CBLAS

/// Complete and average linkage without a distance matrix, for the early merges of large inputs
/// (memory O(n d)). Both linkages are at least the distance between the clusters' centroids
/// (`max >= mean >= ||mean a - mean b||`, by the triangle inequality and Jensen), so a nearest-
/// neighbour query scans the centroids (one contiguous pass, as for ward) and measures the exact
/// linkage, from the member points, only for clusters whose centroid distance is below the best
/// exact distance found so far, nearest centroid first. The measurement stops early once it cannot
/// win (complete: a pair already reaches the best; average: the partial sum does).
struct MemberClusters: ChainClusters {
    let update: MatrixClusters.Update
    let dim: Int
    private let points: [Float]
    private(set) var members: [[Int]]     // by slot
    /// Centroids with a float copy for the bound scans (half the memory traffic).
    private var centroids: ActiveCentroids
    /// Bound on the error of a distance between float centroids (rounding of coordinates up to the
    /// data's largest magnitude), subtracted so float bounds stay lower bounds.
    private let slack: Double

    /// Nearest centroids kept from the first scan of a query (more are gathered when they run out).
    let listed: Int

    init(_ x: [Float], rows n: Int, dim d: Int, update: MatrixClusters.Update, listed: Int = 32) {
        precondition(listed >= 1, "MemberClusters: listed \(listed)")
        (self.update, dim, points, self.listed) = (update, d, x, listed)
        members = (0 ..< n).map { [$0] }
        centroids = ActiveCentroids(x, rows: n, dim: d, keepFloatCopy: true)
        slack = 1e-5 * (1 + Double(x.lazy.map { abs($0) }.max() ?? 0) * Double(d).squareRoot())
    }

    /// Compact position -> slot.
    var slots: [Int] { centroids.slots }
    var activeCount: Int { centroids.count }
    var someActive: Int { centroids.slots[0] }

    /// The linkage distance between two clusters from their members; stops (returning a value
    /// `>= limit`) as soon as it cannot be below `limit`.
    func linkage(_ a: Int, _ b: Int, below limit: Double) -> Double {
        let (ma, mb) = (members[a], members[b])
        let pairs = Double(ma.count * mb.count)
        var total = 0.0, largest = 0.0
        return points.withUnsafeBufferPointer { p in
            for i in ma {
                let pi = p.baseAddress! + i * dim
                for j in mb {
                    let v = euclidean(pi, p.baseAddress! + j * dim, dim)
                    switch update {
                    case .complete:
                        largest = max(largest, v)
                        if largest >= limit { return largest }
                    case .average:
                        total += v
                        if total >= limit * pairs { return total / pairs }
                    }
                }
            }
            return update == .complete ? largest : total / pairs
        }
    }

    func nearest(to a: Int, preferring preferred: Int?) -> (cluster: Int, distance: Double) {
        let pa = centroids.position(of: a), d = dim, m = centroids.count, slots = centroids.slots
        // Squared centroid distances from the float copy; `sqrt(v) - slack` is a lower bound on
        // the linkage, and a candidate is measured when that is below the best so far.
        let stride = centroids.floatStride
        let centre = (0 ..< d).map { centroids.floats[$0 * stride + pa] }
        /// Calls `body(position, bound)` for the positions of `range` but `pa` whose bound is below
        /// `limit()`; bounds are summed feature by feature over tiles of 256 positions (contiguous,
        /// vectorised; each sum runs in the same order as one centroid at a time).
        func scan(_ columns: UnsafePointer<Float>, _ range: Range<Int>, limit: () -> Float, _ body: (Int, Float) -> Void) {
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 256) { sums in
                for tile in Swift.stride(from: range.lowerBound, to: range.upperBound, by: 256) {
                    let count = min(256, range.upperBound - tile)
                    for t in 0 ..< count { sums[t] = 0 }
                    for j in 0 ..< d {
                        let column = columns + j * stride + tile, c = centre[j]
                        for t in 0 ..< count { let v = c - column[t]; sums[t] += v * v }
                    }
                    for t in 0 ..< count where sums[t] < limit() && tile + t != pa { body(tile + t, sums[t]) }
                }
            }
        }
        // One scan keeps the `listed` nearest centroids (by bound, then position); they are measured
        // nearest first until the bound alone loses. Only when every listed one was measured and
        // the last could still win does a second scan gather the rest below the best distance.
        let pieces = max(1, min(64, m / 16_384))
        var lists = [[(bound: Float, position: Int)]](repeating: [], count: pieces)
        centroids.floats.withUnsafeBufferPointer { s in
            lists.withUnsafeMutableBufferPointer { out in
                parallelFor(pieces, grain: 1) { range in
                    for piece in range {
                        var local: [(bound: Float, position: Int)] = []
                        local.reserveCapacity(listed + 1)
                        var worst = Float.infinity // the listed bound to beat once the list is full
                        scan(s.baseAddress!, (piece * m / pieces) ..< ((piece + 1) * m / pieces), limit: { worst }) { p, v in
                            var slot = local.count
                            local.append((v, p))
                            while slot > 0 && v < local[slot - 1].bound { local.swapAt(slot, slot - 1); slot -= 1 }
                            if local.count > listed { local.removeLast() }
                            if local.count == listed { worst = local[listed - 1].bound }
                        }
                        out[piece] = local
                    }
                }
            }
        }
        let nearestFirst = lists.joined().sorted { ($0.bound, $0.position) < ($1.bound, $1.position) }.prefix(listed)
        var best = Double.infinity, bestSlot = -1
        if let preferred {
            (best, bestSlot) = (linkage(a, preferred, below: .infinity), preferred)
        } else {
            let closest = slots[nearestFirst.first!.position]
            (best, bestSlot) = (linkage(a, closest, below: .infinity), closest)
        }
        let initial = bestSlot
        /// Measures candidates in order; true once the bound alone loses.
        func measure<S: Sequence>(_ candidates: S) -> Bool where S.Element == (bound: Float, position: Int) {
            for candidate in candidates where slots[candidate.position] != initial {
                if Double(candidate.bound).squareRoot() - slack >= best { return true }
                let v = linkage(a, slots[candidate.position], below: best)
                if v < best { (best, bestSlot) = (v, slots[candidate.position]) }
            }
            return false
        }
        if measure(nearestFirst) || nearestFirst.count < listed { return (bestSlot, best) }
        // The rest, after the last listed one, below the best distance, gathered across the cores.
        let last = nearestFirst.last!
        let threshold = Float((best + slack) * (best + slack))
        var found = [[(bound: Float, position: Int)]](repeating: [], count: pieces)
        centroids.floats.withUnsafeBufferPointer { s in
            found.withUnsafeMutableBufferPointer { out in
                parallelFor(pieces, grain: 1) { range in
                    for piece in range {
                        var local: [(bound: Float, position: Int)] = []
                        scan(s.baseAddress!, (piece * m / pieces) ..< ((piece + 1) * m / pieces), limit: { threshold }) { p, v in
                            if (v, p) > (last.bound, last.position) { local.append((v, p)) }
                        }
                        out[piece] = local
                    }
                }
            }
        }
        _ = measure(found.joined().sorted { ($0.bound, $0.position) < ($1.bound, $1.position) })
        return (bestSlot, best)
    }

    mutating func merge(_ a: Int, _ b: Int, distance: Double) -> Int {
        centroids.merge(a, into: b)
        members[b] += members[a]
        members[a] = []
        return b
    }

    /// The `[m, m]` linkage matrix of the active clusters (rows in `slots` order), from all point
    /// pairs: points sorted by cluster, distances `sqrt(|x|^2 + |y|^2 - 2 x.y)` with the products from
    /// `dgemm` in row blocks (double precision), each row reduced (max or sum) over every cluster's
    /// contiguous run across the cores, rows added into their cluster's double accumulator.
    /// Work O(n^2 d); memory `4 m^2` bytes plus O(block (n + m)).
    func matrix() -> [Float] {
        let m = slots.count, d = dim
        var order: [Int] = [], start: [Int] = [], clusterOf: [Int] = []
        for (r, slot) in slots.enumerated() {
            start.append(order.count)
            order += members[slot]
            clusterOf += [Int](repeating: r, count: members[slot].count)
        }
        start.append(order.count)
        let n = order.count
        let sorted = order.flatMap { points[($0 * d) ..< (($0 + 1) * d)].map(Double.init) }
        let norms = (0 ..< n).map { i in (0 ..< d).reduce(0.0) { $0 + sorted[i * d + $1] * sorted[i * d + $1] } }
        var result = [Float](repeating: 0, count: m * m)
        let block = max(1, min(n, (32 << 20) / (8 * (n + m))))
        var products = [Double](repeating: 0, count: block * n)
        var partial = [Double](repeating: 0, count: m < n ? block * m : 0)
        var accumulator = [Double](repeating: 0, count: m)
        var current = 0 // the cluster whose rows `accumulator` holds
        func flush(_ r: Int) {
            let size = Double(start[r + 1] - start[r])
            for s in 0 ..< m where s != r {
                result[r * m + s] = Float(update == .complete ? accumulator[s] : accumulator[s] / (size * Double(start[s + 1] - start[s])))
            }
            for s in 0 ..< m { accumulator[s] = 0 }
        }
        for first in stride(from: 0, to: n, by: block) {
            let rows = min(block, n - first)
            sorted.withUnsafeBufferPointer { p in
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(d), 1,
                            p.baseAddress! + first * d, Int32(d), p.baseAddress!, Int32(d), 0, &products, Int32(n))
            }
            if m == n {
                // Every cluster a single point: each row of distances is the matrix row itself.
                products.withUnsafeBufferPointer { prod in
                    result.withUnsafeMutableBufferPointer { out in
                        parallelFor(rows, grain: 1) { range in
                            for r in range {
                                let i = first + r, ni = norms[i], row = prod.baseAddress! + r * n
                                for j in 0 ..< n { out[i * m + j] = i == j ? 0 : Float(max(0, ni + norms[j] - 2 * row[j]).squareRoot()) }
                            }
                        }
                    }
                }
                continue
            }
            products.withUnsafeBufferPointer { prod in
                partial.withUnsafeMutableBufferPointer { out in
                    parallelFor(rows, grain: 1) { range in
                        for r in range {
                            let i = first + r, ni = norms[i]
                            let row = prod.baseAddress! + r * n
                            for s in 0 ..< m {
                                var acc = 0.0
                                for j in start[s] ..< start[s + 1] {
                                    let v = max(0, ni + norms[j] - 2 * row[j]).squareRoot()
                                    acc = update == .complete ? max(acc, v) : acc + v
                                }
                                out[r * m + s] = acc
                            }
                        }
                    }
                }
            }
            for r in 0 ..< rows {
                let cluster = clusterOf[first + r]
                if cluster != current { flush(current); current = cluster }
                for s in 0 ..< m {
                    let v = partial[r * m + s]
                    accumulator[s] = update == .complete ? max(accumulator[s], v) : accumulator[s] + v
                }
            }
        }
        if m < n { flush(current) }
        // Exact symmetry (the two triangles come from different rows' products), so ties order alike.
        for r in 0 ..< m { for c in (r + 1) ..< m { result[c * m + r] = result[r * m + c] } }
        return result
    }

    /// Cluster sizes in `slots` order.
    var slotSizes: [Int] { slots.map { members[$0].count } }
}
