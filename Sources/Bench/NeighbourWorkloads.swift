import Backend

/// The device part of the exact k-NN graph, as `kNearestNeighbours` runs it: every row's squared
/// distances to all rows in bounded blocks (one GEMM each) and the per-row `k` smallest selected on
/// the device (`rowTopK`). `2 n^2 d` flops. The result compared across backends is the selected
/// distances (indices may differ at float32 near-ties).
public struct NeighboursWorkload: BenchWorkload {
    public let rows: Int, dim: Int, k: Int
    public init(rows: Int, dim: Int, k: Int) { (self.rows, self.dim, self.k) = (rows, dim, k) }
    public var op: String { "knn graph" }
    public var shape: String { "\(rows)x\(dim) k \(k)" }
    public var flops: Double? { 2 * Double(rows) * Double(rows) * Double(dim) }
    public var bytes: Double { 4 * Double(rows * dim + 2 * rows * k) }
    public var tolerance: Double { 1e-5 }

    public func prepare<B: ComputeBackend>(_ backend: B) throws -> PreparedWorkload {
        let x = try backend.makeBuffer(benchInputs(rows * dim, seed: 5, nonNegative: true))
        let norms = try backend.makeBuffer(count: rows)
        let chunk = B.nearestChunkRows(rows: rows, yRows: rows)
        let block = try backend.makeBuffer(count: chunk * rows)
        let indices = try backend.makeBuffer(count: rows * k), values = try backend.makeBuffer(count: rows * k)
        return PreparedWorkload(
            run: {
                try backend.rowSquaredNorms(x, offset: 0, rows: rows, cols: dim, into: norms, outOffset: 0)
                var start = 0
                while start < rows {
                    let n = min(chunk, rows - start)
                    try backend.squaredDistances(x: x, xOffset: start * dim, xNorms: norms, xNormsOffset: start, rows: n,
                                                 y: x, yNorms: norms, yRows: rows, dim: dim, into: block)
                    try backend.rowTopK(block, rows: n, cols: rows, k: k, columnOffset: 0, indices: indices, values: values, outRow: start)
                    start += n
                }
                try backend.synchronize()
            },
            result: { try backend.floats(values) })
    }
}

/// DBSCAN's first pass on the device, as `DBSCAN` runs it off the CPU: every row's squared
/// distances to all rows in bounded blocks (one GEMM each) and the per-row count of entries within
/// the radius reduced on the device (`rowCountWithin`), so only the n counts come back. `2 n^2 d`
/// flops. The result compared across backends is the counts (float32 distances on the radius may
/// round to either side, hence the tolerance).
public struct RadiusCountWorkload: BenchWorkload {
    public let rows: Int, dim: Int
    /// Squared radius.
    public let radius: Float
    public init(rows: Int, dim: Int, radius: Float) { (self.rows, self.dim, self.radius) = (rows, dim, radius) }
    public var op: String { "radius counts" }
    public var shape: String { "\(rows)x\(dim) r2 \(radius)" }
    public var flops: Double? { 2 * Double(rows) * Double(rows) * Double(dim) }
    public var bytes: Double { 4 * Double(rows * dim + rows) }
    public var tolerance: Double { 1e-4 }

    public func prepare<B: ComputeBackend>(_ backend: B) throws -> PreparedWorkload {
        let x = try backend.makeBuffer(benchInputs(rows * dim, seed: 6, nonNegative: false))
        let norms = try backend.makeBuffer(count: rows)
        let chunk = B.nearestChunkRows(rows: rows, yRows: rows, budgetBytes: 128 << 20)
        let block = try backend.makeBuffer(count: chunk * rows)
        let counts = try backend.makeBuffer(count: rows)
        return PreparedWorkload(
            run: {
                try backend.rowSquaredNorms(x, offset: 0, rows: rows, cols: dim, into: norms, outOffset: 0)
                var start = 0
                while start < rows {
                    let n = min(chunk, rows - start)
                    try backend.squaredDistances(x: x, xOffset: start * dim, xNorms: norms, xNormsOffset: start, rows: n,
                                                 y: x, yNorms: norms, yRows: rows, dim: dim, into: block)
                    try backend.rowCountWithin(block, rows: n, cols: rows, radius: radius, columnMask: nil, columns: .others,
                                               rowBase: start, counts: counts, countsOffset: start)
                    start += n
                }
                try backend.synchronize()
            },
            result: { try backend.ints(counts).map(Float.init) })
    }
}
