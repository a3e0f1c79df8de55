import Backend
@testable import Cluster
import Dataset
import XCTest

final class GaussianMixtureTests: XCTestCase {
    /// EM never lowers the likelihood; on the fixture blobs every covariance type reaches
    /// scikit-learn's optimum (same mean log-likelihood) and recovers the blobs.
    func testMatchesScikitLearnOnBlobs() throws {
        let (all, _, d) = try ClusterFixtures.points()
        let n = 220
        let x = Array(all.prefix(n * d))
        let truth = Array(try ClusterFixtures.integers("truth.npy").prefix(n))
        let scores = try ClusterFixtures.doubles("gmm-scores.npy")
        for (type, expected) in zip(GaussianMixture.CovarianceType.allCases, scores) {
            for backend in ClusterFixtures.backends() {
                var c = GaussianMixture.Configuration()
                (c.components, c.covariance, c.tolerance) = (5, type, 1e-10)
                var bounds: [Double] = []
                let model = try GaussianMixture.fit(x, rows: n, dim: d, configuration: c, backend: backend) { _, b in bounds.append(b) }
                for (a, b) in zip(bounds, bounds.dropFirst()) { XCTAssertGreaterThanOrEqual(b, a - 1e-9, "\(type): EM lowered the likelihood") }
                XCTAssertEqual(model.score(x, rows: n), expected, accuracy: 1e-6, "\(type)")
                let labels = model.predict(x, rows: n).map(Int64.init)
                XCTAssertGreaterThan(ExternalMetrics(truth: truth, predicted: labels).ari, 0.95, "\(type)")
                let p = model.predictProbabilities(x, rows: n)
                for i in 0 ..< n { XCTAssertEqual(p[(i * 5) ..< ((i + 1) * 5)].reduce(0, +), 1, accuracy: 1e-12) }
                XCTAssertLessThan(model.bic(x, rows: n), model.aic(x, rows: n) + Double(model.parameterCount) * (log(Double(n)) - 2) + 1e-6)
            }
        }
    }

    /// BIC prefers the true number of components to one.
    func testBICPrefersTheTrueK() throws {
        let (all, _, d) = try ClusterFixtures.points()
        let x = Array(all.prefix(220 * d))
        var c = GaussianMixture.Configuration()
        c.covariance = .diag
        let one = try GaussianMixture.fit(x, rows: 220, dim: d, configuration: c, backend: CPUBackend())
        c.components = 5
        let five = try GaussianMixture.fit(x, rows: 220, dim: d, configuration: c, backend: CPUBackend())
        XCTAssertLessThan(five.bic(x, rows: 220), one.bic(x, rows: 220))
        XCTAssertEqual(one.parameterCount, 8)
        XCTAssertEqual(five.parameterCount, 5 * 4 + 5 * 4 + 4)
    }

    func testRefusals() throws {
        var c = GaussianMixture.Configuration()
        c.components = 3
        XCTAssertThrowsError(try GaussianMixture.fit([0, 1], rows: 2, dim: 1, configuration: c, backend: CPUBackend())) { error in
            XCTAssertTrue("\(error)".contains("larger than the number of points"), "\(error)")
        }
        c.components = 1
        XCTAssertThrowsError(try GaussianMixture.fit([0, .nan], rows: 2, dim: 1, configuration: c, backend: CPUBackend()))
        // No spread along the second axis and no regularisation: the singular covariance is refused in one line.
        c.regularisation = 0
        XCTAssertThrowsError(try GaussianMixture.fit([0, 0, 1, 0], rows: 2, dim: 2, configuration: c, backend: CPUBackend())) { error in
            XCTAssertTrue("\(error)".contains("not positive definite"), "\(error)")
        }
    }
}
