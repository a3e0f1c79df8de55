import Backend
import XCTest

/// Norms, pairwise distances, argmin and the chunked nearest-row search on every backend.
final class DistanceParityTests: XCTestCase {
    func testRowSquaredNorms() throws {
        for backend in availableBackends() { try norms(backend) }
    }

    private func norms<B: ComputeBackend>(_ backend: B) throws {
        for (rows, cols) in [(1, 1), (7, 33), (257, 7), (33, 1000)] {
            let x = randomFloats(rows * cols, seed: UInt64(rows * 31 + cols))
            let out = try backend.makeBuffer(count: rows + 2)
            try backend.fill(out, with: -1, offset: 0, count: rows + 2)
            try backend.rowSquaredNorms(try backend.makeBuffer(x), offset: 0, rows: rows, cols: cols, into: out, outOffset: 1)
            let expected = (0 ..< rows).map { r in (0 ..< cols).reduce(0.0) { $0 + Double(x[r * cols + $1]) * Double(x[r * cols + $1]) } }
            let got = try backend.floats(out)
            assertClose(Array(got[1 ... rows]), expected, tolerance: 1e-6, "\(backend.name) norms \(rows)x\(cols)")
            XCTAssertEqual(got[0], -1, "\(backend.name): wrote before outOffset")
            XCTAssertEqual(got[rows + 1], -1, "\(backend.name): wrote past the rows")
        }
    }

    func testSquaredDistances() throws {
        for backend in availableBackends() { try distances(backend) }
    }

    private func distances<B: ComputeBackend>(_ backend: B) throws {
        for (rows, yRows, dim) in [(1, 1, 1), (7, 1, 33), (33, 7, 7), (257, 33, 19), (40, 257, 3)] {
            let x = randomFloats(rows * dim, seed: UInt64(rows * 7 + dim)), y = randomFloats(yRows * dim, seed: UInt64(yRows * 13 + dim))
            let (dx, dy) = (try backend.makeBuffer(x), try backend.makeBuffer(y))
            let (xn, yn) = (try backend.makeBuffer(count: rows), try backend.makeBuffer(count: yRows))
            try backend.rowSquaredNorms(dx, offset: 0, rows: rows, cols: dim, into: xn, outOffset: 0)
            try backend.rowSquaredNorms(dy, offset: 0, rows: yRows, cols: dim, into: yn, outOffset: 0)
            let out = try backend.makeBuffer(count: rows * yRows)
            try backend.squaredDistances(x: dx, xOffset: 0, xNorms: xn, xNormsOffset: 0, rows: rows,
                                         y: dy, yNorms: yn, yRows: yRows, dim: dim, into: out)
            let got = try backend.floats(out)
            assertClose(got, Reference.squaredDistances(x, rows: rows, y, yRows: yRows, dim: dim), tolerance: 1e-5,
                        "\(backend.name) distances \(rows)x\(yRows)x\(dim)")
            XCTAssertTrue(got.allSatisfy { $0 >= 0 }, "\(backend.name): a squared distance below 0")
        }
    }

    /// A point's distance to itself is exactly 0 after the clamp, never a tiny negative.
    func testDistanceToSelfIsClampedAtZero() throws {
        for backend in availableBackends() { try selfDistance(backend) }
    }

    private func selfDistance<B: ComputeBackend>(_ backend: B) throws {
        let (rows, dim) = (50, 784)
        let x = randomFloats(rows * dim, in: 0 ... 1, seed: 99)
        let dx = try backend.makeBuffer(x)
        let (idx, mins) = (try backend.makeBuffer(count: rows), try backend.makeBuffer(count: rows))
        try backend.nearestRows(x: dx, rows: rows, y: dx, yRows: rows, dim: dim, indices: idx, minima: mins)
        XCTAssertEqual(try backend.ints(idx), (0 ..< Int32(rows)).map { $0 }, "\(backend.name): each row's nearest is itself")
        XCTAssertTrue(try backend.floats(mins).allSatisfy { $0 >= 0 && $0 < 1e-3 }, "\(backend.name): self-distance not ~0")
    }

    /// Argmin is exact: same index as a plain scan (lowest on ties), NaN never wins, the value returned.
    func testRowArgminExact() throws {
        for backend in availableBackends() { try argmin(backend) }
    }

    private func argmin<B: ComputeBackend>(_ backend: B) throws {
        for (rows, cols) in [(1, 1), (7, 1), (33, 7), (257, 33), (3, 1000)] {
            var d = randomFloats(rows * cols, in: 0 ... 4, seed: UInt64(rows + cols))
            // Rounded values make ties common; one NaN per row where there is room.
            d = d.map { ($0 * 4).rounded() / 4 }
            if cols > 2 { for r in 0 ..< rows { d[r * cols + (r % cols)] = .nan } }
            let out = try backend.makeBuffer(count: rows), mins = try backend.makeBuffer(count: rows)
            try backend.rowArgmin(try backend.makeBuffer(d), rows: rows, cols: cols, indices: out, indicesOffset: 0,
                                  minima: mins, minimaOffset: 0)
            var expectedIndex = [Int32](), expectedMin = [Float]()
            for r in 0 ..< rows {
                var best = Float.infinity, at = -1
                for c in 0 ..< cols where d[r * cols + c] < best || (at < 0 && d[r * cols + c] == best) { best = d[r * cols + c]; at = c }
                expectedIndex.append(Int32(max(at, 0)))
                expectedMin.append(at >= 0 ? best : d[r * cols])
            }
            XCTAssertEqual(try backend.ints(out), expectedIndex, "\(backend.name) argmin \(rows)x\(cols)")
            XCTAssertEqual(try backend.floats(mins), expectedMin, "\(backend.name) argmin minima \(rows)x\(cols)")
        }
    }

    /// The indicator matrix is exact on every backend, labels outside `0 ..< classes` give zero columns.
    func testOneHot() throws {
        for backend in availableBackends() { try oneHot(backend) }
    }

    private func oneHot<B: ComputeBackend>(_ backend: B) throws {
        for (count, classes) in [(1, 1), (17, 3), (1000, 10)] {
            let labels = (0 ..< count).map { Int32(($0 * 7) % (classes + 1)) - ($0 % 5 == 0 ? 1 : 0) }
            let out = try backend.makeBuffer(count: count * classes)
            try backend.fill(out, with: 9, offset: 0, count: count * classes)
            try backend.oneHot(try backend.makeBuffer(labels), count: count, classes: classes, into: out)
            var expected = [Float](repeating: 0, count: count * classes)
            for (i, l) in labels.enumerated() where l >= 0 && Int(l) < classes { expected[Int(l) * count + i] = 1 }
            XCTAssertEqual(try backend.floats(out), expected, "\(backend.name) oneHot \(count)x\(classes)")
        }
    }

    /// The chunked search gives the brute-force answer whatever the chunk: 1 row, chunk-1, chunk, chunk+1, all.
    func testNearestRowsAcrossChunkBoundaries() throws {
        for backend in availableBackends() { try nearestChunks(backend) }
    }

    private func nearestChunks<B: ComputeBackend>(_ backend: B) throws {
        let (rows, yRows, dim) = (65, 10, 17)
        let x = randomFloats(rows * dim, seed: 5), y = randomFloats(yRows * dim, seed: 6)
        let reference = Reference.squaredDistances(x, rows: rows, y, yRows: yRows, dim: dim)
        var expectedIndex = [Int32](), expectedMin = [Double]()
        for r in 0 ..< rows {
            let row = reference[(r * yRows) ..< ((r + 1) * yRows)]
            let best = row.min()!
            expectedIndex.append(Int32(row.firstIndex(of: best)! - r * yRows))
            expectedMin.append(best)
        }
        let (dx, dy) = (try backend.makeBuffer(x), try backend.makeBuffer(y))
        for chunk in [1, 15, 16, 17, 64, 65, 66] {
            let (idx, mins) = (try backend.makeBuffer(count: rows), try backend.makeBuffer(count: rows))
            try backend.nearestRows(x: dx, rows: rows, y: dy, yRows: yRows, dim: dim, indices: idx, minima: mins, chunkRows: chunk)
            XCTAssertEqual(try backend.ints(idx), expectedIndex, "\(backend.name) nearest, chunk \(chunk)")
            assertClose(try backend.floats(mins), expectedMin, tolerance: 1e-5, "\(backend.name) nearest minima, chunk \(chunk)")
        }
    }

    func testChunkRowsBoundMemory() {
        XCTAssertEqual(CPUBackend.nearestChunkRows(rows: 70_000, yRows: 10_000, budgetBytes: 64 << 20), 1677)
        XCTAssertEqual(CPUBackend.nearestChunkRows(rows: 5, yRows: 10, budgetBytes: 64 << 20), 5)
        XCTAssertEqual(CPUBackend.nearestChunkRows(rows: 5, yRows: 1 << 30, budgetBytes: 16), 1)
    }
}
