import Backend
import Cluster
import Dataset
import XCTest

/// DBSCAN against a brute-force version of scikit-learn's algorithm (all neighbourhoods, BFS in
/// index order) on small random sets: identical labels, core points and noise, on every backend,
/// with distance blocks of 7 rows to cross block boundaries.
final class DBSCANTests: XCTestCase {
    func reference(_ x: [Float], n: Int, d: Int, eps: Double, minSamples: Int) -> ([Int64], [Bool]) {
        let neighbours: [[Int]] = (0 ..< n).map { i in
            (0 ..< n).filter { j in (0 ..< d).reduce(0.0) { $0 + pow(Double(x[i * d + $1]) - Double(x[j * d + $1]), 2) } <= eps * eps }
        }
        let core = neighbours.map { $0.count >= minSamples }
        var labels = [Int64](repeating: -1, count: n)
        var next: Int64 = 0
        for i in 0 ..< n where labels[i] == -1 && core[i] {
            var queue = [i]
            labels[i] = next
            while let p = queue.popLast() {
                guard core[p] else { continue }
                for q in neighbours[p] where labels[q] == -1 { labels[q] = next; queue.append(q) }
            }
            next += 1
        }
        return (labels, core)
    }

    func testMatchesBruteForce() throws {
        let backends = ClusterFixtures.backends()
        var g = SplitMix64(seed: 5)
        for trial in 0 ..< 4 {
            let (n, d) = (60 + trial * 17, 2 + trial)
            let x = (0 ..< n * d).map { _ in Float(g.next(below: 10_000)) / 2_000 }
            for (eps, minSamples) in [(0.8, 3), (1.2, 5), (0.5, 1)] {
                let (labels, core) = reference(x, n: n, d: d, eps: eps, minSamples: minSamples)
                for backend in backends {
                    var c = DBSCAN.Configuration(eps: eps, minSamples: minSamples)
                    c.blockRows = 7
                    // Backend distance blocks, on the CPU also rows computed where they are scanned, and the k-d tree.
                    for (hostRows, index) in backend is CPUBackend ? [(false, NeighbourIndex.bruteForce), (true, .bruteForce), (false, .kdTree)]
                        : [(false, .bruteForce), (false, .auto)] {
                        (c.hostRows, c.index) = (hostRows, index)
                        let result = try fit(backend, x, n, d, c)
                        XCTAssertEqual(result.isCore, core, "\(backend.name) core points, trial \(trial) eps \(eps) host \(hostRows) \(index)")
                        XCTAssertEqual(result.labels, labels, "\(backend.name) labels, trial \(trial) eps \(eps) min \(minSamples) host \(hostRows) \(index)")
                    }
                }
            }
        }
    }

    /// Pairs at `eps` to within the Float rounding of a distance block: chains of points one unit
    /// apart (up to a few units in the last place of the positions) far from the origin, in two
    /// groups at -1,000 and +1,000, where `|x|^2 + |y|^2 - 2 x.y` in Float is off by about 0.1 at
    /// distance 1. Every route must give the exact (Double) labels and core points, `eps` 1.
    func testPairsAtTheRadiusFollowTheExactDistance() throws {
        let gaps = [1, 1, 1, 1.0001, 1, 1, 0.9999, 1, 1.0001, 1.0001, 1, 1, 2, 1, 0.99995, 1.00005]
        var x: [Float] = []
        for group in [-1000.0, 1000.0] {
            var position = 0.0
            for gap in [0] + gaps {
                position += gap
                x += [Float(group), Float(position), Float(group / 4)]
            }
        }
        let (n, d) = (x.count / 3, 3)
        for minSamples in [2, 3] {
            let labels = try assertEveryRouteMatchesTheReference(x, n: n, d: d, minSamples: minSamples, blockRows: 5)
            XCTAssertGreaterThan(Set(labels.filter { $0 >= 0 }).count, 3, "the chains break into several clusters")
        }
    }

    /// Pairs whose squared distance is within a few units in the last place of `eps^2`: a point at
    /// the origin of each of 64 planes and one at `(cos a, sin a)` in Float, the planes 10 apart, so
    /// Float sums of the squared differences round some pairs to the other side of 1 than Double.
    func testPairsOnTheUnitCircleFollowTheExactDistance() throws {
        var x: [Float] = []
        for p in 0 ..< 64 {
            let angle = 0.7 + Double(p) * 0.013
            x += [0, 0, Float(10 * p)] + [Float(cos(angle)), Float(sin(angle)), Float(10 * p)]
        }
        let labels = try assertEveryRouteMatchesTheReference(x, n: x.count / 3, d: 3, minSamples: 2, blockRows: 9)
        let linked = Set(labels.filter { $0 >= 0 }).count
        XCTAssertTrue(linked > 5 && linked < 59, "some pairs in, some out: \(linked) of 64")
    }

    /// DBSCAN with `eps` 1 on every route of every backend (device blocks of `blockRows`; on the CPU
    /// also host rows and the k-d tree) against `reference`; returns the reference labels.
    private func assertEveryRouteMatchesTheReference(_ x: [Float], n: Int, d: Int, minSamples: Int, blockRows: Int) throws -> [Int64] {
        let (labels, core) = reference(x, n: n, d: d, eps: 1, minSamples: minSamples)
        for backend in ClusterFixtures.backends() {
            var c = DBSCAN.Configuration(eps: 1, minSamples: minSamples)
            c.blockRows = blockRows
            for (hostRows, index) in backend is CPUBackend ? [(false, NeighbourIndex.bruteForce), (true, .bruteForce), (false, .kdTree)]
                : [(false, .bruteForce)] {
                (c.hostRows, c.index) = (hostRows, index)
                let result = try fit(backend, x, n, d, c)
                XCTAssertEqual(result.isCore, core, "\(backend.name) core points, min \(minSamples) host \(hostRows) \(index)")
                XCTAssertEqual(result.labels, labels, "\(backend.name) labels, min \(minSamples) host \(hostRows) \(index)")
            }
        }
        return labels
    }

    private func fit<B: ComputeBackend>(_ backend: B, _ x: [Float], _ n: Int, _ d: Int, _ c: DBSCAN.Configuration) throws -> DBSCAN.Result {
        try DBSCAN.fit(x, rows: n, dim: d, configuration: c, backend: backend)
    }

    func testBadParameters() {
        XCTAssertThrowsError(try DBSCAN.fit([0, 1], rows: 2, dim: 1, configuration: .init(eps: 0, minSamples: 2), backend: CPUBackend())) {
            XCTAssertTrue("\($0)".contains("--eps 0.0 must be positive"), "\($0)")
        }
    }
}
