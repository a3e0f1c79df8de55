/// Nearest-row search in bounded memory, built from the distance and argmin ops.
extension ComputeBackend {
    /// Rows of the distance block processed at once so that it holds at most `budgetBytes`
    /// (`[chunk, yRows]` floats; default `DistanceBlocks.bytes`), at least one row, at most `rows`.
    public static func nearestChunkRows(rows: Int, yRows: Int, budgetBytes: Int = DistanceBlocks.bytes) -> Int {
        max(1, min(rows, budgetBytes / max(1, yRows * MemoryLayout<Float>.stride)))
    }

    /// For each of the `rows` rows of `x [rows, dim]`: the index of the nearest row of `y [yRows, dim]`
    /// in squared Euclidean distance (Int32 in `indices`, lowest index on ties) and that squared
    /// distance (in `minima`).
    ///
    /// Memory beyond the inputs and outputs: the two norm vectors and one `[chunkRows, yRows]`
    /// distance block (default: `DistanceBlocks.bytes` worth of rows), whatever `rows` is. Callers
    /// that search the same `x` repeatedly (K-means) pass its row norms in `xNorms` so they are
    /// computed once.
    public func nearestRows(x: Buffer, rows: Int, y: Buffer, yRows: Int, dim: Int,
                            indices: Buffer, minima: Buffer, chunkRows: Int? = nil, xNorms knownNorms: Buffer? = nil) throws {
        precondition(x.count >= rows * dim && y.count >= yRows * dim, "nearestRows: x or y smaller than rows*dim")
        precondition(indices.count >= rows && minima.count >= rows, "nearestRows: outputs smaller than rows")
        precondition(yRows >= 1 && dim >= 1, "nearestRows: need at least one candidate row and one dimension")
        guard rows > 0 else { return }
        let chunk = max(1, min(rows, chunkRows ?? Self.nearestChunkRows(rows: rows, yRows: yRows)))
        let xNorms: Buffer
        if let knownNorms {
            precondition(knownNorms.count >= rows, "nearestRows: xNorms holds \(knownNorms.count), needs \(rows)")
            xNorms = knownNorms
        } else {
            xNorms = try makeBuffer(count: rows)
            try rowSquaredNorms(x, offset: 0, rows: rows, cols: dim, into: xNorms, outOffset: 0)
        }
        let yNorms = try makeBuffer(count: yRows)
        try rowSquaredNorms(y, offset: 0, rows: yRows, cols: dim, into: yNorms, outOffset: 0)
        let block = try makeBuffer(count: chunk * yRows)
        var start = 0
        while start < rows {
            let n = min(chunk, rows - start)
            try squaredDistances(x: x, xOffset: start * dim, xNorms: xNorms, xNormsOffset: start, rows: n,
                                 y: y, yNorms: yNorms, yRows: yRows, dim: dim, into: block)
            try rowArgmin(block, rows: n, cols: yRows, indices: indices, indicesOffset: start,
                          minima: minima, minimaOffset: start)
            start += n
        }
    }
}

/// The k nearest rows of every row, exactly, as scikit-learn's `NearestNeighbors(algorithm="brute")`.
public struct NeighbourGraph: Sendable, Equatable {
    /// Rows searched.
    public let rows: Int
    /// Neighbours per row.
    public let k: Int
    /// `[rows, k]` row indices, nearest first; ties by the lower index.
    public var indices: [Int32]
    /// `[rows, k]` Euclidean distances (not squared), ascending per row.
    public var distances: [Float]

    public init(rows: Int, k: Int, indices: [Int32], distances: [Float]) {
        precondition(indices.count == rows * k && distances.count == rows * k, "NeighbourGraph: \(indices.count) entries for \(rows) x \(k)")
        (self.rows, self.k, self.indices, self.distances) = (rows, k, indices, distances)
    }

    /// Row `i`'s neighbour indices.
    public func neighbours(of i: Int) -> ArraySlice<Int32> { indices[(i * k) ..< ((i + 1) * k)] }
}

extension ComputeBackend {
    /// The `k` nearest rows of `x [rows, dim]` (row-major floats on the host) for each row, the row
    /// itself included (at distance 0, normally first) unless `excludeSelf`.
    ///
    /// Squared distances come from the backend in row blocks (`|x|^2 - 2 x.y + |y|^2`, one GEMM per
    /// block, at most `budgetBytes` of block) and `rowTopK` selects `k + extra` candidates per row on
    /// the device, so only `[rows, k + extra]` values ever come back. The candidates' distances are
    /// then recomputed exactly in Double on the host and re-sorted (by distance, then index), which
    /// removes the float32 cancellation of the norm formula: the result equals a Double brute force
    /// whenever the true k-th neighbour is among the candidates (`extra` default 8).
    ///
    /// `searchSpace`, when given (`[rows, searchDim]`, e.g. a PCA projection of `x`), is where the
    /// candidates are searched instead of `x` itself; the refinement still ranks them by their exact
    /// distances in `x`. That trades exactness (the result's recall) for a search `dim / searchDim`
    /// times cheaper. `progress(rows done, rows)` follows the blocks.
    public func kNearestNeighbours(_ x: [Float], rows n: Int, dim d: Int, k: Int, excludeSelf: Bool = false, extra: Int = 8,
                                   searchSpace: (values: [Float], dim: Int)? = nil, budgetBytes: Int = DistanceBlocks.bytes,
                                   progress: (Int, Int) -> Void = { _, _ in }) throws -> NeighbourGraph {
        precondition(x.count == n * d, "kNearestNeighbours: \(x.count) values for \(n) x \(d)")
        let wanted = k + (excludeSelf ? 1 : 0)
        precondition(k >= 1 && wanted <= n, "kNearestNeighbours: k \(k) needs at least \(wanted) rows, have \(n)")
        let candidates = min(n, wanted + max(0, extra))
        let (space, spaceDim) = searchSpace.map { ($0.values, $0.dim) } ?? (x, d)
        precondition(space.count == n * spaceDim, "kNearestNeighbours: search space holds \(space.count) values for \(n) x \(spaceDim)")
        let found = try candidateNeighbours(space, rows: n, dim: spaceDim, count: candidates, budgetBytes: budgetBytes, progress: progress)
        return Self.refineNeighbours(found, candidates: candidates, x, rows: n, dim: d, k: k, excludeSelf: excludeSelf,
                                     exact: searchSpace == nil)
    }

    /// `[rows, count]` row indices of each row's `count` nearest rows by float32 squared distance,
    /// from backend distance blocks and the device top-k.
    public func candidateNeighbours(_ x: [Float], rows n: Int, dim d: Int, count candidates: Int,
                                    budgetBytes: Int = DistanceBlocks.bytes,
                                    progress: (Int, Int) -> Void = { _, _ in }) throws -> [Int32] {
        let points = try makeBuffer(x)
        let norms = try makeBuffer(count: n)
        try rowSquaredNorms(points, offset: 0, rows: n, cols: d, into: norms, outOffset: 0)
        let chunk = Self.nearestChunkRows(rows: n, yRows: n, budgetBytes: budgetBytes)
        let block = try makeBuffer(count: chunk * n)
        let candidateIndices = try makeBuffer(count: n * candidates), candidateValues = try makeBuffer(count: n * candidates)
        var start = 0
        while start < n {
            let rows = min(chunk, n - start)
            try squaredDistances(x: points, xOffset: start * d, xNorms: norms, xNormsOffset: start, rows: rows,
                                 y: points, yNorms: norms, yRows: n, dim: d, into: block)
            try rowTopK(block, rows: rows, cols: n, k: candidates, columnOffset: 0, indices: candidateIndices, values: candidateValues,
                        outRow: start)
            start += rows
            progress(start, n)
        }
        var found = [Int32](repeating: 0, count: n * candidates)
        try found.withUnsafeMutableBufferPointer { try download(candidateIndices, offset: 0, into: $0) }
        return found
    }

    /// Ranks each row's `candidates` (`[rows, candidates]`, -1 ignored) by exact Double distance in
    /// `x`, ties to the lower index, and keeps the first `k` (the row itself dropped with
    /// `excludeSelf`; missing entries padded with -1 / +infinity). With `exact` false the distances
    /// are summed in float32 SIMD lanes from the differences themselves (no cancellation; relative
    /// error about `dim` ulps at worst), about four times faster, for searches that are approximate
    /// anyway.
    public static func refineNeighbours(_ found: [Int32], candidates: Int, _ x: [Float], rows n: Int, dim d: Int, k: Int,
                                        excludeSelf: Bool, exact useDouble: Bool = true) -> NeighbourGraph {
        var indices = [Int32](repeating: 0, count: n * k), distances = [Float](repeating: 0, count: n * k)
        x.withUnsafeBufferPointer { xs in
            indices.withUnsafeMutableBufferPointer { outIndices in
                distances.withUnsafeMutableBufferPointer { outDistances in
                    parallelFor(n, grain: max(1, 4096 / max(1, candidates * d / 64))) { range in
                        var exact: [(distance: Double, index: Int32)] = []
                        for i in range {
                            exact.removeAll(keepingCapacity: true)
                            let row = xs.baseAddress! + i * d
                            for j in found[(i * candidates) ..< ((i + 1) * candidates)] where j >= 0 {
                                if excludeSelf && Int(j) == i { continue }
                                let other = xs.baseAddress! + Int(j) * d
                                exact.append((useDouble ? exactSquaredDistance(xs, i, Int(j), dim: d) : Double(Self.squaredDistanceSIMD(row, other, d)), j))
                            }
                            exact.sort { ($0.distance, $0.index) < ($1.distance, $1.index) }
                            for q in 0 ..< k {
                                outIndices[i * k + q] = q < exact.count ? exact[q].index : -1
                                outDistances[i * k + q] = q < exact.count ? Float(exact[q].distance.squareRoot()) : .infinity
                            }
                        }
                    }
                }
            }
        }
        return NeighbourGraph(rows: n, k: k, indices: indices, distances: distances)
    }

    /// `|a - b|^2` over `d` values, in eight float32 lanes.
    @inline(__always)
    static func squaredDistanceSIMD(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: 0)
        var t = 0
        while t + 8 <= d {
            let v = UnsafeRawPointer(a + t).loadUnaligned(as: SIMD8<Float>.self) - UnsafeRawPointer(b + t).loadUnaligned(as: SIMD8<Float>.self)
            lanes += v * v
            t += 8
        }
        var s = lanes.sum()
        while t < d { let v = a[t] - b[t]; s += v * v; t += 1 }
        return s
    }
}

/// `|x_i - x_j|^2` for rows `i` and `j` of the row-major `x [*, dim]`, from the differences
/// themselves, summed in Double: the reference every neighbour ranking is exact against.
@inlinable
public func exactSquaredDistance<C: RandomAccessCollection>(_ x: C, _ i: Int, _ j: Int, dim d: Int) -> Double
    where C.Element == Float, C.Index == Int {
    var s = 0.0
    for t in 0 ..< d { let v = Double(x[i * d + t]) - Double(x[j * d + t]); s += v * v }
    return s
}
