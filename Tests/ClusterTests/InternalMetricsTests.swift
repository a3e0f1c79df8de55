import Backend
import Cluster
import Dataset
import XCTest

/// Internal metrics against scikit-learn 1.9.1 (benchmarks/.venv) on a small hand-made set.
final class InternalMetricsTests: XCTestCase {
    let x: [Float] = [0, 0, 0, 1, 1, 0, 5, 5, 5, 6, 6, 5, 6, 6, 10, 0, 10, 1, 11, 0, 0.5, 0.5, 9, 9]
    let labels: [Int64] = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 0, 1]

    func testAgainstScikitLearn() throws {
        XCTAssertEqual(InternalMetrics.calinskiHarabasz(x, rows: 12, dim: 2, labels: labels), 51.213918409324656, accuracy: 1e-9)
        XCTAssertEqual(InternalMetrics.daviesBouldin(x, rows: 12, dim: 2, labels: labels), 0.30597570386827916, accuracy: 1e-9)
        var backends: [any ComputeBackend] = [CPUBackend()]
        if let openCL = try? OpenCLBackend() { backends.append(openCL) }
        for backend in backends {
            XCTAssertEqual(try silhouette(backend), 0.7743639492072695, accuracy: 1e-5, "\(backend.name)")
        }
    }

    /// Two clusters with the same centroid (points on the axes around the origin) and a third far
    /// away: scikit-learn counts the coincident pair's distance as infinite (it contributes 0); this
    /// returned infinity. Then scikit-learn's two zero cases: every centroid at one place, and every
    /// cluster a single repeated point. Values from scikit-learn 1.9.1.
    func testDaviesBouldinEdgeCasesAsScikitLearn() {
        let axes: [Float] = [1, 0, -1, 0, 0, 1, 0, -1, 10, 10, 11, 10, 10, 11]
        XCTAssertEqual(InternalMetrics.daviesBouldin(axes, rows: 7, dim: 2, labels: [0, 0, 1, 1, 2, 2, 2]), 0.1131853622671744, accuracy: 1e-12)
        XCTAssertEqual(InternalMetrics.calinskiHarabasz(axes, rows: 7, dim: 2, labels: [0, 0, 1, 1, 2, 2, 2]), 137.2857142857143, accuracy: 1e-9)
        XCTAssertEqual(InternalMetrics.daviesBouldin(Array(axes.prefix(8)), rows: 4, dim: 2, labels: [0, 0, 1, 1]), 0)
        let repeated: [Float] = [1, 0, 1, 0, 3, 0, 3, 0]
        XCTAssertEqual(InternalMetrics.daviesBouldin(repeated, rows: 4, dim: 2, labels: [0, 0, 1, 1]), 0)
        XCTAssertEqual(InternalMetrics.calinskiHarabasz(repeated, rows: 4, dim: 2, labels: [0, 0, 1, 1]), 1)
    }

    private func silhouette<B: ComputeBackend>(_ backend: B) throws -> Double {
        try InternalMetrics.silhouette(x, rows: 12, dim: 2, labels: labels, backend: backend)
    }

    /// Silhouette of 2,500 points in 7 clusters of very different sizes (one a singleton, labels
    /// not contiguous, -1 among them) against a Double brute force over all pairs: of every point,
    /// and of a seeded sample of 300 scored among themselves (scikit-learn's `sample_size`). Both
    /// backends.
    func testSilhouetteMatchesBruteForce() throws {
        var g = SplitMix64(seed: 31)
        let (n, d) = (2_500, 4)
        let ids: [Int64] = [-1, 3, 7, 8, 12, 40]
        var labels = (0 ..< n).map { _ -> Int64 in
            let pool = g.next(below: 2) == 0 ? 2 : ids.count // two clusters much larger than the others
            return ids[Int(g.next(below: pool))]
        }
        labels[1234] = 99 // a singleton
        let x = (0 ..< n * d).map { i in Float(labels[i / d] % 5) + Float(g.nextGaussian()) }
        func reference(_ chosen: [Int]) -> Double {
            var total = 0.0
            for i in chosen {
                var sums: [Int64: Double] = [:], counts: [Int64: Int] = [:]
                for j in chosen where j != i {
                    var squared = 0.0
                    for t in 0 ..< d { let v = Double(x[i * d + t]) - Double(x[j * d + t]); squared += v * v }
                    let dist = squared.squareRoot()
                    sums[labels[j], default: 0] += dist
                    counts[labels[j], default: 0] += 1
                }
                guard let ownCount = counts[labels[i]] else { continue } // singleton: 0
                let a = sums[labels[i]]! / Double(ownCount)
                let b = sums.keys.filter { $0 != labels[i] }.map { sums[$0]! / Double(counts[$0]!) }.min()!
                total += (b - a) / max(a, b)
            }
            return total / Double(chosen.count)
        }
        var sampled = Array(0 ..< n)
        var rng = SplitMix64(seed: 5)
        rng.shuffle(&sampled)
        let expectedAll = reference(Array(0 ..< n)), expectedSample = reference(Array(sampled.prefix(300)))
        XCTAssertNotEqual(expectedAll, expectedSample, accuracy: 1e-6) // the sample is a different set
        var backends: [any ComputeBackend] = [CPUBackend()]
        if let openCL = try? OpenCLBackend() { backends.append(openCL) }
        for backend in backends {
            func score<B: ComputeBackend>(_ b: B, _ sample: Int?) throws -> Double {
                try InternalMetrics.silhouette(x, rows: n, dim: d, labels: labels, backend: b, sample: sample, seed: 5)
            }
            XCTAssertEqual(try score(backend, nil), expectedAll, accuracy: 2e-6, backend.name)
            XCTAssertEqual(try score(backend, 300), expectedSample, accuracy: 2e-6, backend.name)
        }
    }

    func testSilhouetteNeedsTwoClusters() {
        XCTAssertThrowsError(try InternalMetrics.silhouette(x, rows: 12, dim: 2, labels: [Int64](repeating: 0, count: 12), backend: CPUBackend()))
    }
}
