/// A full agglomerative merge tree in SciPy's linkage-matrix form: merge `i` (0-based) joins
/// clusters `left < right` at `height` into cluster `n + i`, which holds `size` points; ids below
/// `n` are the points themselves. Heights are non-decreasing, so cutting after the first `n - k`
/// merges gives `k` clusters, and one fit serves every k and every distance threshold.
public struct LinkageTree: Sendable, Equatable {
    public struct Merge: Sendable, Equatable {
        public var left: Int, right: Int
        public var height: Double
        public var size: Int
    }

    public let points: Int
    public private(set) var merges: [Merge]

    /// Builds the tree from merges named by *any member point* of each of the two clusters, in the
    /// order they were found: they are sorted by height (stable, as SciPy's `mergesort`) and the
    /// clusters renumbered SciPy's way. Valid for reducible linkages (ward, single, complete,
    /// average), whose merge heights along the tree never decrease. With `sourceLeft`, a merge's
    /// left cluster is the one holding `a` instead of the lower id (scikit-learn's HDBSCAN, whose
    /// spanning-tree edges run from the tree to the point joining it).
    public init(points n: Int, unorderedMerges: [(a: Int, b: Int, height: Double)], sourceLeft: Bool = false) {
        precondition(unorderedMerges.count == max(0, n - 1), "LinkageTree: \(unorderedMerges.count) merges for \(n) points")
        points = n
        let order = unorderedMerges.indices.sorted { (unorderedMerges[$0].height, $0) < (unorderedMerges[$1].height, $1) }
        var sets = DisjointSets(n)
        var clusterOfRoot = Array(0 ..< n), sizeOfRoot = [Int](repeating: 1, count: n)
        merges = []
        merges.reserveCapacity(order.count)
        for (i, m) in order.map({ unorderedMerges[$0] }).enumerated() {
            let (ra, rb) = (sets.find(m.a), sets.find(m.b))
            precondition(ra != rb, "LinkageTree: merge \(i) joins a cluster with itself")
            let (ca, cb) = (clusterOfRoot[ra], clusterOfRoot[rb])
            let size = sizeOfRoot[ra] + sizeOfRoot[rb]
            merges.append(Merge(left: sourceLeft ? ca : min(ca, cb), right: sourceLeft ? cb : max(ca, cb), height: m.height, size: size))
            let root = sets.union(ra, rb)
            (clusterOfRoot[root], sizeOfRoot[root]) = (n + i, size)
        }
    }

    /// `[n - 1, 4]` row-major doubles: left, right, height, size (SciPy's `Z`).
    public var matrix: [Double] {
        merges.flatMap { [Double($0.left), Double($0.right), $0.height, Double($0.size)] }
    }

    /// Labels `0 ..< k` after the first `n - k` merges, numbered by each cluster's lowest point.
    public func labels(clusters k: Int) -> [Int64] {
        precondition(k >= 1 && k <= max(1, points), "LinkageTree: \(k) clusters from \(points) points")
        return labels(applying: points - k)
    }

    /// Labels when every merge below `threshold` is applied (scikit-learn's `distance_threshold`:
    /// clusters at or above it are not merged).
    public func labels(threshold: Double) -> [Int64] {
        labels(applying: merges.prefix { $0.height < threshold }.count)
    }

    /// Labels after the first `count` merges.
    public func labels(applying count: Int) -> [Int64] {
        var labelOfCluster: [Int: Int64] = [:]
        return clusterIds(applying: count).map { id in
            if let l = labelOfCluster[id] { return l }
            let l = Int64(labelOfCluster.count)
            labelOfCluster[id] = l
            return l
        }
    }

    /// For every point, the id (SciPy numbering) of its cluster after the first `count` merges.
    public func clusterIds(applying count: Int) -> [Int] {
        var parent = [Int](repeating: -1, count: points + count)
        for (i, m) in merges.prefix(count).enumerated() { (parent[m.left], parent[m.right]) = (points + i, points + i) }
        // Each node's topmost ancestor among the applied merges, resolved from the last merge down
        // (a parent's id is always larger than its children's).
        var top = Array(0 ..< (points + count))
        for node in stride(from: points + count - 1, through: 0, by: -1) where parent[node] >= 0 { top[node] = top[parent[node]] }
        return Array(top.prefix(points))
    }
}

/// Union-find with path halving and union by size.
struct DisjointSets {
    private var parent: [Int], size: [Int]
    init(_ n: Int) { (parent, size) = (Array(0 ..< n), [Int](repeating: 1, count: n)) }

    mutating func find(_ i: Int) -> Int {
        var i = i
        while parent[i] != i { parent[i] = parent[parent[i]]; i = parent[i] }
        return i
    }

    /// Joins two roots; returns the new root.
    @discardableResult
    mutating func union(_ a: Int, _ b: Int) -> Int {
        guard a != b else { return a }
        let (big, small) = size[a] >= size[b] ? (a, b) : (b, a)
        parent[small] = big
        size[big] += size[small]
        return big
    }
}
