import Backend
import Cluster
import Dataset
import XCTest

/// The cluster-ensemble consensus (K-means on concatenated one-hot labels).
final class ConsensusClusteringTests: XCTestCase {
    /// Rows are the partitions' one-hot labels side by side, each partition's labels numbered by value.
    func testOneHotRows() throws {
        let (x, width) = try ConsensusClustering.oneHotRows([[5, 2, 5], [0, 1, 2]])
        XCTAssertEqual(width, 5)
        XCTAssertEqual(x, [0, 1, 1, 0, 0,
                           1, 0, 0, 1, 0,
                           0, 1, 0, 0, 1])
    }

    /// Seven relabelled copies of a 6-cluster partition of 600 points, each with a different 15 % of
    /// the points moved to a random cluster: every point is misplaced in at most a few copies, so the
    /// consensus is the true partition exactly (up to names), on every backend, while no copy is.
    func testConsensusRecoversAPartitionFromNoisyCopies() throws {
        let n = 600, k = 6
        let truth = (0 ..< n).map { Int32($0 % k) }
        var g = SplitMix64(seed: 11)
        var copies: [[Int32]] = []
        for _ in 0 ..< 7 {
            let names = (0 ..< Int32(k)).shuffled(using: &g)
            copies.append(truth.map { g.next(below: 100) < 15 ? Int32(g.next(below: k)) : names[Int($0)] })
        }
        for copy in copies { XCTAssertLessThan(ExternalMetrics(truth: truth.map(Int64.init), predicted: copy.map(Int64.init)).ari, 0.9) }
        for backend in ClusterFixtures.backends() {
            let consensus = try ConsensusClustering.fit(copies, clusters: k, seed: 3, backend: backend)
            let ari = ExternalMetrics(truth: truth.map(Int64.init), predicted: consensus.labels.map(Int64.init)).ari
            XCTAssertEqual(ari, 1, accuracy: 1e-12, "\(backend.name)")
        }
    }

    /// The consensus is K-means (10 starts, the seed given) on the one-hot rows, nothing more.
    func testConsensusIsKMeansOnTheOneHotRows() throws {
        var g = SplitMix64(seed: 5)
        let partitions = (0 ..< 4).map { _ in (0 ..< 300).map { _ in Int32(g.next(below: 5)) } }
        let backend = CPUBackend()
        let (x, width) = try ConsensusClustering.oneHotRows(partitions)
        var c = KMeans.Configuration()
        (c.k, c.restarts, c.seed) = (4, 10, 9)
        let direct = try KMeans.fit(x, rows: 300, dim: width, configuration: c, backend: backend)
        XCTAssertEqual(try ConsensusClustering.fit(partitions, clusters: 4, seed: 9, backend: backend).labels, direct.labels)
    }

    func testBadEnsemblesAreErrors() {
        let backend = CPUBackend()
        XCTAssertThrowsError(try ConsensusClustering.fit([], clusters: 2, seed: 0, backend: backend)) {
            XCTAssertTrue("\($0)".contains("no partitions"), "\($0)")
        }
        XCTAssertThrowsError(try ConsensusClustering.fit([[0, 1, 0], [1, 0]], clusters: 2, seed: 0, backend: backend)) {
            XCTAssertTrue("\($0)".contains("partitions of [2, 3] points"), "\($0)")
        }
        XCTAssertThrowsError(try ConsensusClustering.fit([[0, -1, 0]], clusters: 2, seed: 0, backend: backend)) {
            XCTAssertTrue("\($0)".contains("partition 0 holds label -1"), "\($0)")
        }
    }
}
