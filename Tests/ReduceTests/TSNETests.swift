import Backend
import Dataset
@testable import Reduce
import XCTest

final class TSNETests: XCTestCase {
    /// The joint probabilities equal scikit-learn's `_joint_probabilities_nn` (perplexity 10, 31
    /// exact neighbours) entry for entry, from every backend's k-NN graph.
    func testJointProbabilitiesMatchScikitLearn() throws {
        let (x, n, d) = try ReduceFixtures.points()
        let coo = try ReduceFixtures.doubles("tsne-p-coo.npy")
        let nnz = coo.count / 3
        for backend in ReduceFixtures.backends() {
            let graph = try backend.kNearestNeighbours(x, rows: n, dim: d, k: 31, excludeSelf: true)
            let p = TSNEAffinities(graph: graph, perplexity: 10)
            XCTAssertEqual(p.values.count, nnz, "\(backend.name): entries")
            XCTAssertEqual(p.values.reduce(0, +), 1, accuracy: 1e-12)
            var worst = 0.0
            for e in 0 ..< nnz {
                let reference = coo[2 * nnz + e]
                worst = max(worst, abs(p.value(Int(coo[e]), Int(coo[nnz + e])) - reference) / reference)
            }
            // scikit-learn's binary search runs in float32 (its tolerance 1e-5 on the entropy).
            XCTAssertLessThan(worst, 1e-3, "\(backend.name): largest relative difference")
        }
    }

    /// The FFT-interpolated repulsion and Z agree with the exact sums: to 1e-6 (NMSE) and 1e-4 on
    /// compact layouts; on clustered layouts tens of units wide, to FIt-SNE's default accuracy with
    /// 3 nodes per box of at most one unit (Z within 1 %, NMSE 3e-3; measured 3e-3 and 1e-3 on a
    /// real 10,000-point layout) and far better with 5 (1e-4, 1e-5).
    func testInterpolatedRepulsionMatchesExact() {
        for (n, scale, clusters) in [(800, 1e-3, 1), (800, 3.0, 1), (1500, 40.0, 10)] {
            var rng = SplitMix64(seed: UInt64(n))
            let centres = (0 ..< 2 * clusters).map { _ in clusters == 1 ? 0 : scale * rng.nextGaussian() }
            let spread = clusters == 1 ? scale : 3
            let y = (0 ..< 2 * n).map { t in centres[(t / 2 % clusters) * 2 + t % 2] + spread * rng.nextGaussian() }
            var exact = [Double](repeating: 0, count: 2 * n), fast = exact
            let z = TSNEGradient.exactRepulsion(y, count: n, into: &exact)
            let zf = TSNEGradient.interpolatedRepulsion(y, count: n, into: &fast)
            let (zTolerance, tolerance) = clusters == 1 ? (1e-4, 1e-6) : (1e-2, 3e-3)
            XCTAssertEqual(zf, z, accuracy: zTolerance * z, "Z at scale \(scale)")
            XCTAssertLessThan(nmse(fast, exact), tolerance, "repulsion at scale \(scale)")
            if clusters > 1 {
                let z5 = TSNEGradient.interpolatedRepulsion(y, count: n, into: &fast, nodesPerBox: 5)
                XCTAssertEqual(z5, z, accuracy: 1e-4 * z, "Z at scale \(scale), 5 nodes")
                XCTAssertLessThan(nmse(fast, exact), 1e-5, "repulsion at scale \(scale), 5 nodes")
            }
        }
    }

    /// The whole run: same seed, same layout; exact and FFT runs reach KL divergences within 2 %
    /// (5 interpolation nodes: 300 points spread thinly over tens of units are where the default 3
    /// are least accurate); neighbourhoods survive (trustworthiness).
    func testRunsAreDeterministicAndAccurate() throws {
        let (x, n, d) = try ReduceFixtures.points()
        var c = TSNE.Configuration()
        (c.perplexity, c.iterations, c.earlyIterations, c.gradient) = (10, 300, 100, .exact)
        let exact = try TSNE.fit(x, rows: n, dim: d, configuration: c, backend: CPUBackend())
        XCTAssertEqual(try TSNE.fit(x, rows: n, dim: d, configuration: c, backend: CPUBackend()).embedding, exact.embedding)
        (c.gradient, c.interpolationNodes) = (.fft, 5)
        let fast = try TSNE.fit(x, rows: n, dim: d, configuration: c, backend: CPUBackend())
        XCTAssertEqual(fast.klDivergence, exact.klDivergence, accuracy: 0.02 * exact.klDivergence)
        XCTAssertGreaterThan(exact.klDivergence, 0)
        let t = try Trustworthiness.measure(input: x, dim: d, embedding: fast.embedding, dims: 2, rows: n, k: 10, backend: CPUBackend())
        XCTAssertGreaterThan(t.trustworthiness, 0.9)
    }

    func testBadInputIsOneClearError() throws {
        let (x, n, d) = try ReduceFixtures.points()
        var c = TSNE.Configuration()
        c.perplexity = 100
        XCTAssertThrowsError(try TSNE.fit(x, rows: n, dim: d, configuration: c, backend: CPUBackend())) {
            XCTAssertEqual("\($0)", "--perplexity 100.0 must be positive and below a third of the points (300)")
        }
    }
}
