import Backend
@testable import Cluster
import Dataset
import XCTest

/// Each linkage against a brute-force O(n^3) agglomeration (every pair of clusters measured from
/// the points by the linkage's definition at every step) and against SciPy's linkage matrices.
final class AgglomerativeTests: XCTestCase {
    /// Merge heights in order, and the partition after each merge, of the textbook algorithm.
    func bruteForce(_ x: [Float], n: Int, d: Int, linkage: Agglomerative.Linkage) -> (heights: [Double], partitions: [[Int64]]) {
        func distance(_ a: Int, _ b: Int) -> Double {
            (0 ..< d).reduce(0.0) { $0 + pow(Double(x[a * d + $1]) - Double(x[b * d + $1]), 2) }.squareRoot()
        }
        func centroid(_ members: [Int]) -> [Double] {
            (0 ..< d).map { j in members.reduce(0.0) { $0 + Double(x[$1 * d + j]) } / Double(members.count) }
        }
        func linkageDistance(_ a: [Int], _ b: [Int]) -> Double {
            switch linkage {
            case .single: return a.flatMap { i in b.map { distance(i, $0) } }.min()!
            case .complete: return a.flatMap { i in b.map { distance(i, $0) } }.max()!
            case .average: return a.flatMap { i in b.map { distance(i, $0) } }.reduce(0, +) / Double(a.count * b.count)
            case .ward:
                let (ca, cb) = (centroid(a), centroid(b))
                let squared = zip(ca, cb).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                return (2 * Double(a.count * b.count) / Double(a.count + b.count) * squared).squareRoot()
            }
        }
        var clusters = (0 ..< n).map { [$0] }
        var heights: [Double] = [], partitions: [[Int64]] = []
        while clusters.count > 1 {
            var best = (Double.infinity, 0, 1)
            for a in 0 ..< clusters.count {
                for b in (a + 1) ..< clusters.count {
                    let v = linkageDistance(clusters[a], clusters[b])
                    if v < best.0 { best = (v, a, b) }
                }
            }
            clusters[best.1] += clusters[best.2]
            clusters.remove(at: best.2)
            heights.append(best.0)
            var labels = [Int64](repeating: 0, count: n)
            for (label, members) in clusters.enumerated() { for i in members { labels[i] = Int64(label) } }
            partitions.append(labels)
        }
        return (heights, partitions)
    }

    func testMatchesBruteForceAtEveryK() throws {
        var g = SplitMix64(seed: 11)
        for trial in 0 ..< 3 {
            let (n, d) = (30 + 7 * trial, 2 + trial)
            let x = (0 ..< n * d).map { _ in Float(g.next(below: 1_000_000)) / 100_000 }
            // complete/average also through the bounded-memory phase (matrix only for the last 5 clusters).
            let runs = Agglomerative.Linkage.allCases.map { ($0, 16_384) } + [(.complete, 5), (.average, 5), (.average, 1)]
            for (linkage, matrixClusters) in runs {
                let tree = try Agglomerative.tree(x, rows: n, dim: d, linkage: linkage, matrixClusters: matrixClusters)
                let reference = bruteForce(x, n: n, d: d, linkage: linkage)
                XCTAssertEqual(tree.merges.count, n - 1)
                for (i, (merge, height)) in zip(tree.merges, reference.heights).enumerated() {
                    XCTAssertEqual(merge.height, height, accuracy: 2e-6 * max(1, height), "\(linkage) trial \(trial) merge \(i)")
                }
                for k in 1 ... n {
                    let labels = tree.labels(clusters: k)
                    XCTAssertEqual(Set(labels).count, k)
                    let expected = k == n ? Array(0 ..< Int64(n)) : reference.partitions[n - k - 1]
                    XCTAssertEqual(ExternalMetrics(truth: expected, predicted: labels).ari, 1, accuracy: 1e-12, "\(linkage) trial \(trial) k \(k)")
                }
            }
        }
    }

    /// Ward's float32 pre-scan must not change a merge: points on the float32 grid at 3000 (spacing
    /// 2.4e-4), so centroids round to float by as much as the gaps between them and many distances
    /// tie; the chain with the pre-scan makes exactly the merges of the chain measuring every
    /// centroid in Double.
    func testWardFloatScanMakesTheMergesOfTheDoubleScan() throws {
        var g = SplitMix64(seed: 5)
        for (n, d) in [(300, 3), (200, 10)] {
            let x = (0 ..< n * d).map { _ in Float(3000) + Float(g.next(below: 16)) * Float(3000).ulp }
            var filtered = WardClusters(x, rows: n, dim: d), plain = WardClusters(x, rows: n, dim: d, floatScan: false)
            let a = nearestNeighbourChain(&filtered, points: n) { _ in }, b = nearestNeighbourChain(&plain, points: n) { _ in }
            XCTAssertEqual(a.count, n - 1)
            let differing = (0 ..< min(a.count, b.count)).first { (i: Int) -> Bool in
                a[i].a != b[i].a || a[i].b != b[i].b || a[i].height != b[i].height
            }
            XCTAssertNil(differing, "\(n) x \(d): merge \(differing ?? -1) differs")
        }
    }

    /// Ward's k-d tree over the centroids makes exactly the merges of the scan: clustered points,
    /// and points on a small integer grid where many costs tie (the tie rules must agree); the tree
    /// is kept down to 40 clusters so insertions, rebuilds and the switch to the scan all happen.
    func testWardTreeMakesTheMergesOfTheScan() throws {
        var g = SplitMix64(seed: 23)
        let clustered = (0 ..< 1500 * 3).map { i in Float(i % 7) * 3 + Float(g.nextGaussian()) }
        let grid = (0 ..< 1200 * 2).map { _ in Float(g.next(below: 12)) }
        for (x, n, d) in [(clustered, 1500, 3), (grid, 1200, 2)] {
            var scan = WardClusters(x, rows: n, dim: d), tree = WardClusters(x, rows: n, dim: d, tree: true, treeMinimum: 40)
            let a = nearestNeighbourChain(&scan, points: n) { _ in }, b = nearestNeighbourChain(&tree, points: n) { _ in }
            XCTAssertEqual(a.count, n - 1)
            XCTAssertEqual(b.count, n - 1)
            let differing = (0 ..< min(a.count, b.count)).first { (i: Int) -> Bool in
                a[i].a != b[i].a || a[i].b != b[i].b || a[i].height != b[i].height
            }
            XCTAssertNil(differing, "\(n) x \(d): merge \(differing ?? -1) differs")
        }
    }

    /// SciPy's `linkage(X, method)` on the fixture points: the same matrix (ids, sizes, heights).
    func testMatchesSciPyLinkageMatrices() throws {
        let (x, n, d) = try ClusterFixtures.points()
        let runs = Agglomerative.Linkage.allCases.map { ($0, 16_384) } + [(.complete, 40), (.average, 40)]
        for (linkage, matrixClusters) in runs {
            let z = try ClusterFixtures.doubles("linkage-\(linkage.rawValue).npy")
            let ours = try Agglomerative.tree(x, rows: n, dim: d, linkage: linkage, matrixClusters: matrixClusters).matrix
            XCTAssertEqual(ours.count, z.count)
            for row in 0 ..< (n - 1) {
                XCTAssertEqual(ours[row * 4], z[row * 4], "\(linkage) row \(row) left")
                XCTAssertEqual(ours[row * 4 + 1], z[row * 4 + 1], "\(linkage) row \(row) right")
                XCTAssertEqual(ours[row * 4 + 3], z[row * 4 + 3], "\(linkage) row \(row) size")
                // complete/average keep float32 distances; ward/single are computed in double.
                let tolerance = linkage == .ward || linkage == .single ? 1e-12 : 2e-6
                XCTAssertEqual(ours[row * 4 + 2], z[row * 4 + 2], accuracy: tolerance * max(1, z[row * 4 + 2]), "\(linkage) row \(row) height")
            }
        }
    }

    /// Complete and average linkage from the member points give the same merges however few
    /// nearest centroids a query keeps from its first scan (1 forces the second scan every time).
    func testMemberClustersDoNotDependOnTheCandidateList() throws {
        let (x, n, d) = try ClusterFixtures.points()
        for update in [MatrixClusters.Update.complete, .average] {
            var reference: [(a: Int, b: Int, height: Double)]?
            for listed in [32, 3, 1] {
                var clusters = MemberClusters(x, rows: n, dim: d, update: update, listed: listed)
                let merges = nearestNeighbourChain(&clusters, points: n, stopAt: 1) { _ in }
                XCTAssertEqual(merges.count, n - 1)
                if let reference {
                    XCTAssertEqual(merges.map(\.a), reference.map(\.a), "\(update) listed \(listed)")
                    XCTAssertEqual(merges.map(\.height), reference.map(\.height), "\(update) listed \(listed)")
                } else {
                    reference = merges
                }
            }
        }
    }

    func testThresholdCutAndClusterIds() throws {
        // Four points on a line: merges at 1 (0-1), 2 (2-3), then 5.
        let x: [Float] = [0, 1, 10, 12]
        let tree = try Agglomerative.tree(x, rows: 4, dim: 1, linkage: .single)
        XCTAssertEqual(tree.merges.map(\.height), [1, 2, 9])
        XCTAssertEqual(tree.merges.map { [$0.left, $0.right, $0.size] }, [[0, 1, 2], [2, 3, 2], [4, 5, 4]])
        XCTAssertEqual(tree.labels(threshold: 1), [0, 1, 2, 3], "a merge at the threshold is not applied")
        XCTAssertEqual(tree.labels(threshold: 1.5), [0, 0, 1, 2])
        XCTAssertEqual(tree.labels(threshold: 100), [0, 0, 0, 0])
        XCTAssertEqual(tree.clusterIds(applying: 2), [4, 4, 5, 5])
    }

    func testRefusals() throws {
        XCTAssertThrowsError(try Agglomerative.tree([0, .nan], rows: 2, dim: 1, linkage: .ward)) { error in
            XCTAssertTrue("\(error)".contains("nan at row 1"), "\(error)")
        }
    }
}
