import Backend

/// Core distances for the density methods: the Euclidean distance from each point to its
/// `k`-th nearest point, the point itself counted first (scikit-learn's `kneighbors(X, k)[:, -1]`,
/// so `k = 1` gives 0), exact in double precision.
///
/// - With a `KDTree` (`index`: on the CPU backend in low dimensions, or forced) each point's k-th
///   distance comes from a tree search, summed in Double.
/// - Otherwise by brute force on the backend: float32 distance blocks (`[block, n]` at a time) and
///   the device's per-row top-k keep each point's `k + 8` nearest candidates, so only `[n, k + 8]`
///   indices and values come back. The candidates are measured again in Double on the host; the
///   k-th of them is the answer when it lies below the float value of the last candidate less the
///   GEMM's rounding bound (no other point can then be nearer), which holds for all but rows in
///   exact or near ties; those rows are measured against every point on the host.
enum CoreDistances {
    static func compute<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, k: Int, backend: B,
                                           blockRows: Int? = nil, index: NeighbourIndex = .auto) throws -> [Double] {
        precondition(k >= 1 && k <= n, "CoreDistances: k \(k) for \(n) points")
        if index == .kdTree || (index == .auto && B.self == CPUBackend.self && index.usesTree(dim: d)) {
            return fromTree(KDTree(x, rows: n, dim: d), k: k)
        }
        let count = min(n, k + 8)
        let points = try backend.makeBuffer(x)
        let norms = try backend.makeBuffer(count: n)
        try backend.rowSquaredNorms(points, offset: 0, rows: n, cols: d, into: norms, outOffset: 0)
        let hostNorms = try backend.floats(norms)
        let largestNorm = Double(hostNorms.max() ?? 0)
        let block = blockRows.map { max(1, min(n, $0)) } ?? B.nearestChunkRows(rows: n, yRows: n)
        let distances = try backend.makeBuffer(count: block * n)
        let indices = try backend.makeBuffer(count: n * count), values = try backend.makeBuffer(count: n * count)
        for start in stride(from: 0, to: n, by: block) {
            let rows = min(block, n - start)
            try backend.squaredDistances(x: points, xOffset: start * d, xNorms: norms, xNormsOffset: start, rows: rows,
                                         y: points, yNorms: norms, yRows: n, dim: d, into: distances)
            try backend.rowTopK(distances, rows: rows, cols: n, k: count, columnOffset: 0, indices: indices, values: values,
                                 outRow: start)
        }
        let (found, floats) = (try backend.ints(indices), try backend.floats(values))
        var core = [Double](repeating: 0, count: n)
        core.withUnsafeMutableBufferPointer { out in
            x.withUnsafeBufferPointer { p in
                parallelFor(n, grain: 256) { range in
                    var exact: [Double] = []
                    for i in range {
                        exact.removeAll(keepingCapacity: true)
                        exact.append(0) // the point itself
                        for j in found[(i * count) ..< ((i + 1) * count)] where j >= 0 && Int(j) != i {
                            exact.append(exactSquaredDistance(p, i, Int(j), dim: d))
                        }
                        exact.sort()
                        // |error| of |x|^2 + |y|^2 - 2 x.y in float32 is below ~ d * 2^-23 * (|x|^2 + |y|^2); 8x margin.
                        let slack = 8 * Double(d + 2) * 0x1p-23 * (Double(hostNorms[i]) + largestNorm)
                        let lastFloat = Double(floats[i * count + count - 1])
                        if count == n || (exact.count >= k && exact[k - 1] <= lastFloat - slack) {
                            out[i] = exact[k - 1].squareRoot()
                        } else {
                            var all = (0 ..< n).map { exactSquaredDistance(p, i, $0, dim: d) }
                            all.sort()
                            out[i] = all[k - 1].squareRoot()
                        }
                    }
                }
            }
        }
        return core
    }
}

extension CoreDistances {
    /// Each point's `k`-th smallest distance (itself first) by tree search, across the cores.
    static func fromTree(_ tree: KDTree, k: Int) -> [Double] {
        var core = [Double](repeating: 0, count: tree.count)
        core.withUnsafeMutableBufferPointer { out in
            tree.points.withUnsafeBufferPointer { points in
                parallelFor(tree.count, grain: 256) { range in
                    var heap = DoubleMaxHeap(capacity: k)
                    for p in range {
                        let distance2 = tree.kthSmallestSquaredDistance(points.baseAddress! + p * tree.dim, k: k, heap: &heap)
                        out[Int(tree.order[p])] = distance2.squareRoot()
                    }
                }
            }
        }
        return core
    }
}
