import Backend

/// One Lloyd step of K-means on the device, as `KMeans` runs it: nearest centre for every point
/// (chunked distances + argmin), the `[k, n]` indicator matrix of the labels, the per-cluster sums
/// `indicator x points` (GEMM) and the counts (row sums). `4 n k d` flops. The result compared
/// across backends is the per-cluster sums.
public struct KMeansStepWorkload: BenchWorkload {
    public let rows: Int, dim: Int, k: Int
    public init(rows: Int, dim: Int, k: Int) { (self.rows, self.dim, self.k) = (rows, dim, k) }
    public var op: String { "kmeans step" }
    public var shape: String { "\(rows)x\(dim) k \(k)" }
    public var flops: Double? { 4 * Double(rows) * Double(k) * Double(dim) }
    public var bytes: Double {
        let points = 2 * rows * dim, indicator = (2 * k + 2) * rows
        return 4 * Double(points + indicator)
    }
    public var tolerance: Double { 1e-5 }

    public func prepare<B: ComputeBackend>(_ backend: B) throws -> PreparedWorkload {
        let x = try backend.makeBuffer(benchInputs(rows * dim, seed: 3, nonNegative: true))
        let centres = try backend.makeBuffer(benchInputs(k * dim, seed: 4, nonNegative: true))
        let labels = try backend.makeBuffer(count: rows), minima = try backend.makeBuffer(count: rows)
        let indicator = try backend.makeBuffer(count: k * rows)
        let sums = try backend.makeBuffer(count: k * dim), counts = try backend.makeBuffer(count: k)
        return PreparedWorkload(
            run: {
                try backend.nearestRows(x: x, rows: rows, y: centres, yRows: k, dim: dim, indices: labels, minima: minima)
                try backend.oneHot(labels, count: rows, classes: k, into: indicator)
                try backend.gemm(indicator, aOffset: 0, x, bOffset: 0, into: sums, cOffset: 0, m: k, n: dim, k: rows,
                                 transA: false, transB: false, alpha: 1, beta: 0)
                try backend.reduce(.sum, indicator, rows: k, cols: rows, along: .eachRow, into: counts)
                try backend.synchronize()
            },
            result: { try backend.floats(sums) })
    }
}
