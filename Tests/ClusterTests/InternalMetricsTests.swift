import Backend
import Cluster
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

    private func silhouette<B: ComputeBackend>(_ backend: B) throws -> Double {
        try InternalMetrics.silhouette(x, rows: 12, dim: 2, labels: labels, backend: backend)
    }

    func testSilhouetteNeedsTwoClusters() {
        XCTAssertThrowsError(try InternalMetrics.silhouette(x, rows: 12, dim: 2, labels: [Int64](repeating: 0, count: 12), backend: CPUBackend()))
    }
}
