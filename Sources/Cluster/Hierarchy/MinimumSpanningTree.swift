import Backend

/// Prim's minimum spanning tree of the complete graph on `n` points, never storing the graph:
/// weights are computed from the coordinates when a point joins the tree, so memory is O(n d)
/// and time O(n^2 d) (split across the cores). The weight of edge (i, j) is the Euclidean distance
/// or, with core distances, the mutual reachability `max(||x_i - x_j||, core_i, core_j)` (HDBSCAN).
/// Sorted by weight, the edges are the single-linkage merge tree (Gower and Ross 1969).
enum MinimumSpanningTree {
    /// A minimum spanning tree on `backend`: Borůvka with its searches on the device
    /// (`boruvkaOnBackend`) on a GPU unless `index` asks for the k-d tree, and on any OpenCL device
    /// when it says `bruteForce` (every pair measured there); otherwise `edges(index:)` on the host
    /// (on OpenCL over CPU cores, e.g. PoCL, the host's k-d tree is faster: 0.5–0.8 s against 2–4 s
    /// for HDBSCAN of 10-dimensional sets in the quick study). In Prim's order either way.
    static func edges<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, coreDistances: [Double]? = nil, index: NeighbourIndex,
                                         backend: B, progress: (Int) -> Void = { _ in }) throws -> [(a: Int, b: Int, height: Double)] {
        if B.self != CPUBackend.self && (index == .bruteForce || (index == .auto && backend.runsOnGPU)) {
            let edges = try boruvkaOnBackend(x, rows: n, dim: d, coreDistances: coreDistances, backend: backend, progress: progress)
            return inPrimOrder(edges, points: n)
        }
        return self.edges(x, rows: n, dim: d, coreDistances: coreDistances, index: index, progress: progress)
    }

    /// A minimum spanning tree by brute-force `prim`, or by Borůvka over a `KDTree` when `index` says
    /// so for `d` features (the same weights; where weights tie, possibly other edges of equal weight).
    static func edges(_ x: [Float], rows n: Int, dim d: Int, coreDistances: [Double]? = nil, index: NeighbourIndex,
                      progress: (Int) -> Void = { _ in }) -> [(a: Int, b: Int, height: Double)] {
        guard index.usesTree(dim: d) else { return prim(x, rows: n, dim: d, coreDistances: coreDistances, progress: progress) }
        let edges = KDTree(x, rows: n, dim: d, leafSize: 16).boruvkaEdges(coreDistances: coreDistances, progress: progress)
        return inPrimOrder(edges, points: n)
    }

    /// A spanning tree's edges as Prim would add them from point 0 when the tree is the whole graph:
    /// each edge from the endpoint already reached to the new one, lightest first (lowest new point
    /// on ties). Where the full graph has no ties this is exactly brute-force `prim`'s output.
    static func inPrimOrder(_ edges: [(a: Int, b: Int, height: Double)], points n: Int) -> [(a: Int, b: Int, height: Double)] {
        var adjacency = [[(to: Int, height: Double)]](repeating: [], count: n)
        for e in edges { adjacency[e.a].append((e.b, e.height)); adjacency[e.b].append((e.a, e.height)) }
        var reached = [Bool](repeating: false, count: n)
        var queue = EdgeHeap()
        var ordered: [(a: Int, b: Int, height: Double)] = []
        ordered.reserveCapacity(edges.count)
        func reach(_ p: Int) {
            reached[p] = true
            for (q, h) in adjacency[p] where !reached[q] { queue.push(.init(weight: h, point: Int32(q), joined: 0, from: Int32(p))) }
        }
        reach(0)
        while let e = queue.pop() {
            guard !reached[Int(e.point)] else { continue }
            ordered.append((Int(e.from), Int(e.point), e.weight))
            reach(Int(e.point))
        }
        return ordered
    }

    /// The `n - 1` edges in the order Prim adds them, starting from point 0: `a` in the tree, `b`
    /// joining it, `height` the weight; ties go to the lowest point index, as scikit-learn's Prim.
    /// Distances are summed in Double from the float inputs.
    static func prim(_ x: [Float], rows n: Int, dim d: Int, coreDistances: [Double]? = nil,
                     progress: (Int) -> Void = { _ in }) -> [(a: Int, b: Int, height: Double)] {
        precondition(x.count == n * d, "prim: \(x.count) values for \(n) x \(d)")
        guard n > 1 else { return [] }
        // The points outside the tree, compact: coordinates, original index, best weight to the tree.
        var outside = Array(x[d...])
        var index = Array(1 ..< n)
        var best = [Double](repeating: .infinity, count: n - 1)
        var from = [Int](repeating: 0, count: n - 1)
        var current = 0
        var currentPoint = x[0 ..< d].map(Double.init)
        var edges: [(a: Int, b: Int, height: Double)] = []
        edges.reserveCapacity(n - 1)
        let step = max(1, n / 1000) // progress granularity: 0.1 %
        while !index.isEmpty {
            let m = index.count
            let currentCore = coreDistances?[current] ?? 0
            let found = outside.withUnsafeBufferPointer { o in
                best.withUnsafeMutableBufferPointer { b in
                    from.withUnsafeMutableBufferPointer { f in
                        index.withUnsafeBufferPointer { idx in
                            currentPoint.withUnsafeBufferPointer { v in
                                parallelMinimum(m, grain: max(512, 32_768 / max(1, d)), tieKey: { idx[$0] }) { range in
                                    var localBest = Double.infinity, localPosition = -1
                                    for p in range {
                                        let q = o.baseAddress! + p * d
                                        var sum = 0.0
                                        for j in 0 ..< d { let t = v[j] - Double(q[j]); sum += t * t }
                                        // Weights compared as distances, not squares (as scikit-learn and SciPy: the
                                        // square root can tie values whose squares differ).
                                        var w = sum.squareRoot()
                                        if let coreDistances { w = max(w, currentCore, coreDistances[idx[p]]) }
                                        if w < b[p] { b[p] = w; f[p] = current }
                                        if localPosition < 0 || b[p] < localBest || (b[p] == localBest && idx[p] < idx[localPosition]) { (localBest, localPosition) = (b[p], p) }
                                    }
                                    return (localBest, localPosition)
                                }
                            }
                        }
                    }
                }
            }
            let p = found.index
            current = index[p]
            edges.append((from[p], current, best[p]))
            for j in 0 ..< d { currentPoint[j] = Double(outside[p * d + j]) }
            // Swap-remove position p.
            let last = m - 1
            if p != last {
                index[p] = index[last]; best[p] = best[last]; from[p] = from[last]
                for j in 0 ..< d { outside[p * d + j] = outside[last * d + j] }
            }
            index.removeLast(); best.removeLast(); from.removeLast(); outside.removeLast(d)
            if edges.count % step == 0 { progress(edges.count) }
        }
        return edges
    }
}
