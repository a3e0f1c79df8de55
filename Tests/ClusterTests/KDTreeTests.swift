import Backend
import Kernels
@testable import Cluster
import Dataset
import XCTest

/// The k-d tree's queries and the spanning trees built on it, against brute force in Double, on
/// data with duplicate points and exact ties (integer grids) as well as random points.
final class KDTreeTests: XCTestCase {
    /// Random points in `d` dimensions; with `grid`, small integers (many duplicates and distances tied exactly).
    func points(_ n: Int, _ d: Int, seed: UInt64, grid: Bool) -> [Float] {
        var g = SplitMix64(seed: seed)
        return (0 ..< n * d).map { _ in grid ? Float(g.next(below: 5)) : Float(g.next(below: 1_000_000)) / 100_000 - 5 }
    }

    func bruteSquared(_ x: [Float], _ d: Int, _ i: Int, _ j: Int) -> Double { exactSquaredDistance(x, i, j, dim: d) }

    func testRadiusQueriesAndKthDistanceMatchBruteForce() {
        for (trial, (n, d, grid)) in [(300, 2, false), (257, 5, true), (400, 10, false), (150, 3, true), (64, 16, false)].enumerated() {
            let x = points(n, d, seed: UInt64(trial), grid: grid)
            for leafSize in [1, 7, 32] {
                let tree = KDTree(x, rows: n, dim: d, leafSize: leafSize)
                XCTAssertEqual(tree.order.sorted(), (0 ..< n).map(Int32.init), "a permutation")
                var heap = DoubleMaxHeap()
                for i in stride(from: 0, to: n, by: 7) {
                    let all = (0 ..< n).map { bruteSquared(x, d, i, $0) }
                    let q = (0 ..< d).map { Double(x[i * d + $0]) }
                    for radius2 in [0.0, 1.0, 2.0, 4.0, 9.5] {
                        let expected = Set((0 ..< n).filter { all[$0] <= radius2 })
                        q.withUnsafeBufferPointer { q in
                            XCTAssertEqual(tree.countWithin(q.baseAddress!, radius2: radius2), expected.count,
                                           "trial \(trial) leaf \(leafSize) row \(i) r2 \(radius2)")
                            var found = Set<Int>()
                            tree.forEachWithin(q.baseAddress!, radius2: radius2) { p, distance2 in
                                let j = Int(tree.order[p])
                                found.insert(j)
                                XCTAssertEqual(distance2, all[j])
                            }
                            XCTAssertEqual(found, expected, "trial \(trial) leaf \(leafSize) row \(i) r2 \(radius2)")
                        }
                    }
                    let sorted = all.sorted()
                    for k in [1, 2, 10, n] {
                        let kth = q.withUnsafeBufferPointer { tree.kthSmallestSquaredDistance($0.baseAddress!, k: k, heap: &heap) }
                        XCTAssertEqual(kth, sorted[k - 1], "trial \(trial) leaf \(leafSize) row \(i) k \(k)")
                    }
                }
            }
        }
    }

    /// Borůvka on the tree against brute-force Prim: a spanning tree (n - 1 edges joining every
    /// point), the same merge heights in order, and the same clusters at every height (the
    /// single-linkage hierarchy does not depend on which of equally light edges is taken); without
    /// ties, the same edges.
    func testBoruvkaGivesPrimsHierarchy() throws {
        for (trial, (n, d, grid)) in [(500, 2, false), (300, 4, true), (400, 10, false), (200, 3, true)].enumerated() {
            let x = points(n, d, seed: 100 + UInt64(trial), grid: grid)
            let core = try CoreDistances.compute(x, rows: n, dim: d, k: 4, backend: CPUBackend(), index: .bruteForce)
            for withCore in [false, true] {
                let brute = MinimumSpanningTree.prim(x, rows: n, dim: d, coreDistances: withCore ? core : nil)
                let fast = KDTree(x, rows: n, dim: d, leafSize: 5).boruvkaEdges(coreDistances: withCore ? core : nil)
                XCTAssertEqual(fast.count, n - 1)
                var parent = Array(0 ..< n)
                func find(_ i: Int) -> Int { parent[i] == i ? i : find(parent[i]) }
                for e in fast { let (a, b) = (find(e.a), find(e.b)); XCTAssertNotEqual(a, b, "no cycle"); parent[a] = b }
                XCTAssertEqual(fast.map(\.height).sorted(), brute.map(\.height).sorted(), "trial \(trial) core \(withCore)")
                let (treeFast, treeBrute) = (LinkageTree(points: n, unorderedMerges: fast), LinkageTree(points: n, unorderedMerges: brute))
                for height in Set(brute.map(\.height)) {
                    XCTAssertEqual(treeFast.labels(threshold: height.nextUp), treeBrute.labels(threshold: height.nextUp),
                                   "trial \(trial) core \(withCore) clusters above \(height)")
                }
                if !grid && !withCore {
                    XCTAssertEqual(Set(fast.map { [min($0.a, $0.b), max($0.a, $0.b)] }), Set(brute.map { [min($0.a, $0.b), max($0.a, $0.b)] }))
                }
            }
        }
    }

    /// Borůvka with its searches on the backend against brute-force Prim, on every backend: a spanning
    /// tree, the same merge heights, the same clusters at every height. On OpenCL both searches run:
    /// over distance blocks of 37 rows (`rowNearestOtherComponent`, several blocks per round) and from
    /// the points (`pointsNearestOtherComponent`, exact), whose tree must be the k-d tree's edge for
    /// edge — ties included (the grids), since both keep each component's lightest edge by the same
    /// exact key. The 33-feature set is past the points' kernel, so it takes the blocks either way.
    func testBoruvkaOnTheBackendGivesPrimsHierarchy() throws {
        for backend in ClusterFixtures.backends() {
            let openCL = backend as? OpenCLBackend
            for search in openCL == nil ? [BoruvkaSearch.blocks] : BoruvkaSearch.allCases {
                openCL?.boruvkaSearch = search
                defer { openCL?.boruvkaSearch = .current }
                try checkBoruvkaOnTheBackend(backend, search: search)
            }
        }
    }

    private func checkBoruvkaOnTheBackend<B: ComputeBackend>(_ backend: B, search: BoruvkaSearch) throws {
        let shapes = [(500, 2, false), (300, 4, true), (400, 10, false), (200, 3, true), (150, 33, false), (250, 6, true)]
        for (trial, (n, d, grid)) in shapes.enumerated() {
            let x = points(n, d, seed: 100 + UInt64(trial), grid: grid)
            let core = try CoreDistances.compute(x, rows: n, dim: d, k: 4, backend: CPUBackend(), index: .bruteForce)
            for withCore in [false, true] {
                let what = "\(backend.name) \(search) trial \(trial) core \(withCore)"
                let brute = MinimumSpanningTree.prim(x, rows: n, dim: d, coreDistances: withCore ? core : nil)
                let device = try MinimumSpanningTree.boruvkaOnBackend(x, rows: n, dim: d, coreDistances: withCore ? core : nil,
                                                                      backend: backend, chunkRows: 37)
                XCTAssertEqual(device.count, n - 1, what)
                var parent = Array(0 ..< n)
                func find(_ i: Int) -> Int { parent[i] == i ? i : find(parent[i]) }
                for e in device { let (a, b) = (find(e.a), find(e.b)); XCTAssertNotEqual(a, b, "\(what): no cycle"); parent[a] = b }
                XCTAssertEqual(device.map(\.height).sorted(), brute.map(\.height).sorted(), what)
                let (treeDevice, treeBrute) = (LinkageTree(points: n, unorderedMerges: device), LinkageTree(points: n, unorderedMerges: brute))
                for height in Set(brute.map(\.height)) {
                    XCTAssertEqual(treeDevice.labels(threshold: height.nextUp), treeBrute.labels(threshold: height.nextUp),
                                   "\(what): clusters above \(height)")
                }
                if backend is OpenCLBackend && search == .automatic && d <= BoruvkaKernels.maxDimensions {
                    let tree = KDTree(x, rows: n, dim: d, leafSize: 16).boruvkaEdges(coreDistances: withCore ? core : nil)
                    let (fromDevice, fromTree) = (Set(device.map { [min($0.a, $0.b), max($0.a, $0.b)] }),
                                                  Set(tree.map { [min($0.a, $0.b), max($0.a, $0.b)] }))
                    XCTAssertEqual(fromDevice.subtracting(fromTree).count, 0, "\(what): edges the k-d tree's tree lacks")
                }
            }
        }
    }

    /// Every density method gives the same answer with the tree and by brute force.
    func testDensityMethodsAgreeWithAndWithoutTree() throws {
        let (x, n, d) = try ClusterFixtures.points()
        let (tree, brute) = (try CoreDistances.compute(x, rows: n, dim: d, k: 8, backend: CPUBackend(), index: .kdTree),
                             try CoreDistances.compute(x, rows: n, dim: d, k: 8, backend: CPUBackend(), index: .bruteForce))
        XCTAssertEqual(tree, brute)
        var h = HDBSCAN.Configuration()
        h.minClusterSize = 8
        h.index = .kdTree
        let withTree = try HDBSCAN.fit(x, rows: n, dim: d, configuration: h, backend: CPUBackend()).labels
        h.index = .bruteForce
        XCTAssertEqual(withTree, try HDBSCAN.fit(x, rows: n, dim: d, configuration: h, backend: CPUBackend()).labels)
        XCTAssertGreaterThan(Set(withTree).count, 2)
        for eps in [0.3, 0.8] {
            var c = DBSCAN.Configuration(eps: eps, minSamples: 6)
            c.index = .kdTree
            let a = try DBSCAN.fit(x, rows: n, dim: d, configuration: c, backend: CPUBackend())
            c.index = .bruteForce
            let b = try DBSCAN.fit(x, rows: n, dim: d, configuration: c, backend: CPUBackend())
            XCTAssertEqual(a.labels, b.labels, "eps \(eps)")
            XCTAssertEqual(a.isCore, b.isCore, "eps \(eps)")
        }
    }
}
