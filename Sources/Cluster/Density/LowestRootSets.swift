/// Disjoint sets over `0 ..< n` whose root is always the lowest member (union links the higher
/// root under the lower), with path compression: components come out named by their lowest index,
/// which is how DBSCAN numbers its clusters and how Borůvka names its components.
struct LowestRootSets {
    private var parent: [Int]
    init(_ n: Int) { parent = Array(0 ..< n) }

    /// The lowest member of `i`'s set.
    mutating func find(_ i: Int) -> Int {
        var root = i
        while parent[root] != root { root = parent[root] }
        var node = i
        while parent[node] != root { (parent[node], node) = (root, parent[node]) }
        return root
    }

    /// Joins the sets of `a` and `b`; false when they were already one.
    @discardableResult
    mutating func union(_ a: Int, _ b: Int) -> Bool {
        let (ra, rb) = (find(a), find(b))
        guard ra != rb else { return false }
        parent[max(ra, rb)] = min(ra, rb)
        return true
    }
}
