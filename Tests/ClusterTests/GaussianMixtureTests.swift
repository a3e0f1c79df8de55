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

    /// The diagonal and spherical E and M steps work as GEMMs over blocks of rows (scikit-learn's
    /// expansion); over several blocks (3,000 x 1,000) they equal the definitions summed point by point.
    func testDiagonalStepsOverBlocksMatchTheDefinitions() throws {
        let (n, d, k) = (3_000, 1_000, 3)
        var g = SplitMix64(seed: 3)
        let x = (0 ..< n * d).map { _ in Float(g.next(below: 1000)) / 250 }
        let xd = x.map(Double.init)
        var r = (0 ..< n * k).map { _ in Double(g.next(below: 1000) + 1) }
        for i in 0 ..< n { let s = r[(i * k) ..< ((i + 1) * k)].reduce(0, +); for c in 0 ..< k { r[i * k + c] /= s } }
        for type in [GaussianMixture.CovarianceType.diag, .spherical] {
            var model = GaussianMixture.Model(components: k, dim: d, covariance: type, weights: [], means: [], covariances: [])
            try GaussianMixture.maximise(&model, xd, rows: n, responsibilities: r, regularisation: 1e-6)
            // M step: the variances from their definition, sum_i r_ic (x_ij - mu_cj)^2 / N_c.
            for c in 0 ..< k {
                let count = (0 ..< n).reduce(10 * Double.ulpOfOne) { $0 + r[$1 * k + c] }
                var variances = [Double](repeating: 0, count: d)
                for i in 0 ..< n { for j in 0 ..< d { let t = xd[i * d + j] - model.means[c * d + j]; variances[j] += r[i * k + c] * t * t / count } }
                if type == .diag {
                    for j in 0 ..< d { XCTAssertEqual(model.covariances[c * d + j], variances[j] + 1e-6, accuracy: 1e-9, "\(type) c \(c) j \(j)") }
                } else {
                    XCTAssertEqual(model.covariances[c], variances.reduce(0, +) / Double(d) + 1e-6, accuracy: 1e-9, "\(type) c \(c)")
                }
            }
            // E step: log w_c + log N(x_i | mu_c, diag(s_c^2)) term by term.
            let logp = model.weightedLogProbabilities(x, rows: n)
            for i in stride(from: 0, to: n, by: 97) {
                for c in 0 ..< k {
                    var expected = log(model.weights[c]) - 0.5 * Double(d) * log(2 * Double.pi)
                    for j in 0 ..< d {
                        let s = model.factors[type == .diag ? c * d + j : c], t = xd[i * d + j] - model.means[c * d + j]
                        expected -= log(s) + 0.5 * t * t / (s * s)
                    }
                    XCTAssertEqual(logp[i * k + c], expected, accuracy: 1e-9 * abs(expected), "\(type) point \(i) component \(c)")
                }
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
