import Backend

/// HDBSCAN (Campello, Moulavi and Sander 2013) as scikit-learn's `HDBSCAN` with its defaults
/// (Euclidean, alpha 1, excess-of-mass selection, no single cluster, epsilon 0):
///
/// 1. core distance of each point: distance to its `minSamples`-th nearest point, itself counted
///    (`CoreDistances`: a k-d tree at few features on the CPU, and on a GPU with enough host threads
///    (`neighbourSearch`), backend distance blocks otherwise);
/// 2. minimum spanning tree of the mutual reachability `max(d(a, b), core_a, core_b)` (Prim from
///    the coordinates, O(n) memory; over a k-d tree at few features, same edges; on a device,
///    Borůvka with each round's search there), sorted into a single-linkage tree;
/// 3. condensed tree: walking down from the root at `lambda = 1 / distance`, a split where both
///    sides hold at least `minClusterSize` points makes two new clusters, otherwise the smaller side's
///    points fall out of the parent cluster;
/// 4. stability of a cluster: the sum over its points of `lambda_leave - lambda_birth`; excess of
///    mass keeps a cluster unless its descendants' stabilities sum to more;
/// 5. points take their nearest selected ancestor's label (selected clusters numbered by id); the
///    rest are noise (-1).
public enum HDBSCAN {
    public struct Configuration: Sendable {
        public var minClusterSize = 5
        /// Default: `minClusterSize`.
        public var minSamples: Int?
        /// Neighbour search for the core distances and the spanning tree (default: a k-d tree at few features).
        public var index: NeighbourIndex = .auto
        public init() {}
    }

    public struct Result: Sendable {
        public var labels: [Int64]
        public var coreDistances: [Double]
        /// The single-linkage tree of mutual reachability.
        public var tree: LinkageTree
        public var condensed: CondensedTree
        /// Wall-clock seconds of each step, in order: "core distances", "spanning tree" and
        /// "condensed tree" (the linkage tree, its condensation, excess of mass and the labels).
        public var phaseSeconds: [(phase: String, seconds: Double)] = []
    }

    public static func fit<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, configuration c: Configuration, backend: B,
                                              progress: (Int) -> Void = { _ in }) throws -> Result {
        precondition(x.count == n * d, "HDBSCAN: \(x.count) values for \(n) x \(d)")
        let minSamples = c.minSamples ?? c.minClusterSize
        guard c.minClusterSize >= 2 else { throw BackendError.invalidArgument("--min-cluster-size \(c.minClusterSize) must be at least 2") }
        guard minSamples >= 1 else { throw BackendError.invalidArgument("--min-samples \(minSamples) must be at least 1") }
        guard n >= 2 else { throw BackendError.invalidArgument("HDBSCAN needs at least 2 points, got \(n)") }
        guard minSamples <= n else { throw BackendError.invalidArgument("--min-samples \(minSamples) is larger than the number of points (\(n))") }
        try requireFinite(x, dim: d, method: "HDBSCAN")
        var phases: [(phase: String, seconds: Double)] = []
        func timed<T>(_ phase: String, _ body: () throws -> T) rethrows -> T {
            let start = ContinuousClock.now
            defer {
                let elapsed = (ContinuousClock.now - start).components
                phases.append((phase, Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18))
            }
            return try body()
        }
        let index = neighbourSearch(c.index, dim: d, backend: backend)
        let core = try timed("core distances") {
            try CoreDistances.compute(x, rows: n, dim: d, k: minSamples, backend: backend, index: index)
        }
        let edges = try timed("spanning tree") {
            try MinimumSpanningTree.edges(x, rows: n, dim: d, coreDistances: core, index: index, backend: backend, progress: progress)
        }
        let (tree, condensed, labels) = timed("condensed tree") {
            let tree = LinkageTree(points: n, unorderedMerges: edges, sourceLeft: true)
            let condensed = CondensedTree(tree, minClusterSize: c.minClusterSize)
            return (tree, condensed, condensed.labels(selected: condensed.excessOfMass()))
        }
        return Result(labels: labels, coreDistances: core, tree: tree, condensed: condensed, phaseSeconds: phases)
    }
}

extension HDBSCAN {
    /// Most features at which `auto` runs HDBSCAN's neighbour work on the host's k-d tree even on a GPU.
    public static let hostTreeMaxDimensionsOnGPU = 16
    /// Fewest host threads (`CPUThreads.count`) for that.
    public static let hostTreeMinThreadsOnGPU = 8

    /// The neighbour search HDBSCAN runs for `index`: as asked, except that `auto` on a GPU takes the
    /// host's k-d tree (core distances and Borůvka's spanning tree, as on the CPU backend) at up to
    /// `hostTreeMaxDimensionsOnGPU` features when the host has at least `hostTreeMinThreadsOnGPU`
    /// threads. Measured on an H200 machine with 16 cores (`benchmarks/results/2026-11-30-h200`),
    /// 70,000 points, min-cluster-size 200: the device route (top-k core distances and Borůvka rounds
    /// over distance blocks) took 2.96 s on PCA-10 and 2.85 s on 10-D codes, the k-d tree on the CPU
    /// backend 1.39 s and 2.03 s. The tree's time grows with the features (2 cores: 3.9, 6.2 and 9.2 s
    /// at 10, 16 and 24) and falls with the threads (2.8x from 2 to 16 cores at 10), so at 16 features
    /// and 8 threads it is about even with the device; `--neighbour-search brute` keeps the device route.
    static func neighbourSearch<B: ComputeBackend>(_ index: NeighbourIndex, dim d: Int, backend: B,
                                                   threads: Int = CPUThreads.count) -> NeighbourIndex {
        let hostTreeWins = d <= hostTreeMaxDimensionsOnGPU && threads >= hostTreeMinThreadsOnGPU
        return index == .auto && backend.runsOnGPU && hostTreeWins ? .kdTree : index
    }
}

/// HDBSCAN's condensed cluster tree: rows `(parent, child, lambda, childSize)`; cluster ids start
/// at `points` (the root), points keep their indices. Rows are in creation order, so a cluster's
/// own row comes before the rows of its children.
public struct CondensedTree: Sendable {
    public let points: Int
    public private(set) var parent: [Int] = [], child: [Int] = [], lambda: [Double] = [], childSize: [Int] = []

    public init(_ tree: LinkageTree, minClusterSize: Int) {
        let n = tree.points
        points = n
        guard n >= 2 else { return }
        let merges = tree.merges
        let root = 2 * n - 2
        func size(_ node: Int) -> Int { node >= n ? merges[node - n].size : 1 }
        /// Level order from `start`, left before right (scikit-learn's `bfs_from_hierarchy`).
        func breadthFirst(_ start: Int) -> [Int] {
            var result = [start], head = 0
            while head < result.count {
                let node = result[head]
                head += 1
                if node >= n { result.append(merges[node - n].left); result.append(merges[node - n].right) }
            }
            return result
        }
        var relabel = [Int](repeating: 0, count: root + 1)
        relabel[root] = n
        var nextLabel = n + 1
        var ignore = [Bool](repeating: false, count: root + 1)
        func append(_ p: Int, _ c: Int, _ l: Double, _ s: Int) { parent.append(p); child.append(c); lambda.append(l); childSize.append(s) }
        func dropPoints(below node: Int, from cluster: Int, at l: Double) {
            for sub in breadthFirst(node) {
                if sub < n { append(cluster, sub, l, 1) }
                ignore[sub] = true
            }
        }
        for node in breadthFirst(root) where node >= n && !ignore[node] {
            let m = merges[node - n]
            let l = m.height > 0 ? 1 / m.height : .infinity
            let (leftCount, rightCount) = (size(m.left), size(m.right))
            let cluster = relabel[node]
            if leftCount >= minClusterSize && rightCount >= minClusterSize {
                relabel[m.left] = nextLabel; nextLabel += 1
                append(cluster, relabel[m.left], l, leftCount)
                relabel[m.right] = nextLabel; nextLabel += 1
                append(cluster, relabel[m.right], l, rightCount)
            } else if leftCount < minClusterSize && rightCount < minClusterSize {
                dropPoints(below: m.left, from: cluster, at: l)
                dropPoints(below: m.right, from: cluster, at: l)
            } else if leftCount < minClusterSize {
                relabel[m.right] = cluster
                dropPoints(below: m.left, from: cluster, at: l)
            } else {
                relabel[m.left] = cluster
                dropPoints(below: m.right, from: cluster, at: l)
            }
        }
    }

    /// Cluster ids `points ..< points + count`.
    public var clusterCount: Int { (parent.max() ?? points) - points + 1 }

    /// Stability of every cluster (index `id - points`): `sum (lambda - lambda_birth(parent)) * size`.
    public func stabilities() -> [Double] {
        var birth = [Double](repeating: 0, count: clusterCount)
        for r in parent.indices where childSize[r] > 1 { birth[child[r] - points] = lambda[r] }
        var stability = [Double](repeating: 0, count: clusterCount)
        for r in parent.indices { stability[parent[r] - points] += (lambda[r] - birth[parent[r] - points]) * Double(childSize[r]) }
        return stability
    }

    /// Excess-of-mass selection, root excluded: children before parents, a cluster is kept when its
    /// stability is at least the sum of its child clusters' (which it then replaces).
    public func excessOfMass() -> Set<Int> {
        var stability = stabilities()
        let count = clusterCount
        var children = [[Int]](repeating: [], count: count)
        for r in parent.indices where childSize[r] > 1 { children[parent[r] - points].append(child[r] - points) }
        var selected = [Bool](repeating: true, count: count)
        selected[0] = false
        for node in stride(from: count - 1, through: 1, by: -1) {
            let subtree = children[node].reduce(0.0) { $0 + stability[$1] }
            if subtree > stability[node] {
                selected[node] = false
                stability[node] = subtree
            } else {
                var stack = children[node]
                while let c = stack.popLast() { selected[c] = false; stack += children[c] }
            }
        }
        return Set((1 ..< max(1, count)).filter { selected[$0] }.map { $0 + points })
    }

    /// Each point's nearest selected ancestor, numbered in id order; -1 when there is none.
    public func labels(selected: Set<Int>) -> [Int64] {
        let labelOf = Dictionary(uniqueKeysWithValues: selected.sorted().enumerated().map { ($0.element, Int64($0.offset)) })
        var clusterLabel = [Int64](repeating: -1, count: clusterCount) // label inherited by each cluster id
        var labels = [Int64](repeating: -1, count: points)
        for r in parent.indices {
            let inherited = clusterLabel[parent[r] - points]
            if childSize[r] > 1 || child[r] >= points {
                clusterLabel[child[r] - points] = labelOf[child[r]] ?? inherited
            } else {
                labels[child[r]] = inherited
            }
        }
        return labels
    }
}
