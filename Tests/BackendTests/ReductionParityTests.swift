import Backend
import XCTest

/// Sums, means, maxima and minima of each row and each column on every backend (NMSE <= 1e-6).
final class ReductionParityTests: XCTestCase {
    func testReductionsBothAxes() throws {
        for backend in availableBackends() { try reductions(backend) }
    }

    /// A few long rows (on a GPU's kernels: folded in blocks of columns, then the blocks in order), with small whole
    /// numbers so that every order of the additions is exact: sums, maxima, minima and squared norms exactly, means to
    /// rounding; one row is a loss's terms over a batch of the autoencoder.
    func testFewLongRowsEveryElementOnce() throws {
        for backend in availableBackends() { try fewLongRows(backend) }
    }

    private func fewLongRows<B: ComputeBackend>(_ backend: B) throws {
        for (rows, cols) in [(1, 200_704), (3, 5_000), (31, 4_097), (32, 4_096)] {
            let x = (0 ..< rows * cols).map { Float(($0 * 7 + rows) % 9) - 4 }
            let dx = try backend.makeBuffer(x)
            let values = (0 ..< rows).map { r in x[r * cols ..< (r + 1) * cols].map(Double.init) }
            for op in Reduction.allCases {
                let out = try backend.makeBuffer(count: rows)
                try backend.reduce(op, dx, rows: rows, cols: cols, along: .eachRow, into: out)
                let expected: [Double] = values.map { v in
                    switch op {
                    case .sum: return v.reduce(0, +)
                    case .mean: return v.reduce(0, +) / Double(cols)
                    case .max: return v.max()!
                    case .min: return v.min()!
                    }
                }
                if op == .mean {
                    assertClose(try backend.floats(out), expected, tolerance: 1e-12, "\(backend.name) mean \(rows)x\(cols)")
                } else {
                    XCTAssertEqual(try backend.floats(out).map(Double.init), expected, "\(backend.name) \(op) \(rows)x\(cols)")
                }
            }
            let norms = try backend.makeBuffer(count: rows)
            try backend.rowSquaredNorms(dx, offset: 0, rows: rows, cols: cols, into: norms, outOffset: 0)
            XCTAssertEqual(try backend.floats(norms).map(Double.init), values.map { $0.reduce(0) { $0 + $1 * $1 } },
                           "\(backend.name) squared norms \(rows)x\(cols)")
        }
    }

    private func reductions<B: ComputeBackend>(_ backend: B) throws {
        for (rows, cols) in [(1, 1), (1, 7), (7, 1), (33, 257), (257, 33), (3, 100_003), (1000, 784)] {
            let x = randomFloats(rows * cols, seed: UInt64(rows * 1000 + cols))
            let dx = try backend.makeBuffer(x)
            for op in Reduction.allCases {
                for axis in ReductionAxis.allCases {
                    let (outer, inner) = axis == .eachRow ? (rows, cols) : (cols, rows)
                    let out = try backend.makeBuffer(count: outer)
                    try backend.reduce(op, dx, rows: rows, cols: cols, along: axis, into: out)
                    let expected: [Double] = (0 ..< outer).map { o in
                        let values = (0 ..< inner).map { i in Double(axis == .eachRow ? x[o * cols + i] : x[i * cols + o]) }
                        switch op {
                        case .sum: return values.reduce(0, +)
                        case .mean: return values.reduce(0, +) / Double(inner)
                        case .max: return values.max()!
                        case .min: return values.min()!
                        }
                    }
                    let tolerance = op == .max || op == .min ? 0 : 1e-6
                    assertClose(try backend.floats(out), expected, tolerance: tolerance, "\(backend.name) \(op) \(axis) \(rows)x\(cols)")
                }
            }
        }
    }
}
