import Backend
@testable import Cluster
import Dataset
import XCTest

/// HDBSCAN, OPTICS and the core distances they share, against brute force and scikit-learn.
final class DensityTests: XCTestCase {
    func testCoreDistancesMatchBruteForce() throws {
        var g = SplitMix64(seed: 21)
        let (n, d) = (97, 6)
        // Large offsets make float32 GEMM distances inexact; the double refinement must undo that.
        let x = (0 ..< n * d).map { _ in 300 + Float(g.next(below: 100_000)) / 10_000 }
        for k in [1, 2, 5, 17] {
            let expected = (0 ..< n).map { i -> Double in
                let all = (0 ..< n).map { j in (0 ..< d).reduce(0.0) { $0 + pow(Double(x[i * d + $1]) - Double(x[j * d + $1]), 2) }.squareRoot() }
                return all.sorted()[k - 1]
            }
            for backend in ClusterFixtures.backends() {
                for index in [NeighbourIndex.bruteForce, .kdTree] {
                    let core = try CoreDistances.compute(x, rows: n, dim: d, k: k, backend: backend, blockRows: 13, index: index)
                    for i in 0 ..< n { XCTAssertEqual(core[i], expected[i], accuracy: 1e-12, "\(backend.name) \(index) k \(k) point \(i)") }
                }
            }
        }
    }

    /// scikit-learn's `HDBSCAN(min_cluster_size=8)`: same clusters and noise (mutual reachability
    /// has exact ties, so a point may legitimately change side; at most one is allowed), on every
    /// backend and route (`brute`: Prim on the CPU, Borůvka's searches on an OpenCL device).
    func testHDBSCANMatchesScikitLearn() throws {
        let (x, n, d) = try ClusterFixtures.points()
        let expected = try ClusterFixtures.integers("hdbscan-labels.npy")
        var previous: [Int64]?
        for backend in ClusterFixtures.backends() {
            for index in [NeighbourIndex.auto, .bruteForce] {
                var c = HDBSCAN.Configuration()
                (c.minClusterSize, c.index) = (8, index)
                let labels = try HDBSCAN.fit(x, rows: n, dim: d, configuration: c, backend: backend).labels
                XCTAssertEqual(Set(labels).count, Set(expected).count)
                let disagreements = zip(labels, expected).filter { ($0 < 0) != ($1 < 0) }.count
                XCTAssertLessThanOrEqual(disagreements, 1, "\(backend.name) \(index): noise points differ")
                XCTAssertGreaterThan(ExternalMetrics(truth: expected, predicted: labels).ari, 0.99)
                if let previous { XCTAssertEqual(labels, previous, "\(backend.name) \(index): backends and routes agree") }
                previous = labels
            }
        }
    }

    /// HDBSCAN's `auto` search on a GPU: the host's k-d tree at up to 16 features with at least 8 host
    /// threads (where it measured faster than the device route), the device otherwise; an asked-for
    /// search and the CPU backend's choice are left alone.
    func testHDBSCANSearchOnAGPU() throws {
        let gpu = ClusterFixtures.backends().first { $0.runsOnGPU }
        func search(_ backend: some ComputeBackend, _ index: NeighbourIndex, dim: Int, threads: Int) -> NeighbourIndex {
            HDBSCAN.neighbourSearch(index, dim: dim, backend: backend, threads: threads)
        }
        XCTAssertEqual(search(CPUBackend(), .auto, dim: 10, threads: 16), .auto)
        guard let gpu else { throw XCTSkip("no backend with GPU kernels (needs OpenCL)") }
        XCTAssertEqual(search(gpu, .auto, dim: 10, threads: 16), .kdTree)
        XCTAssertEqual(search(gpu, .auto, dim: 16, threads: 8), .kdTree)
        XCTAssertEqual(search(gpu, .auto, dim: 17, threads: 16), .auto)
        XCTAssertEqual(search(gpu, .auto, dim: 10, threads: 7), .auto)
        XCTAssertEqual(search(gpu, .bruteForce, dim: 10, threads: 16), .bruteForce)
        XCTAssertEqual(search(gpu, .kdTree, dim: 40, threads: 2), .kdTree)
    }

    /// scikit-learn's `OPTICS(min_samples=8)`: the same ordering, reachability and labels, on every
    /// backend and route.
    func testOPTICSMatchesScikitLearn() throws {
        let (x, n, d) = try ClusterFixtures.points()
        let labels = try ClusterFixtures.integers("optics-labels.npy")
        let ordering = try ClusterFixtures.integers("optics-ordering.npy").map(Int.init)
        let reachability = try ClusterFixtures.doubles("optics-reachability.npy")
        for backend in ClusterFixtures.backends() {
            for index in [NeighbourIndex.auto, .bruteForce] { // brute: the device's steps on OpenCL
                var c = OPTICS.Configuration()
                (c.minSamples, c.index) = (8, index)
                let result = try OPTICS.fit(x, rows: n, dim: d, configuration: c, backend: backend)
                XCTAssertEqual(result.ordering, ordering, "\(backend.name) \(index)")
                XCTAssertEqual(result.labels, labels, "\(backend.name) \(index)")
                for i in 0 ..< n where reachability[i].isFinite {
                    XCTAssertEqual(result.reachability[i], reachability[i], accuracy: 1e-12)
                }
                XCTAssertEqual(result.reachability.filter(\.isInfinite).count, reachability.filter(\.isInfinite).count)
            }
        }
    }

    /// OPTICS's ordering on an OpenCL device with double precision is the host's, value for value:
    /// the visiting order, every reachability bit and every predecessor, on the fixture and on an
    /// integer grid where reachabilities tie everywhere (so the lowest-index rule decides).
    func testOPTICSOrderingOnTheDeviceIsTheHosts() throws {
        func device<B: ComputeBackend>(_ backend: B, _ x: [Float], _ n: Int, _ d: Int, _ core: [Double]) throws
            -> (ordering: [Int], reachability: [Double], predecessor: [Int])? {
            try backend.opticsOrdering(try backend.makeBuffer(x), rows: n, dim: d, coreDistances: core) { _ in }
        }
        let (fixture, n, d) = try ClusterFixtures.points()
        let grid = (0 ..< 150).flatMap { i in [Float(i % 15), Float(i / 15)] }
        var devices = 0
        for backend in ClusterFixtures.backends() {
            for (x, rows, dim) in [(fixture, n, d), (grid, 150, 2)] {
                let core = try CoreDistances.compute(x, rows: rows, dim: dim, k: 5, backend: CPUBackend(), index: .bruteForce)
                    .map(OPTICS.roundedLikeNumPy)
                guard let onDevice = try device(backend, x, rows, dim, core) else { continue }
                devices += 1
                let host = OPTICS.order(x, rows: rows, dim: dim, core: core) { _ in }
                XCTAssertEqual(onDevice.ordering, host.ordering, "\(backend.name) \(rows) points")
                XCTAssertEqual(onDevice.reachability.map(\.bitPattern), host.reachability.map(\.bitPattern), "\(backend.name) \(rows) points")
                XCTAssertEqual(onDevice.predecessor, host.predecessor, "\(backend.name) \(rows) points")
            }
        }
        if ProcessInfo.processInfo.environment["FMNIST_REQUIRE_OPENCL"] == "1" {
            XCTAssertGreaterThan(devices, 0, "no OpenCL device with double precision ran OPTICS's ordering")
        }
    }

    /// Separated blobs in uniform noise: both density methods recover the blobs.
    func testDensityMethodsFindBlobs() throws {
        let (x, n, d) = try ClusterFixtures.points()
        let truth = try ClusterFixtures.integers("truth.npy")
        var h = HDBSCAN.Configuration()
        h.minClusterSize = 8
        let hdbscan = try HDBSCAN.fit(x, rows: n, dim: d, configuration: h, backend: CPUBackend()).labels
        let blobs = Array(0 ..< 220)
        XCTAssertGreaterThan(ExternalMetrics(truth: blobs.map { truth[$0] }, predicted: blobs.map { hdbscan[$0] }).ari, 0.9)
        let expected = try ClusterFixtures.integers("hdbscan-labels.npy")
        XCTAssertEqual(hdbscan[220...].filter { $0 < 0 }.count, expected[220...].filter { $0 < 0 }.count, "uniform points left as noise, as scikit-learn")
        XCTAssertGreaterThanOrEqual(hdbscan[220...].filter { $0 < 0 }.count, 10, "most uniform points are noise")
    }

    func testRefusals() throws {
        let x: [Float] = [0, 1, 2, 3]
        var h = HDBSCAN.Configuration()
        h.minClusterSize = 1
        XCTAssertThrowsError(try HDBSCAN.fit(x, rows: 4, dim: 1, configuration: h, backend: CPUBackend()))
        h.minClusterSize = 2
        h.minSamples = 5
        XCTAssertThrowsError(try HDBSCAN.fit(x, rows: 4, dim: 1, configuration: h, backend: CPUBackend())) { error in
            XCTAssertTrue("\(error)".contains("--min-samples 5 is larger than the number of points (4)"), "\(error)")
        }
        var o = OPTICS.Configuration()
        o.minSamples = 2
        XCTAssertThrowsError(try OPTICS.fit([0, .infinity, 2, 3], rows: 4, dim: 1, configuration: o, backend: CPUBackend())) { error in
            XCTAssertTrue("\(error)".contains("inf at row 1"), "\(error)")
        }
    }
}
