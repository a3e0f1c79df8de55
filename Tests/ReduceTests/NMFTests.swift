import Backend
import Reduce
import XCTest

final class NMFTests: XCTestCase {
    /// From the same nndsvd / nndsvda start, both solvers end with a reconstruction error at most
    /// scikit-learn's (400 iterations, tol 1e-6; relative slack 1e-6 for float32 products), on every
    /// backend; W and H are non-negative and W H reproduces the reported error.
    func testObjectiveAtMostScikitLearns() throws {
        let (points, n, d) = try ReduceFixtures.points()
        let x = points.map(abs)
        let reference = try ReduceFixtures.doubles("nmf-errors.npy")
        for backend in ReduceFixtures.backends() {
            var index = 0
            for initialisation in [NMF.Initialisation.nndsvd, .nndsvda] {
                for solver in [NMF.Solver.cd, .mu] {
                    var c = NMF.Configuration(components: 5)
                    (c.initialisation, c.solver, c.maxIterations, c.tolerance) = (initialisation, solver, 400, 1e-6)
                    let r = try NMF.fit(x, rows: n, dim: d, configuration: c, backend: backend)
                    let what = "\(backend.name) \(initialisation.rawValue) \(solver.rawValue)"
                    XCTAssertLessThanOrEqual(r.reconstructionError, reference[index] * (1 + 1e-6), what)
                    XCTAssertTrue(r.w.allSatisfy { $0 >= 0 } && r.h.allSatisfy { $0 >= 0 }, "\(what): negative factors")
                    var squared = 0.0
                    for i in 0 ..< n {
                        for j in 0 ..< d {
                            var p = 0.0
                            for t in 0 ..< 5 { p += Double(r.w[i * 5 + t]) * Double(r.h[t * d + j]) }
                            squared += (Double(x[i * d + j]) - p) * (Double(x[i * d + j]) - p)
                        }
                    }
                    XCTAssertEqual(squared.squareRoot(), r.reconstructionError, accuracy: 1e-4 * r.reconstructionError, "\(what): reported error")
                    index += 1
                }
            }
        }
    }

    /// Coordinate descent over blocks of rows (X read once per iteration) reaches the objective of
    /// one block: only the summation order of `W^T X` differs.
    func testBlocksOfRowsGiveTheSameFactorisation() throws {
        let (points, n, d) = try ReduceFixtures.points()
        let x = points.map(abs)
        for backend in ReduceFixtures.backends() {
            var c = NMF.Configuration(components: 5)
            (c.maxIterations, c.tolerance) = (50, 0)
            let whole = try NMF.fit(x, rows: n, dim: d, configuration: c, backend: backend)
            for rows in [1, 7, n - 1] {
                c.rowsPerBlock = rows
                let blocked = try NMF.fit(x, rows: n, dim: d, configuration: c, backend: backend)
                XCTAssertEqual(blocked.reconstructionError, whole.reconstructionError, accuracy: 1e-5 * whole.reconstructionError,
                               "\(backend.name), \(rows) rows per block")
                XCTAssertEqual(blocked.iterations, 50)
                let largest = zip(blocked.w, whole.w).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThan(largest, 1e-3, "\(backend.name), \(rows) rows per block: W differs by \(largest)")
            }
        }
    }

    func testNegativeInputIsOneClearError() {
        XCTAssertThrowsError(try NMF.fit([1, -2, 3, 4], rows: 2, dim: 2, configuration: .init(components: 1), backend: CPUBackend())) {
            XCTAssertEqual("\($0)", "features hold -2.0 at row 0, column 1; NMF needs non-negative values")
        }
    }
}
