import Backend
import CIntrinsics
import Dataset
import Reduce
import XCTest

final class NMFTests: XCTestCase {
    /// From the same nndsvd / nndsvda start, both solvers (and cd with accelerated HALS's repeated
    /// sweeps) end with a reconstruction error at most scikit-learn's (400 iterations, tol 1e-6;
    /// relative slack 1e-6 for float32 products), on every backend; W and H are non-negative and
    /// W H reproduces the reported error.
    func testObjectiveAtMostScikitLearns() throws {
        let (points, n, d) = try ReduceFixtures.points()
        let x = points.map(abs)
        let reference = try ReduceFixtures.doubles("nmf-errors.npy")
        for backend in ReduceFixtures.backends() {
            var index = 0
            for initialisation in [NMF.Initialisation.nndsvd, .nndsvda] {
                for (solver, sweeps) in [(NMF.Solver.cd, NMF.InnerSweeps.fixed(1)), (.cd, .accelerated), (.mu, .fixed(1))] {
                    var c = NMF.Configuration(components: 5)
                    (c.initialisation, c.solver, c.maxIterations, c.tolerance) = (initialisation, solver, 400, 1e-6)
                    (c.innerSweepsW, c.innerSweepsH) = sweeps.counts(rows: n, dim: d, components: 5)
                    let r = try NMF.fit(x, rows: n, dim: d, configuration: c, backend: backend)
                    let what = "\(backend.name) \(initialisation.rawValue) \(solver.rawValue) \(sweeps)"
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
                    if sweeps == .fixed(1) { index += 1 }
                }
            }
        }
    }

    /// Coordinate descent over blocks of rows (X read once per iteration) reaches the objective of
    /// one block: only the summation order of `W^T X` differs; with repeated sweeps too (each row
    /// stops on its own, so how rows are grouped does not matter).
    func testBlocksOfRowsGiveTheSameFactorisation() throws {
        let (points, n, d) = try ReduceFixtures.points()
        let x = points.map(abs)
        for backend in ReduceFixtures.backends() {
            for sweeps in [1, 4] {
                var c = NMF.Configuration(components: 5)
                (c.maxIterations, c.tolerance, c.innerSweepsW, c.innerSweepsH) = (50, 0, sweeps, sweeps)
                let whole = try NMF.fit(x, rows: n, dim: d, configuration: c, backend: backend)
                for rows in [1, 7, n - 1] {
                    c.rowsPerBlock = rows
                    let blocked = try NMF.fit(x, rows: n, dim: d, configuration: c, backend: backend)
                    XCTAssertEqual(blocked.reconstructionError, whole.reconstructionError, accuracy: 1e-5 * whole.reconstructionError,
                                   "\(backend.name), \(rows) rows per block")
                    XCTAssertEqual(blocked.iterations, 50)
                    let largest = zip(blocked.w, whole.w).map { abs($0 - $1) }.max() ?? 0
                    XCTAssertLessThan(largest, 1e-3, "\(backend.name), \(rows) rows per block, \(sweeps) sweeps: W differs by \(largest)")
                }
            }
        }
    }

    /// On the CPU backend the skinny-product kernels and the BLAS route (taken where the CPU has
    /// neither AVX2 nor AVX-512) reach the same factorisation: only float32 rounding differs.
    func testSkinnyKernelsAndBLASGiveTheSameFactorisation() throws {
        defer { _ = fmnist_skinny_products_use_level(-1) }
        let (points, n, d) = try ReduceFixtures.points()
        let x = points.map(abs)
        var c = NMF.Configuration(components: 5)
        (c.maxIterations, c.tolerance, c.innerSweepsW) = (50, 0, 3)
        _ = fmnist_skinny_products_use_level(-1)
        let kernels = try NMF.fit(x, rows: n, dim: d, configuration: c, backend: CPUBackend())
        _ = fmnist_skinny_products_use_level(0)
        let blas = try NMF.fit(x, rows: n, dim: d, configuration: c, backend: CPUBackend())
        XCTAssertEqual(kernels.reconstructionError, blas.reconstructionError, accuracy: 1e-5 * blas.reconstructionError)
        let largest = zip(kernels.w, blas.w).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(largest, 1e-3, "W differs by \(largest)")
    }

    /// The CPU's skinny-product kernels (`X H^T`, `acc += W^T X`) against a Double reference on shapes
    /// that leave every remainder: rows not a multiple of the 4- and 8-row tiles, features not a
    /// multiple of the vector width, parts not a multiple of 4; each variant this CPU can run
    /// (AVX-512, AVX2 + FMA, plain C). Float32 sums: relative 1e-5 of the sum of absolute terms.
    func testSkinnyProductsMatchADoubleReference() {
        defer { _ = fmnist_skinny_products_use_level(-1) }
        var rng = SplitMix64(seed: 3)
        for level in Int32(0) ... 2 where fmnist_skinny_products_use_level(level) == level {
            for (rows, d, k) in [(1, 1, 1), (3, 15, 3), (9, 16, 4), (13, 17, 5), (37, 33, 20), (21, 784, 7)] {
                let x = (0 ..< rows * d).map { _ in Float(Double.random(in: 0 ..< 1, using: &rng) * 2 - 1) }
                let h = (0 ..< k * d).map { _ in Float(Double.random(in: 0 ..< 1, using: &rng) * 2 - 1) }
                let w = (0 ..< rows * k).map { _ in Float(Double.random(in: 0 ..< 1, using: &rng)) }
                let start = (0 ..< k * d).map { _ in Float(Double.random(in: 0 ..< 1, using: &rng)) }
                var out = [Float](repeating: .nan, count: rows * k), acc = start
                fmnist_rows_times_transposed(x, rows, d, h, k, &out)
                fmnist_add_transposed_times_rows(x, rows, d, w, k, &acc)
                for r in 0 ..< rows {
                    for t in 0 ..< k {
                        let terms = (0 ..< d).map { Double(x[r * d + $0]) * Double(h[t * d + $0]) }
                        let scale = terms.reduce(0) { $0 + abs($1) }
                        XCTAssertEqual(Double(out[r * k + t]), terms.reduce(0, +), accuracy: 1e-5 * scale + 1e-30, "level \(level): X H^T [\(r), \(t)] of \(rows)x\(d), k \(k)")
                    }
                }
                for t in 0 ..< k {
                    for j in 0 ..< d {
                        let terms = (0 ..< rows).map { Double(w[$0 * k + t]) * Double(x[$0 * d + j]) }
                        let scale = terms.reduce(Double(abs(start[t * d + j]))) { $0 + abs($1) }
                        XCTAssertEqual(Double(acc[t * d + j]), Double(start[t * d + j]) + terms.reduce(0, +), accuracy: 1e-5 * scale,
                                   "level \(level): W^T X [\(t), \(j)] of \(rows)x\(d), k \(k)")
                }
            }
        }
        }
    }

    func testNegativeInputIsOneClearError() {
        XCTAssertThrowsError(try NMF.fit([1, -2, 3, 4], rows: 2, dim: 2, configuration: .init(components: 1), backend: CPUBackend())) {
            XCTAssertEqual("\($0)", "features hold -2.0 at row 0, column 1; NMF needs non-negative values")
        }
    }
}
