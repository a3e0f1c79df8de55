import Backend
import Foundation

/// DBSCAN (Ester et al. 1996) with scikit-learn's conventions: a point is a core point when at
/// least `minSamples` points (itself included) lie within `eps` (Euclidean); clusters are the
/// connected components of core points under the eps-neighbour relation, numbered by their
/// lowest-index core point; a border point joins the lowest-numbered cluster among its core
/// neighbours; everything else is noise (-1).
///
/// Three passes — neighbour counts, links between core points (union-find), border points — by one
/// of three routes, all giving the same labels:
/// - a k-d tree's radius queries (`DBSCAN+KDTree`; default on the CPU backend at up to
///   `KDTree.autoDimensions` features);
/// - host rows: each row's distances computed where they are scanned (CPU backend, up to 64
///   features);
/// - device radius queries (`DBSCAN+Device`; OpenCL, and the CPU backend above 64 features):
///   distance blocks reduced where they are computed, so only counts, the CSR lists of core-core
///   links and the border labels come back; the links are searched among the core points alone and
///   the border points against them alone (70,000 x 128 CNN features: 33.2 -> 14.1 s on 2 cores).
/// Neighbourhoods are never stored whole: memory beyond the data is O(n + block * n).
public enum DBSCAN {
    public struct Configuration: Sendable {
        public var eps: Double = 0.5
        public var minSamples = 5
        /// Rows per distance block (default: 32 MiB worth on the host, 128 MiB on a device).
        public var blockRows: Int?
        /// Distances computed row by row on the host instead of in backend blocks (default: on the
        /// CPU backend with at most 64 features, when the tree is not used).
        public var hostRows: Bool?
        /// Neighbour search on the host: `auto` takes a k-d tree on the CPU backend at up to
        /// `KDTree.autoDimensions` features; `kdTree` forces it on any backend, `bruteForce` never.
        public var index: NeighbourIndex = .auto
        public init(eps: Double = 0.5, minSamples: Int = 5) { (self.eps, self.minSamples) = (eps, minSamples) }
    }

    public struct Result: Sendable {
        public var labels: [Int64]
        public var isCore: [Bool]
        public var clusters: Int { Set(labels.filter { $0 >= 0 }).count }
    }

    /// `progress(pass, rows done, rows)` follows the three passes over the rows: "neighbour counts",
    /// "core links", "border points" (on the device route also "neighbour counts near eps", over the
    /// points whose core status the Float blocks left open).
    public static func fit<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, configuration c: Configuration, backend: B,
                                              progress: (String, Int, Int) -> Void = { _, _, _ in }) throws -> Result {
        precondition(x.count == n * d, "DBSCAN: \(x.count) values for \(n) x \(d)")
        guard c.eps > 0, c.eps.isFinite else { throw BackendError.invalidArgument("--eps \(c.eps) must be positive") }
        guard c.minSamples >= 1 else { throw BackendError.invalidArgument("--min-samples \(c.minSamples) must be at least 1") }
        if let bad = x.firstIndex(where: { !$0.isFinite }) {
            throw BackendError.invalidArgument("features hold \(x[bad]) at row \(bad / d); DBSCAN needs finite values")
        }
        guard n > 0 else { return Result(labels: [], isCore: []) }
        if c.index == .kdTree || (c.index == .auto && B.self == CPUBackend.self && c.index.usesTree(dim: d)) {
            return fitWithTree(x, rows: n, dim: d, configuration: c, progress: progress)
        }
        // On the CPU backend with few features (above the tree's), each row's distances are computed
        // where they are scanned (one row of n floats stays in cache) instead of writing, copying and
        // re-reading `[block, n]` blocks: the scans are memory-bound otherwise.
        if c.hostRows ?? (B.self == CPUBackend.self && d <= 64) {
            return fitWithHostRows(x, rows: n, dim: d, configuration: c, progress: progress)
        }
        return try fitWithRadiusQueries(x, rows: n, dim: d, configuration: c, backend: backend, progress: progress)
    }

    /// The brute-force passes with each row's distances computed on the host, feature-major.
    static func fitWithHostRows(_ x: [Float], rows n: Int, dim d: Int, configuration c: Configuration,
                                progress: (String, Int, Int) -> Void) -> Result {
        let block = max(1, min(n, c.blockRows ?? (32 << 20) / (4 * n)))
        let band = RadiusBand.directDifferences(dim: d, eps: c.eps)
        // The points feature-major, `[d, n]`.
        var columns = [Float](repeating: 0, count: n * d)
        for i in 0 ..< n { for t in 0 ..< d { columns[t * n + i] = x[i * d + t] } }

        /// Calls `body(row, distancesOfRow)` for every row where `only(row)`, block by block; with
        /// `parallel`, the rows of a block run across the cores (the body must then only write to its
        /// own row's state). With `laterColumns`, only the entries after the row's own index are
        /// computed.
        func forEachRow(_ pass: String, parallel: Bool = false, only: (Int) -> Bool = { _ in true }, laterColumns: Bool = false,
                        afterBlock: (Range<Int>) -> Void = { _ in }, _ body: (Int, UnsafeBufferPointer<Float>) -> Void) {
            for start in stride(from: 0, to: n, by: block) {
                let rows = min(block, n - start)
                defer { progress(pass, start + rows, n) }
                columns.withUnsafeBufferPointer { col in
                    func run(_ range: Range<Int>) {
                        var buffer = [Float](repeating: 0, count: n)
                        buffer.withUnsafeMutableBufferPointer { out in
                            for r in range where only(start + r) {
                                let i = start + r, first = laterColumns ? i + 1 : 0
                                for j in first ..< n { out[j] = 0 }
                                // Feature by feature over the points: contiguous, vectorised.
                                for t in 0 ..< d {
                                    let column = col.baseAddress! + t * n, xit = column[i]
                                    for j in first ..< n { let v = xit - column[j]; out[j] += v * v }
                                }
                                body(i, UnsafeBufferPointer(out))
                            }
                        }
                    }
                    if parallel { parallelFor(rows, grain: 1, run) } else { run(0 ..< rows) }
                }
                afterBlock(start ..< start + rows)
            }
        }

        let counts = hostNeighbourCounts(columns, x, rows: n, dim: d, band: band) { progress("neighbour counts", $0, n) }
        let isCore = counts.map { $0 >= c.minSamples }
        var sets = LowestRootSets(n)
        // Core-core links of a block are found across the cores (core rows, later core neighbours
        // only), then joined serially; only one block's links are held at a time.
        var links = [[Int32]](repeating: [], count: block)
        links.withUnsafeMutableBufferPointer { blockLinks in
            forEachRow("core links", parallel: true, only: { isCore[$0] }, laterColumns: true, afterBlock: { range in
                for i in range where isCore[i] {
                    for j in blockLinks[i - range.lowerBound] {
                        sets.union(i, Int(j))
                    }
                    blockLinks[i - range.lowerBound].removeAll(keepingCapacity: true)
                }
            }) { i, row in
                var found: [Int32] = []
                for j in (i + 1) ..< n where row[j] <= band.upper && isCore[j] && band.within(row[j], x, i, j) { found.append(Int32(j)) }
                blockLinks[i % block] = found
            }
        }
        var labels = numberClusters(isCore: isCore) { sets.find($0) }
        // A border point takes the lowest-numbered cluster among its core neighbours.
        labels.withUnsafeMutableBufferPointer { out in
            // Non-core rows only; without a core neighbour the point stays noise.
            forEachRow("border points", parallel: true, only: { !isCore[$0] }) { i, row in
                var best = Int64.max
                for j in 0 ..< n where row[j] <= band.upper && isCore[j] && band.within(row[j], x, i, j) { best = min(best, out[j]) }
                if best != .max { out[i] = best }
            }
        }
        return Result(labels: labels, isCore: isCore)
    }

    /// Points within `eps` of each point, itself included, from the feature-major `columns [d, n]`
    /// (the points `x [n, d]` transposed): each pair is measured once (row `i` against the later
    /// points), counted for both ends through a per-worker tally of the later points, so the pass costs
    /// half the rows. Pairs inside the `band` are decided exactly from `x`.
    static func hostNeighbourCounts(_ columns: [Float], _ x: [Float], rows n: Int, dim d: Int, band: RadiusBand,
                                    progress: (Int) -> Void = { _ in }) -> [Int] {
        var counts = [Int](repeating: 1, count: n) // the point itself
        let block = 4096, (lower, upper) = (band.lower, band.upper)
        for start in stride(from: 0, to: n, by: block) {
            let rows = min(block, n - start)
            let pieces = max(1, min(16, rows / 64))
            var tallies = [[Int32]](repeating: [], count: pieces)
            var own = [Int](repeating: 0, count: rows)
            columns.withUnsafeBufferPointer { col in
                tallies.withUnsafeMutableBufferPointer { tally in
                    own.withUnsafeMutableBufferPointer { mine in
                        parallelFor(pieces, grain: 1) { range in
                            for piece in range {
                                var later = [Int32](repeating: 0, count: n)
                                var distance = [Float](repeating: 0, count: n)
                                // Interleaved rows balance the shrinking triangle across pieces.
                                for r in stride(from: piece, to: rows, by: pieces) {
                                    let i = start + r, first = i + 1
                                    guard first < n else { continue }
                                    for j in first ..< n { distance[j] = 0 }
                                    for t in 0 ..< d {
                                        let column = col.baseAddress! + t * n, xit = column[i]
                                        for j in first ..< n { let v = xit - column[j]; distance[j] += v * v }
                                    }
                                    var count = 0, possible = 0
                                    for j in first ..< n {
                                        let hit: Int32 = distance[j] <= lower ? 1 : 0
                                        later[j] &+= hit
                                        count &+= Int(hit)
                                        possible &+= distance[j] <= upper ? 1 : 0
                                    }
                                    if possible > count {
                                        for j in first ..< n where distance[j] > lower && distance[j] <= upper
                                            && band.within(x, i, j) {
                                            later[j] &+= 1
                                            count &+= 1
                                        }
                                    }
                                    mine[r] = count
                                }
                                tally[piece] = later
                            }
                        }
                    }
                }
            }
            for r in 0 ..< rows { counts[start + r] += own[r] }
            for tally in tallies { for j in 0 ..< n where tally[j] != 0 { counts[j] += Int(tally[j]) } }
            progress(start + rows)
        }
        return counts
    }
}
