import Backend
import Dataset
import Foundation
import Reduce
import XCTest

final class PCATests: XCTestCase {
    /// Components (scikit-learn's signs), explained variance and its ratio, and the projection equal
    /// scikit-learn's `PCA(svd_solver="full")` on every backend, with both solvers.
    func testMatchesScikitLearn() throws {
        let (x, n, d) = try ReduceFixtures.points()
        let components = try ReduceFixtures.doubles("pca-components.npy"), variance = try ReduceFixtures.doubles("pca-explained-variance.npy")
        let ratio = try ReduceFixtures.doubles("pca-explained-variance-ratio.npy"), projection = try ReduceFixtures.doubles("pca-transform.npy")
        for backend in ReduceFixtures.backends() {
            for solver in PCA.Solver.allCases {
                try check(backend, solver: solver, x: x, n: n, d: d, components, variance, ratio, projection)
            }
        }
    }

    private func check<B: ComputeBackend>(_ backend: B, solver: PCA.Solver, x: [Float], n: Int, d: Int, _ components: [Double],
                                          _ variance: [Double], _ ratio: [Double], _ projection: [Double]) throws {
        var c = PCA.Configuration(components: 5)
        c.solver = solver
        let (model, y) = try PCA.fit(x, rows: n, dim: d, configuration: c, backend: backend)
        let what = "\(backend.name) \(solver.rawValue)"
        XCTAssertLessThan(nmse(model.components.map(Double.init), components), 1e-8, "\(what) components")
        XCTAssertLessThan(nmse(model.explainedVariance, variance), 1e-10, "\(what) explained variance")
        XCTAssertLessThan(nmse(model.explainedVarianceRatio, ratio), 1e-10, "\(what) ratio")
        XCTAssertLessThan(nmse(y.map(Double.init), projection), 1e-8, "\(what) projection")
        c.whiten = true
        let (_, white) = try PCA.fit(x, rows: n, dim: d, configuration: c, backend: backend)
        for j in 0 ..< 5 {
            let column = (0 ..< n).map { Double(white[$0 * 5 + j]) }
            let mean = column.reduce(0, +) / Double(n), v = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
            XCTAssertEqual(v, 1, accuracy: 1e-4, "\(what) whitened variance of component \(j)")
        }
    }

    /// Whitening rank-deficient data: two of five features constant, so the last two components have
    /// no variance. The whitened file held NaN there (1 / sqrt(0)); scikit-learn clips the standard
    /// deviation at epsilon, which keeps those coordinates near 0 and the others at variance 1.
    func testWhiteningRankDeficientDataStaysFinite() throws {
        var g = SplitMix64(seed: 7)
        let (n, d) = (300, 5)
        let x = (0 ..< n * d).map { $0 % d < 3 ? Float(g.nextGaussian()) : 2 }
        var c = PCA.Configuration(components: 5)
        c.whiten = true
        for backend in ReduceFixtures.backends() {
            let (model, y) = try PCA.fit(x, rows: n, dim: d, configuration: c, backend: backend)
            XCTAssertTrue(y.allSatisfy(\.isFinite), backend.name)
            XCTAssertEqual(model.explainedVariance[4], 0, accuracy: 1e-12, backend.name)
            for j in 0 ..< 5 {
                let v = (0 ..< n).map { Double(y[$0 * 5 + j]) }.reduce(0) { $0 + $1 * $1 } / Double(n - 1)
                XCTAssertEqual(v, j < 3 ? 1 : 0, accuracy: 1e-3, "\(backend.name) component \(j)")
            }
        }
    }

    /// A saved model reads back equal and projects new data as the fitted one does; a file that
    /// is not a PCA model is one clear error.
    func testModelFileRoundTrip() throws {
        let (x, n, d) = try ReduceFixtures.points()
        let backend = CPUBackend()
        var c = PCA.Configuration(components: 4)
        c.whiten = true
        let (model, y) = try PCA.fit(x, rows: n, dim: d, configuration: c, backend: backend)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pca-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.write(to: path)
        let back = try PCA.Model(contentsOf: path)
        XCTAssertEqual(back.mean, model.mean)
        XCTAssertEqual(back.components, model.components)
        XCTAssertTrue(back.whiten)
        // The variances are stored as float32, so whitened coordinates agree to float32 rounding.
        XCTAssertLessThan(nmse(try back.transform(x, rows: n, backend: backend).map(Double.init), y.map(Double.init)), 1e-12)
        try Safetensors(tensors: [("mean", .init(shape: [2], values: [0, 0]))], metadata: ["fmnist.model": "pca"]).write(to: path)
        XCTAssertThrowsError(try PCA.Model(contentsOf: path)) { XCTAssertTrue("\($0)".contains("a PCA model needs mean [d], components [k, d]"), "\($0)") }
    }

    func testBadInputIsOneClearError() throws {
        let backend = CPUBackend()
        let x: [Float] = [1, 2, 3, 4, 5, 6]
        XCTAssertThrowsError(try PCA.fit(x, rows: 3, dim: 2, configuration: .init(components: 3), backend: backend)) {
            XCTAssertEqual("\($0)", "--dims 3 must be between 1 and 2 for PCA of 3 x 2 features")
        }
        XCTAssertThrowsError(try PCA.fit(x, rows: 3, dim: 2, configuration: .init(components: 0), backend: backend))
        XCTAssertThrowsError(try PCA.fit([1, .nan, 3, 4], rows: 2, dim: 2, configuration: .init(components: 1), backend: backend)) {
            XCTAssertEqual("\($0)", "features hold nan at row 0, column 1; PCA needs finite values")
        }
    }
}

/// `sum((a - b)^2) / sum(b^2)`.
func nmse(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "nmse: \(a.count) vs \(b.count)")
    let num = zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }, den = b.reduce(0) { $0 + $1 * $1 }
    return den == 0 ? num : num / den
}
