import Backend

/// Deterministic inputs shared by all workloads: `count` floats in [-1, 1) (or [0, 1) for images).
func benchInputs(_ count: Int, seed: UInt64, nonNegative: Bool = false) -> [Float] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0 ..< count).map { _ in
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        let unit = Float(state >> 40) / Float(1 << 24)
        return nonNegative ? unit : unit * 2 - 1
    }
}

/// `C = A B` (optionally transposed), `2 m n k` flops.
public struct GemmWorkload: BenchWorkload {
    public let m: Int, n: Int, k: Int, transA: Bool, transB: Bool
    public let label: String?
    public init(m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false, label: String? = nil) {
        (self.m, self.n, self.k, self.transA, self.transB, self.label) = (m, n, k, transA, transB, label)
    }
    public var op: String { "gemm" + (transA || transB ? "(\(transA ? "T" : "N")\(transB ? "T" : "N"))" : "") }
    public var shape: String { (label.map { "\($0) " } ?? "") + "\(m)x\(n)x\(k)" }
    public var flops: Double? { 2 * Double(m) * Double(n) * Double(k) }
    public var bytes: Double { 4 * Double(m * k + k * n + m * n) }
    public var tolerance: Double { 1e-6 }

    public func prepare<B: ComputeBackend>(_ backend: B) throws -> PreparedWorkload {
        let a = try backend.makeBuffer(benchInputs(m * k, seed: 1))
        let b = try backend.makeBuffer(benchInputs(k * n, seed: 2))
        let c = try backend.makeBuffer(count: m * n)
        return PreparedWorkload(
            run: {
                try backend.gemm(a, b, into: c, m: m, n: n, k: k, transA: transA, transB: transB)
                try backend.synchronize()
            },
            result: { try backend.floats(c) })
    }
}

/// Nearest row of `y` for every row of `x` (chunked distances + argmin): `2 n m d` flops.
/// The result compared across backends is the minimum squared distance of each row.
public struct NearestWorkload: BenchWorkload {
    public let rows: Int, candidates: Int, dim: Int
    public init(rows: Int, candidates: Int, dim: Int) { (self.rows, self.candidates, self.dim) = (rows, candidates, dim) }
    public var op: String { "nearest" }
    public var shape: String { "\(rows)x\(dim) vs \(candidates)" }
    public var flops: Double? { 2 * Double(rows) * Double(candidates) * Double(dim) }
    public var bytes: Double { 4 * Double(rows * dim + candidates * dim + 2 * rows) }
    public var tolerance: Double { 1e-5 }

    public func prepare<B: ComputeBackend>(_ backend: B) throws -> PreparedWorkload {
        let x = try backend.makeBuffer(benchInputs(rows * dim, seed: 3, nonNegative: true))
        let y = try backend.makeBuffer(benchInputs(candidates * dim, seed: 4, nonNegative: true))
        let indices = try backend.makeBuffer(count: rows), minima = try backend.makeBuffer(count: rows)
        return PreparedWorkload(
            run: {
                try backend.nearestRows(x: x, rows: rows, y: y, yRows: candidates, dim: dim, indices: indices, minima: minima)
                try backend.synchronize()
            },
            result: { try backend.floats(minima) })
    }
}

/// One elementwise map over `count` floats: one read and one write each.
public struct MapWorkload: BenchWorkload {
    public let function: UnaryFunction, count: Int
    public init(_ function: UnaryFunction, count: Int) { (self.function, self.count) = (function, count) }
    public var op: String { "\(function)" }
    public var shape: String { "\(count)" }
    public var flops: Double? { nil }
    public var bytes: Double { 8 * Double(count) }
    public var tolerance: Double { 1e-10 }

    public func prepare<B: ComputeBackend>(_ backend: B) throws -> PreparedWorkload {
        let x = try backend.makeBuffer(benchInputs(count, seed: 5)), y = try backend.makeBuffer(count: count)
        return PreparedWorkload(
            run: { try backend.map(function, x, into: y, count: count); try backend.synchronize() },
            result: { try backend.floats(y) })
    }
}

/// `y += alpha x` over `count` floats: two reads and one write each.
public struct AxpyWorkload: BenchWorkload {
    public let count: Int
    public init(count: Int) { self.count = count }
    public var op: String { "axpy" }
    public var shape: String { "\(count)" }
    public var flops: Double? { nil }
    public var bytes: Double { 12 * Double(count) }
    public var tolerance: Double { 1e-10 }

    public func prepare<B: ComputeBackend>(_ backend: B) throws -> PreparedWorkload {
        let x = try backend.makeBuffer(benchInputs(count, seed: 6)), y = try backend.makeBuffer(benchInputs(count, seed: 7))
        // alpha 0 keeps y unchanged across repetitions, so every backend ends with the same values.
        return PreparedWorkload(
            run: { try backend.axpy(alpha: 0, x: x, y: y, count: count); try backend.synchronize() },
            result: { try backend.floats(y) })
    }
}

/// Sum of each row or each column of a `[rows, cols]` matrix.
public struct ReduceWorkload: BenchWorkload {
    public let rows: Int, cols: Int, axis: ReductionAxis
    public init(rows: Int, cols: Int, axis: ReductionAxis) { (self.rows, self.cols, self.axis) = (rows, cols, axis) }
    public var op: String { axis == .eachRow ? "sum-rows" : "sum-columns" }
    public var shape: String { "\(rows)x\(cols)" }
    public var flops: Double? { nil }
    public var bytes: Double { 4 * Double(rows * cols + (axis == .eachRow ? rows : cols)) }
    public var tolerance: Double { 1e-6 }

    public func prepare<B: ComputeBackend>(_ backend: B) throws -> PreparedWorkload {
        let x = try backend.makeBuffer(benchInputs(rows * cols, seed: 8))
        let out = try backend.makeBuffer(count: axis == .eachRow ? rows : cols)
        return PreparedWorkload(
            run: { try backend.reduce(.sum, x, rows: rows, cols: cols, along: axis, into: out); try backend.synchronize() },
            result: { try backend.floats(out) })
    }
}
