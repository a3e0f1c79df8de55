import Backend
import XCTest

/// Sums, means, maxima and minima of each row and each column on every backend (NMSE <= 1e-6).
final class ReductionParityTests: XCTestCase {
    func testReductionsBothAxes() throws {
        for backend in availableBackends() { try reductions(backend) }
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
