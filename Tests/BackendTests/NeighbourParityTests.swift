import Backend
import Dataset
import XCTest

/// Per-row top-k selection and the exact k-nearest-neighbour graph on every backend.
final class NeighbourParityTests: XCTestCase {
    /// The k smallest per row, ascending, lower column first on ties, NaN never taken, +infinity
    /// taken only to fill k, short rows padded with -1 / +infinity; exact against a plain stable sort.
    /// On OpenCL, each GPU selection kernel (`FMNIST_TOPK`) is checked at every shape, including the
    /// gather kernel's fallback (more than its 2,048 local entries tie under its bound).
    func testRowTopKExact() throws {
        for backend in availableBackends() {
            guard let device = backend as? OpenCLBackend else { try topK(backend); continue }
            let chosen = device.topKSelection
            defer { device.topKSelection = chosen }
            for selection in TopKSelection.allCases {
                device.topKSelection = selection
                try topK(device, label: "\(device.name) \(selection)")
            }
        }
    }

    private func topK<B: ComputeBackend>(_ backend: B, label: String? = nil) throws {
        let name = label ?? backend.name
        for (rows, cols, k) in [(1, 1, 1), (7, 3, 5), (33, 257, 15), (5, 1000, 90), (3, 4097, 17), (2, 300, 300), (4, 3000, 208),
                                (2, 5000, 100)] {
            var d = randomFloats(rows * cols, in: 0 ... 4, seed: UInt64(rows * 11 + cols))
            d = d.map { ($0 * 8).rounded() / 8 } // many ties
            if cols == 5000 { for i in d.indices where i % 5 != 0 { d[i] = 0 } } // 4,000 ties at the bound: the fallback
            for r in 0 ..< rows where cols > 2 { d[r * cols + (r * 7) % cols] = .nan }
            for r in 0 ..< rows where cols > 20 { for c in stride(from: 3, to: cols, by: 19) { d[r * cols + c] = .infinity } }
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
            XCTAssertEqual(Array(try backend.ints(indices)[k...]), expectedIndices, "\(name) topK indices \(rows)x\(cols) k \(k)")
            XCTAssertEqual(Array(gotValues[k...]), expectedValues, "\(name) topK values \(rows)x\(cols) k \(k)")
            XCTAssertEqual(Array(gotValues[..<k]), [Float](repeating: -7, count: k), "\(name): wrote before outRow")
        }
    }

    /// Radius counts, CSR column lists and smallest labels within a radius, against plain loops:
    /// values on the radius count (ties), NaN never does, masks and the three column modes.
    func testRadiusQueriesExact() throws {
        for backend in availableBackends() { try radius(backend) }
    }

    private func radius<B: ComputeBackend>(_ backend: B) throws {
        for (rows, cols, rowBase) in [(1, 1, 0), (9, 40, 3), (17, 300, 100), (4, 1025, 1000)] {
            var d = randomFloats(rows * cols, in: 0 ... 4, seed: UInt64(rows * 13 + cols)).map { ($0 * 4).rounded() / 4 }
            for r in 0 ..< rows where cols > 2 { d[r * cols + (r * 5) % cols] = .nan }
            var g = SplitMix64(seed: UInt64(cols))
            let mask = (0 ..< cols).map { _ in Int32(g.next(below: 3) == 0 ? 0 : 1) }
            let labels = (0 ..< cols).map { _ in Int32(g.next(below: 9)) - 3 } // -3 ... 5; negatives are "no label"
            let block = try backend.makeBuffer(d), maskBuffer = try backend.makeBuffer(count: cols), labelBuffer = try backend.makeBuffer(count: cols)
            try mask.withUnsafeBufferPointer { try backend.upload($0, to: maskBuffer, offset: 0) }
            try labels.withUnsafeBufferPointer { try backend.upload($0, to: labelBuffer, offset: 0) }
            for radius: Float in [0, 1, 2.5] {
                for columns in [NeighbourColumns.all, .others, .later] {
                    for masked in [false, true] {
                        var expected: [[Int]] = []
                        for r in 0 ..< rows {
                            expected.append((0 ..< cols).filter { c in
                                let near = d[r * cols + c] <= radius, allowed = !masked || mask[c] != 0
                                return near && allowed && columns.allows(c, point: rowBase + r)
                            })
                        }
                        let counts = try backend.makeBuffer(count: rows + 2)
                        try backend.rowCountWithin(block, rows: rows, cols: cols, radius: radius, columnMask: masked ? maskBuffer : nil,
                                                   columns: columns, rowBase: rowBase, counts: counts, countsOffset: 2)
                        let what = "\(backend.name) \(rows)x\(cols) radius \(radius) \(columns) mask \(masked)"
                        XCTAssertEqual(Array(try backend.ints(counts)[2...]), expected.map { Int32($0.count) }, "counts, " + what)
                        // Every other row's range left empty: those rows must write nothing.
                        var offsets: [Int32] = [0]
                        for r in 0 ..< rows { offsets.append(offsets[r] + (r % 2 == 0 ? Int32(expected[r].count) : 0)) }
                        let offsetBuffer = try backend.makeBuffer(count: rows + 1), list = try backend.makeBuffer(count: Int(offsets[rows]) + 1)
                        try backend.fill(list, with: -9, offset: 0, count: Int(offsets[rows]) + 1)
                        try offsets.withUnsafeBufferPointer { try backend.upload($0, to: offsetBuffer, offset: 0) }
                        try backend.rowColumnsWithin(block, rows: rows, cols: cols, radius: radius, columnMask: masked ? maskBuffer : nil,
                                                     columns: columns, rowBase: rowBase, offsets: offsetBuffer, into: list)
                        let listed = try backend.ints(list)
                        var expectedList: [Int32] = []
                        for r in stride(from: 0, to: rows, by: 2) { expectedList += expected[r].map { Int32($0) } }
                        XCTAssertEqual(Array(listed[..<Int(offsets[rows])]), expectedList, "lists, " + what)
                        XCTAssertEqual(listed[Int(offsets[rows])], Int32(bitPattern: Float(-9).bitPattern), "nothing past the lists, " + what)
                    }
                    let minima = try backend.makeBuffer(count: rows)
                    try backend.rowMinLabelWithin(block, rows: rows, cols: cols, radius: radius, labels: labelBuffer, columns: columns,
                                                  rowBase: rowBase, into: minima, outOffset: 0)
                    var expectedMinima: [Int32] = []
                    for r in 0 ..< rows {
                        var best: Int32 = -1
                        for c in 0 ..< cols where d[r * cols + c] <= radius && labels[c] >= 0 && columns.allows(c, point: rowBase + r) {
                            if best < 0 || labels[c] < best { best = labels[c] }
                        }
                        expectedMinima.append(best)
                    }
                    XCTAssertEqual(try backend.ints(minima), expectedMinima, "\(backend.name) min labels \(rows)x\(cols) radius \(radius) \(columns)")
                }
            }
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
