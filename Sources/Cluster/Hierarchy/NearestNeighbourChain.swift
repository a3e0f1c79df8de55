import Backend

/// The clusters of a reducible linkage as the nearest-neighbour chain sees them: clusters are
/// named by a member point (a "slot" in `0 ..< n`), and merging keeps one of the two slots.
protocol ChainClusters {
    /// Clusters not yet merged away.
    var activeCount: Int { get }
    /// Any active cluster.
    var someActive: Int { get }
    /// The nearest other active cluster to `a` and the linkage distance; `preferred` (the chain's
    /// previous link) wins ties, which is what guarantees that the chain ends in a reciprocal pair.
    func nearest(to a: Int, preferring preferred: Int?) -> (cluster: Int, distance: Double)
    /// Merges `a` and `b` (reciprocal nearest neighbours) and returns the surviving slot.
    mutating func merge(_ a: Int, _ b: Int, distance: Double) -> Int
}

/// Nearest-neighbour chain (Murtagh 1983; Müllner 2011, "Modern hierarchical, agglomerative
/// clustering algorithms"): follow nearest neighbours until two clusters are each other's nearest,
/// merge them, continue from the rest of the chain. Exact for reducible linkages; O(n) nearest
/// queries of O(active clusters) each. Returns the merges in the order found (`n - 1`, or until
/// `stopAt` clusters remain; the chain may be abandoned at any point, every merge made is final).
func nearestNeighbourChain<C: ChainClusters>(_ clusters: inout C, points n: Int, stopAt: Int = 1,
                                             progress: (Int) -> Void) -> [(a: Int, b: Int, height: Double)] {
    var merges: [(a: Int, b: Int, height: Double)] = []
    merges.reserveCapacity(max(0, n - 1))
    var chain: [Int] = []
    let step = max(1, n / 1000) // progress granularity: 0.1 %
    while clusters.activeCount > stopAt {
        if chain.isEmpty { chain.append(clusters.someActive) }
        let a = chain[chain.count - 1]
        let previous = chain.count >= 2 ? chain[chain.count - 2] : nil
        let (b, distance) = clusters.nearest(to: a, preferring: previous)
        if b == previous {
            chain.removeLast(2)
            merges.append((a, b, distance))
            _ = clusters.merge(a, b, distance: distance)
            if merges.count % step == 0 { progress(merges.count) }
        } else {
            chain.append(b)
        }
    }
    return merges
}

/// Ward's linkage from cluster sizes and centroids (memory O(n d)): the cost of merging A and B is
/// `w = |A||B| / (|A| + |B|) * ||c_A - c_B||^2`, the increase in within-cluster sum of squares, and
/// the reported height is SciPy's `sqrt(2 w)` (for two points, their Euclidean distance).
/// Centroids live in a compact array of the active clusters, so the nearest-neighbour scan is one
/// contiguous pass, split across the cores.
///
/// The scan sums squared differences in float32 first (twice the lanes of Double) and measures in
/// Double only the centroids whose float sum could still win: float rounding moves a distance by
/// at most `floatError` (`2^-24` times 4.1 times the largest L1 norm of a point, which bounds every
/// centroid's, plus the sum's relative rounding `d 2^-24`), so a centroid whose float sum exceeds
/// the Double threshold of the best so far, widened by that, cannot win. Costs compared are the
/// same Double values as without the float pass, so the merges (ties included) are unchanged.
struct WardClusters: ChainClusters {
    private var centroids: ActiveCentroids
    /// Bound on `| ||c_a - c_b|| computed in float32 - the exact distance |`.
    private let floatError: Double
    /// Whether the float32 pre-scan filters (false: every centroid measured in Double; tests).
    private let floatScan: Bool
    /// The k-d tree over the centroids while it is used (see `init`), rebuilt when half of its
    /// clusters are gone, dropped below `treeMinimum` clusters (a scan of so few is as fast).
    private var tree: WardCentroidTree?
    private let points: Int, treeMinimum: Int
    /// Most features at which `NeighbourIndex.auto` queries the tree. Measured (70,000 and 20,000
    /// PCA rows of the pixels, 2 cores, same merges): scan / tree 14.1 / 3.1 s at 10 features, 21.6 /
    /// 11.2 s at 20 (70,000); 3.9 / 2.7 s at 32, 5.5 / 5.0 at 48, 7.7 / 11.2 at 80 (20,000).
    static let treeDimensions = 32

    /// `tree`: answer queries from a `WardCentroidTree` (few features) instead of scanning every
    /// centroid, while at least `treeMinimum` clusters remain; the merges are the same either way.
    init(_ x: [Float], rows n: Int, dim d: Int, floatScan: Bool = true, tree useTree: Bool = false, treeMinimum: Int = 1024) {
        (self.floatScan, points, self.treeMinimum) = (floatScan, n, treeMinimum)
        centroids = ActiveCentroids(x, rows: n, dim: d, keepFloatCopy: true, keepColumns: true)
        if useTree && n >= treeMinimum { tree = WardCentroidTree(centroids, slotCount: n) }
        var largest = 0.0
        for i in 0 ..< n {
            var l1 = 0.0
            for j in 0 ..< d { l1 += abs(Double(x[i * d + j])) }
            largest = max(largest, l1)
        }
        floatError = 4.1 * largest * 0x1p-24
    }

    var activeCount: Int { centroids.count }
    var someActive: Int { centroids.slots[0] }

    func nearest(to a: Int, preferring preferred: Int?) -> (cluster: Int, distance: Double) {
        let pa = centroids.position(of: a), d = centroids.dim, m = centroids.count, stride = centroids.floatStride
        let sa = centroids.sizes[pa]
        let centre = (0 ..< d).map { centroids.values[pa * d + $0] }
        if let tree {
            var start: (position: Int, cost: Double)?
            if let preferred {
                let p = centroids.position(of: preferred), s = centroids.sizes[p]
                var sum = 0.0
                for j in 0 ..< d { let t = centre[j] - centroids.columns[j * stride + p]; sum += t * t }
                start = (p, sum * (sa * s / (sa + s)))
            }
            let found = centre.withUnsafeBufferPointer { tree.cheapest(from: pa, centre: $0, size: sa, start: start, centroids: centroids) }
            return (centroids.slots[found.position], (2 * found.cost).squareRoot())
        }
        let centreFloat = centre.map { Float($0) }
        var bestPosition = -1, best = Double.infinity
        // The size factor grows with the other cluster's size, so `sa / (sa + 1)` (a single point)
        // bounds it below; a squared float sum above `threshold(best)` cannot reach a cost below `best`.
        let floor = sa / (sa + 1) * (1 - 1e-12)
        let relative = 1 - 2 * Double(d + 1) * 0x1p-24, error = floatError
        func threshold(_ best: Double) -> Float {
            guard best.isFinite, floatScan else { return .infinity }
            let radius = (best / floor).squareRoot() + error
            return Float(radius * radius / relative).nextUp
        }
        centroids.columns.withUnsafeBufferPointer { c in
            centroids.floats.withUnsafeBufferPointer { f in
                centroids.sizes.withUnsafeBufferPointer { s in
                    if let preferred {
                        let p = centroids.position(of: preferred)
                        var sum = 0.0
                        for j in 0 ..< d { let t = centre[j] - c[j * stride + p]; sum += t * t }
                        (bestPosition, best) = (p, sum * (sa * s[p] / (sa + s[p])))
                    }
                    let found = parallelMinimum(m, grain: max(1024, 65_536 / max(1, d))) { range in
                        var localBest = best, localPosition = -1, limit = threshold(best)
                        withUnsafeTemporaryAllocation(of: Float.self, capacity: 256) { sums in
                            for tile in Swift.stride(from: range.lowerBound, to: range.upperBound, by: 256) {
                                let count = min(256, range.upperBound - tile)
                                for t in 0 ..< count { sums[t] = 0 }
                                for j in 0 ..< d {
                                    let column = f.baseAddress! + j * stride + tile, x = centreFloat[j]
                                    for t in 0 ..< count { let v = x - column[t]; sums[t] += v * v }
                                }
                                // The Double cost of each survivor, summed in feature order (the value
                                // a Double scan gives), lowest position on ties.
                                for t in 0 ..< count where sums[t] <= limit {
                                    let p = tile + t
                                    guard p != pa else { continue }
                                    var sum = 0.0
                                    for j in 0 ..< d { let v = centre[j] - c[j * stride + p]; sum += v * v }
                                    let v = sum * (sa * s[p] / (sa + s[p]))
                                    if v < localBest { (localBest, localPosition, limit) = (v, p, threshold(v)) }
                                }
                            }
                        }
                        return (localBest, localPosition)
                    }
                    if found.index >= 0 && found.value < best { (best, bestPosition) = (found.value, found.index) }
                }
            }
        }
        return (centroids.slots[bestPosition], (2 * best).squareRoot())
    }

    mutating func merge(_ a: Int, _ b: Int, distance: Double) -> Int {
        tree?.remove(a)
        tree?.remove(b)
        centroids.merge(a, into: b)
        guard let built = tree?.builtCount else { return b }
        if centroids.count < treeMinimum {
            tree = nil
        } else if 4 * centroids.count < 3 * built {
            tree = WardCentroidTree(centroids, slotCount: points) // tight boxes and smallest sizes again
        } else {
            let p = centroids.position(of: b), d = centroids.dim, size = centroids.sizes[p]
            centroids.values.withUnsafeBufferPointer { tree!.insert(b, point: UnsafeBufferPointer(rebasing: $0[(p * d) ..< (p * d + d)]), size: size) }
        }
        return b
    }
}

/// Complete and average linkage over a stored `m x m` matrix of cluster distances (float32,
/// symmetric, so a cluster's distances are one contiguous row), updated by Lance-Williams on each
/// merge: complete `max(d(k,a), d(k,b))`, average `(|a| d(k,a) + |b| d(k,b)) / (|a| + |b|)`.
/// Rows are named by the clusters' slots (`names`); memory `4 m^2` bytes.
struct MatrixClusters: ChainClusters {
    enum Update { case complete, average }
    let m: Int
    let update: Update
    private var distances: [Float]
    private var sizes: [Int]            // by row
    private var rows: [Int]             // active rows, compact
    private var position: [Int]         // row -> compact position
    private let names: [Int]            // row -> slot
    private var rowOfName: [Int]        // slot -> row (-1: none)

    /// `distances [m, m]` between the clusters named `names` (slots), of `sizes` points.
    init(distances: [Float], names: [Int], sizes: [Int], update: Update) {
        let m = names.count
        precondition(distances.count == m * m && sizes.count == m, "MatrixClusters: \(distances.count) distances for \(m) clusters")
        (self.m, self.update, self.distances, self.sizes, self.names) = (m, update, distances, sizes, names)
        rows = Array(0 ..< m)
        position = Array(0 ..< m)
        rowOfName = [Int](repeating: -1, count: (names.max() ?? -1) + 1)
        for (row, name) in names.enumerated() { rowOfName[name] = row }
    }

    var activeCount: Int { rows.count }
    var someActive: Int { names[rows[0]] }

    func nearest(to name: Int, preferring preferred: Int?) -> (cluster: Int, distance: Double) {
        let a = rowOfName[name]
        var best = Float.infinity, bestRow = -1
        if let preferred { (best, bestRow) = (distances[a * m + rowOfName[preferred]], rowOfName[preferred]) }
        distances.withUnsafeBufferPointer { dist in
            rows.withUnsafeBufferPointer { s in
                let row = dist.baseAddress! + a * m
                let found = parallelMinimum(s.count, grain: 16_384) { range in
                    var localBest = Float.infinity, localRow = -1
                    for p in range {
                        let r = s[p]
                        if r != a && row[r] < localBest { (localBest, localRow) = (row[r], r) }
                    }
                    return (Double(localBest), localRow)
                }
                if Float(found.value) < best { (best, bestRow) = (Float(found.value), found.index) }
            }
        }
        return (names[bestRow], Double(best))
    }

    mutating func merge(_ nameA: Int, _ nameB: Int, distance: Double) -> Int {
        let (a, b) = (rowOfName[nameA], rowOfName[nameB])
        let (wa, wb) = (Float(sizes[a]), Float(sizes[b]))
        let m = self.m
        distances.withUnsafeMutableBufferPointer { dist in
            for r in rows where r != a && r != b {
                let (da, db) = (dist[a * m + r], dist[b * m + r])
                let merged: Float
                switch update {
                case .complete: merged = max(da, db)
                case .average: merged = (wa * da + wb * db) / (wa + wb)
                }
                dist[b * m + r] = merged
                dist[r * m + b] = merged
            }
        }
        sizes[b] += sizes[a]
        let pa = position[a], last = rows.count - 1
        if pa != last { rows[pa] = rows[last]; position[rows[pa]] = pa }
        rows.removeLast()
        rowOfName[nameA] = -1
        return nameB
    }
}

/// The smallest `value` over `0 ..< count`, from `body` run on contiguous ranges across the cores.
/// Ties between ranges go to the smaller `tieKey` of the index (default: the lower range), so the
/// result does not depend on the number of cores.
func parallelMinimum(_ count: Int, grain: Int, tieKey: ((Int) -> Int)? = nil,
                     _ body: (Range<Int>) -> (Double, Int)) -> (value: Double, index: Int) {
    let pieces = max(1, min(64, count / max(1, grain)))
    if pieces == 1 { let r = body(0 ..< count); return (r.0, r.1) }
    var results = [(Double, Int)](repeating: (.infinity, -1), count: pieces)
    let step = (count + pieces - 1) / pieces
    results.withUnsafeMutableBufferPointer { out in
        parallelFor(pieces, grain: 1) { range in
            for piece in range { out[piece] = body(min(count, piece * step) ..< min(count, (piece + 1) * step)) }
        }
    }
    var best = (value: Double.infinity, index: -1)
    for r in results where r.1 >= 0 {
        if best.index < 0 || r.0 < best.value || (r.0 == best.value && tieKey.map { $0(r.1) < $0(best.index) } == true) { best = (r.0, r.1) }
    }
    return best
}
