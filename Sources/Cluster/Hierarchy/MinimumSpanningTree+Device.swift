import Backend

/// Borůvka's minimum spanning tree (Borůvka 1926) with each round's search on the backend, as GPU
/// HDBSCAN implementations do (e.g. cuML's): every point's nearest point in another component comes
/// back from the device, `n` indices per round, never a block of distances. The host then keeps, per
/// component, the lightest candidate under the key `(w, min(a, b), max(a, b))` — `w` the Euclidean
/// distance or the mutual reachability `max(|a - b|, core_a, core_b)`, recomputed in Double from the
/// coordinates as brute-force Prim does — and joins those edges (union-find), so at most `log2 n`
/// rounds run.
///
/// The search, by what the backend offers:
/// - from the points (`pointsNearestOtherComponent`: few features, double precision on the device):
///   each point's candidate is the lightest by that same exact key, so every component keeps the
///   edge an exact search keeps and the tree is the k-d tree's (`KDTree.boruvkaEdges`), edge for edge;
/// - otherwise over distance blocks `[chunk, n]` (`rowNearestOtherComponent`): candidates ranked by
///   float32 distances (the GEMM expansion), so where two candidates' weights differ by less than
///   float32 rounding the slightly heavier one may be picked; the heights of the edges picked are
///   exact, and the tree spans the points whatever happens.
extension MinimumSpanningTree {
    static func boruvkaOnBackend<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, coreDistances: [Double]?, backend: B,
                                                    chunkRows: Int? = nil,
                                                    progress: (Int) -> Void = { _ in }) throws -> [(a: Int, b: Int, height: Double)] {
        precondition(x.count == n * d, "boruvkaOnBackend: \(x.count) values for \(n) x \(d)")
        guard n > 1 else { return [] }
        let points = try backend.makeBuffer(x)
        let labels = try backend.makeBuffer(count: n), indices = try backend.makeBuffer(count: n)
        let exactCore = try backend.makeBuffer(doubles: coreDistances ?? [Double](repeating: 0, count: n))
        /// The distance-block search, made on first use (not at all when the points' search runs).
        var blocks: BlockSearch<B>?
        func search() throws {
            if blocks == nil, try backend.pointsNearestOtherComponent(points, rows: n, dim: d, components: labels, core: exactCore,
                                                                      into: indices) {
                return
            }
            if blocks == nil {
                blocks = try BlockSearch(points: points, rows: n, dim: d, coreDistances: coreDistances, backend: backend,
                                         chunkRows: chunkRows)
            }
            try blocks!.search(components: labels, into: indices)
        }
        var parent = Array(0 ..< n)
        func find(_ i: Int) -> Int {
            var i = i
            while parent[i] != i { parent[i] = parent[parent[i]]; i = parent[i] }
            return i
        }
        func weight(_ a: Int, _ b: Int) -> Double {
            var sum = 0.0
            for j in 0 ..< d { let t = Double(x[a * d + j]) - Double(x[b * d + j]); sum += t * t }
            guard let coreDistances else { return sum.squareRoot() }
            return max(sum.squareRoot(), coreDistances[a], coreDistances[b])
        }
        var edges: [(a: Int, b: Int, height: Double)] = []
        edges.reserveCapacity(n - 1)
        while edges.count < n - 1 {
            let component = (0 ..< n).map { Int32(find($0)) }
            try component.withUnsafeBufferPointer { try backend.upload($0, to: labels, offset: 0) }
            try search()
            let candidates = try backend.ints(indices)
            // Each component's lightest candidate edge by (w, lower end, higher end).
            var best = [(w: Double, a: Int, b: Int)?](repeating: nil, count: n)
            for r in 0 ..< n where candidates[r] >= 0 {
                let c = Int(candidates[r]), key = (w: weight(r, c), a: min(r, c), b: max(r, c)), root = Int(component[r])
                if let held = best[root], (held.w, held.a, held.b) <= (key.w, key.a, key.b) { continue }
                best[root] = key
            }
            let before = edges.count
            for case let (w, a, b)? in best {
                let (ra, rb) = (find(a), find(b))
                guard ra != rb else { continue }
                parent[max(ra, rb)] = min(ra, rb)
                edges.append((a, b, w))
            }
            guard edges.count > before else { break } // cannot happen on a complete graph; never loop forever
            progress(edges.count)
        }
        return edges
    }
}

/// Borůvka's per-round search over distance blocks `[chunk, n]`: float32 squared distances (the GEMM
/// expansion), then each row's nearest point in another component (`rowNearestOtherComponent`).
private struct BlockSearch<B: ComputeBackend> {
    let backend: B
    let points: B.Buffer, norms: B.Buffer, core: B.Buffer, block: B.Buffer, values: B.Buffer
    let rows: Int, dim: Int, chunk: Int

    init(points: B.Buffer, rows n: Int, dim d: Int, coreDistances: [Double]?, backend: B, chunkRows: Int?) throws {
        (self.backend, self.points, rows, dim) = (backend, points, n, d)
        norms = try backend.makeBuffer(count: n)
        try backend.rowSquaredNorms(points, offset: 0, rows: n, cols: d, into: norms, outOffset: 0)
        core = try backend.makeBuffer((coreDistances ?? [Double](repeating: 0, count: n)).map { Float($0) })
        chunk = max(1, min(n, chunkRows ?? B.nearestChunkRows(rows: n, yRows: n)))
        block = try backend.makeBuffer(count: chunk * n)
        values = try backend.makeBuffer(count: n)
    }

    /// `indices[r]`: row `r`'s nearest point in another component of `components` (Int32), -1 if none.
    func search(components: B.Buffer, into indices: B.Buffer) throws {
        for start in stride(from: 0, to: rows, by: chunk) {
            let count = min(chunk, rows - start)
            try backend.squaredDistances(x: points, xOffset: start * dim, xNorms: norms, xNormsOffset: start, rows: count,
                                         y: points, yNorms: norms, yRows: rows, dim: dim, into: block)
            try backend.rowNearestOtherComponent(block, rows: count, cols: rows, rowBase: start, components: components, core: core,
                                                 indices: indices, values: values, outOffset: start)
        }
    }
}
