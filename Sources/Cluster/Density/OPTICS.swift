import Backend
import Foundation

/// OPTICS (Ankerst et al. 1999) with xi cluster extraction, as scikit-learn's `OPTICS` with its
/// defaults (Euclidean, `max_eps` infinite, predecessor correction):
///
/// - core distance: distance to the `minSamples`-th nearest point, itself counted (`CoreDistances`);
/// - ordering: repeatedly take the unprocessed point of smallest reachability (lowest index on
///   ties), then lower every unprocessed point's reachability to `max(d(point, q), core(point))`;
///   distances are computed from the coordinates when needed, so memory is O(n d) and time O(n^2 d);
///   like scikit-learn, values are rounded to 15 decimals before comparing; on a GPU with double
///   precision (or any OpenCL device with `index` brute force) the steps run there
///   (`opticsOrdering`, the same values);
/// - xi extraction: steep down and up areas of the reachability plot (a ratio of successive values
///   of at least `1 / (1 - xi)` or at most `1 - xi`), matched into nested clusters of at least
///   `minClusterSize` points, corrected by predecessors (Schubert and Gertz 2018); each point takes
///   the smallest cluster that holds it, the rest are noise.
public enum OPTICS {
    public struct Configuration: Sendable {
        public var minSamples = 5
        public var xi = 0.05
        /// Default: `minSamples`.
        public var minClusterSize: Int?
        public var predecessorCorrection = true
        /// Neighbour search for the core distances (default: a k-d tree at few features on the CPU).
        public var index: NeighbourIndex = .auto
        public init() {}
    }

    public struct Result: Sendable {
        public var labels: [Int64]
        /// Points in the order visited.
        public var ordering: [Int]
        /// Per point (not in order); infinity for the first point of each connected run.
        public var reachability: [Double]
        public var coreDistances: [Double]
        public var predecessor: [Int]
        /// Extracted clusters as inclusive ranges of `ordering`, smaller before enclosing ones.
        public var clusters: [ClosedRange<Int>]
    }

    public static func fit<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, configuration c: Configuration, backend: B,
                                              progress: (Int) -> Void = { _ in }) throws -> Result {
        precondition(x.count == n * d, "OPTICS: \(x.count) values for \(n) x \(d)")
        let minClusterSize = c.minClusterSize ?? c.minSamples
        guard c.minSamples >= 2 else { throw BackendError.invalidArgument("--min-samples \(c.minSamples) must be at least 2 for OPTICS") }
        guard minClusterSize >= 2 else { throw BackendError.invalidArgument("--min-cluster-size \(minClusterSize) must be at least 2") }
        guard c.xi > 0, c.xi < 1 else { throw BackendError.invalidArgument("--xi \(c.xi) must be in (0, 1)") }
        guard c.minSamples <= n else { throw BackendError.invalidArgument("--min-samples \(c.minSamples) is larger than the number of points (\(n))") }
        try requireFinite(x, dim: d, method: "OPTICS")
        let core = try CoreDistances.compute(x, rows: n, dim: d, k: c.minSamples, backend: backend, index: c.index).map(roundedLikeNumPy)
        // The device's steps on a GPU, and on any device with `--neighbour-search brute` (on OpenCL
        // over CPU cores the host's loop is faster: PoCL, 10,000 PCA-10 points, 1.31–1.42 against
        // 1.49–1.55 s).
        let useDevice = B.self != CPUBackend.self && (backend.runsOnGPU || c.index == .bruteForce)
        let onDevice = useDevice
            ? try backend.opticsOrdering(try backend.makeBuffer(x), rows: n, dim: d, coreDistances: core, progress: progress) : nil
        let (ordering, reachability, predecessor) = onDevice ?? order(x, rows: n, dim: d, core: core, progress: progress)
        let plot = ordering.map { reachability[$0] }
        let predecessorPlot = ordering.map { predecessor[$0] }
        let clusters = xiClusters(plot, predecessors: predecessorPlot, ordering: ordering, xi: c.xi, minSamples: c.minSamples,
                                  minClusterSize: minClusterSize, predecessorCorrection: c.predecessorCorrection)
        var inOrder = [Int64](repeating: -1, count: n)
        var next: Int64 = 0
        for cluster in clusters where inOrder[cluster].allSatisfy({ $0 == -1 }) {
            for i in cluster { inOrder[i] = next }
            next += 1
        }
        var labels = [Int64](repeating: -1, count: n)
        for (position, point) in ordering.enumerated() { labels[point] = inOrder[position] }
        return Result(labels: labels, ordering: ordering, reachability: reachability, coreDistances: core, predecessor: predecessor,
                      clusters: clusters)
    }

    /// NumPy's `around(v, 15)`: `rint(v * 1e15) / 1e15`.
    static func roundedLikeNumPy(_ v: Double) -> Double { v.isFinite ? (v * 1e15).rounded(.toNearestOrEven) / 1e15 : v }

    /// The OPTICS ordering with reachabilities and predecessors (-1 where none).
    static func order(_ x: [Float], rows n: Int, dim d: Int, core: [Double],
                      progress: (Int) -> Void) -> (ordering: [Int], reachability: [Double], predecessor: [Int]) {
        var reachability = [Double](repeating: .infinity, count: n)
        var predecessor = [Int](repeating: -1, count: n)
        // Unprocessed points, compact: coordinates, index, reachability (kept in step with `reachability`).
        var outside = x, index = Array(0 ..< n), reach = [Double](repeating: .infinity, count: n)
        var ordering: [Int] = []
        ordering.reserveCapacity(n)
        var point = 0, position = 0
        let step = max(1, n / 1000) // progress granularity: 0.1 %
        while true {
            // Take `position` out.
            point = index[position]
            ordering.append(point)
            let pointCoordinates = (0 ..< d).map { Double(outside[position * d + $0]) }
            let last = index.count - 1
            if position != last {
                index[position] = index[last]; reach[position] = reach[last]
                for j in 0 ..< d { outside[position * d + j] = outside[last * d + j] }
            }
            index.removeLast(); reach.removeLast(); outside.removeLast(d)
            if ordering.count % step == 0 { progress(ordering.count) }
            if index.isEmpty { break }
            let m = index.count
            let pointCore = core[point]
            let found = outside.withUnsafeBufferPointer { o in
                reach.withUnsafeMutableBufferPointer { r in
                    index.withUnsafeBufferPointer { idx in
                        reachability.withUnsafeMutableBufferPointer { rAll in
                            predecessor.withUnsafeMutableBufferPointer { pred in
                                parallelMinimum(m, grain: max(512, 32_768 / max(1, d)), tieKey: { idx[$0] }) { range in
                                    var bestValue = Double.infinity, bestPosition = -1
                                    for p in range {
                                        if pointCore.isFinite {
                                            let q = o.baseAddress! + p * d
                                            var sum = 0.0
                                            for j in 0 ..< d { let t = pointCoordinates[j] - Double(q[j]); sum += t * t }
                                            let candidate = roundedLikeNumPy(max(sum.squareRoot(), pointCore))
                                            if candidate < r[p] { r[p] = candidate; rAll[idx[p]] = candidate; pred[idx[p]] = point }
                                        }
                                        // Smallest reachability, then lowest point index.
                                        if bestPosition < 0 || r[p] < bestValue || (r[p] == bestValue && idx[p] < idx[bestPosition]) {
                                            (bestValue, bestPosition) = (r[p], p)
                                        }
                                    }
                                    return (bestValue, bestPosition)
                                }
                            }
                        }
                    }
                }
            }
            position = found.index
        }
        return (ordering, reachability, predecessor)
    }

    /// scikit-learn's `_xi_cluster` on the reachability plot (in visiting order).
    static func xiClusters(_ plotValues: [Double], predecessors: [Int], ordering: [Int], xi: Double, minSamples: Int,
                           minClusterSize: Int, predecessorCorrection: Bool) -> [ClosedRange<Int>] {
        let n = plotValues.count
        let plot = plotValues + [.infinity]
        let complement = 1 - xi
        var ratio = [Double](repeating: .nan, count: n)
        for i in 0 ..< n { ratio[i] = plot[i] / plot[i + 1] }
        let steepUp = ratio.map { $0 <= complement }, steepDown = ratio.map { $0 >= 1 / complement }
        let downward = ratio.map { $0 > 1 }, upward = ratio.map { $0 < 1 }

        /// End of a maximal steep region from `start` (`_extend_region`).
        func extend(_ steep: [Bool], _ xward: [Bool], from start: Int) -> Int {
            var nonXward = 0, index = start, end = start
            while index < n {
                if steep[index] { nonXward = 0; end = index } else if !xward[index] {
                    nonXward += 1
                    if nonXward > minSamples { break }
                } else { return end }
                index += 1
            }
            return end
        }
        struct SteepDownArea { var start: Int, end: Int, mib: Double }
        func filter(_ areas: [SteepDownArea], mib: Double) -> [SteepDownArea] {
            if mib.isInfinite { return [] }
            return areas.filter { mib <= plot[$0.start] * complement }.map { SteepDownArea(start: $0.start, end: $0.end, mib: max($0.mib, mib)) }
        }
        func correct(_ s: Int, _ e: Int) -> (Int, Int)? {
            var e = e
            while s < e {
                if plot[s] > plot[e] { return (s, e) }
                let pe = predecessors[e]
                for i in s ..< e where pe == ordering[i] { return (s, e) }
                e -= 1
            }
            return nil
        }

        var areas: [SteepDownArea] = [], clusters: [ClosedRange<Int>] = []
        var index = 0, mib = 0.0
        for steepIndex in 0 ..< n where steepUp[steepIndex] || steepDown[steepIndex] {
            if steepIndex < index { continue }
            mib = max(mib, plot[index ... steepIndex].max()!)
            if steepDown[steepIndex] {
                areas = filter(areas, mib: mib)
                let end = extend(steepDown, upward, from: steepIndex)
                areas.append(SteepDownArea(start: steepIndex, end: end, mib: 0))
                index = end + 1
                mib = plot[index]
            } else {
                areas = filter(areas, mib: mib)
                let upStart = steepIndex
                let upEnd = extend(steepUp, downward, from: upStart)
                index = upEnd + 1
                mib = plot[index]
                var found: [ClosedRange<Int>] = []
                for area in areas {
                    var (cStart, cEnd) = (area.start, upEnd)
                    if plot[cEnd + 1] * complement < area.mib { continue }
                    let dMax = plot[area.start]
                    if dMax * complement >= plot[cEnd + 1] {
                        while plot[cStart + 1] > plot[cEnd + 1] && cStart < area.end { cStart += 1 }
                    } else if plot[cEnd + 1] * complement >= dMax {
                        while plot[cEnd - 1] > dMax && cEnd > upStart { cEnd -= 1 }
                    }
                    if predecessorCorrection {
                        guard let corrected = correct(cStart, cEnd) else { continue }
                        (cStart, cEnd) = corrected
                    }
                    if cEnd - cStart + 1 < minClusterSize || cStart > area.end || cEnd < upStart { continue }
                    found.append(cStart ... cEnd)
                }
                clusters += found.reversed()
            }
        }
        return clusters
    }
}
