import Backend
import XCTest

/// Per-row top-k selection and the exact k-nearest-neighbour graph on every backend.
final class NeighbourParityTests: XCTestCase {
    /// The k smallest per row, ascending, lower column first on ties, NaN never taken, short rows
    /// padded with -1 / +infinity; exact against a plain stable sort.
    func testRowTopKExact() throws {
        for backend in availableBackends() { try topK(backend) }
    }

    private func topK<B: ComputeBackend>(_ backend: B) throws {
        for (rows, cols, k) in [(1, 1, 1), (7, 3, 5), (33, 257, 15), (5, 1000, 90), (3, 4097, 17), (2, 300, 300)] {
            var d = randomFloats(rows * cols, in: 0 ... 4, seed: UInt64(rows * 11 + cols))
            d = d.map { ($0 * 8).rounded() / 8 } // many ties
            for r in 0 ..< rows where cols > 2 { d[r * cols + (r * 7) % cols] = .nan }
            let indices = try backend.makeBuffer(count: (rows + 1) * k), values = try backend.makeBuffer(count: (rows + 1) * k)
            try backend.fill(values, with: -7, offset: 0, count: k)
            try backend.rowTopK(try backend.makeBuffer(d), rows: rows, cols: cols, k: k, columnOffset: 100, indices: indices, values: values,
                                outRow: 1)
            var expectedIndices: [Int32] = [], expectedValues: [Float] = []
            for r in 0 ..< rows {
                let sorted = (0 ..< cols).filter { !d[r * cols + $0].isNaN }.sorted { (d[r * cols + $0], $0) < (d[r * cols + $1], $1) }
                for q in 0 ..< k {
                    expectedIndices.append(q < sorted.count ? Int32(sorted[q] + 100) : -1)
                    expectedValues.append(q < sorted.count ? d[r * cols + sorted[q]] : .infinity)
                }
            }
            let gotValues = try backend.floats(values)
            XCTAssertEqual(Array(try backend.ints(indices)[k...]), expectedIndices, "\(backend.name) topK indices \(rows)x\(cols) k \(k)")
            XCTAssertEqual(Array(gotValues[k...]), expectedValues, "\(backend.name) topK values \(rows)x\(cols) k \(k)")
            XCTAssertEqual(Array(gotValues[..<k]), [Float](repeating: -7, count: k), "\(backend.name): wrote before outRow")
        }
    }

    /// The k-NN graph equals a Double brute force with ties to the lower index (points on a coarse
    /// grid make exact ties), with and without the point itself, across block boundaries.
    func testKNearestNeighboursMatchBruteForce() throws {
        for backend in availableBackends() { try graph(backend) }
    }

    private func graph<B: ComputeBackend>(_ backend: B) throws {
        let (n, d, k) = (301, 5, 12)
        let x = randomFloats(n * d, in: 0 ... 3, seed: 77).map { $0.rounded() }
        for excludeSelf in [false, true] {
            for budget in [4 * n * 7, 64 << 20] { // 7-row blocks, or one block
                let g = try backend.kNearestNeighbours(x, rows: n, dim: d, k: k, excludeSelf: excludeSelf, budgetBytes: budget)
                for i in 0 ..< n {
                    let order = (0 ..< n).filter { !excludeSelf || $0 != i }.map { j -> (Double, Int) in
                        ((0 ..< d).reduce(0.0) { let v = Double(x[i * d + $1]) - Double(x[j * d + $1]); return $0 + v * v }, j)
                    }.sorted { $0 < $1 }.prefix(k)
                    XCTAssertEqual(Array(g.neighbours(of: i)), order.map { Int32($0.1) }, "\(backend.name) row \(i), excludeSelf \(excludeSelf)")
                    XCTAssertEqual(Array(g.distances[(i * k) ..< ((i + 1) * k)]), order.map { Float($0.0.squareRoot()) })
                }
            }
        }
    }
}
