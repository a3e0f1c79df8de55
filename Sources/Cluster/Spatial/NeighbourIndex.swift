/// How the density methods (DBSCAN, HDBSCAN, OPTICS) and single linkage find neighbours on the
/// host.
///
/// - `kdTree`: a `KDTree` over the points; radius counts, k-th neighbour distances and Prim's
///   updates visit only the nodes that can hold an answer.
/// - `bruteForce`: every pair, from backend distance blocks or host rows (O(n^2 d)).
/// - `auto` (default): the tree on the host at up to `KDTree.autoDimensions` features, brute force
///   above, where boxes stop pruning. Both give the same answers; only the time differs.
public enum NeighbourIndex: String, Sendable, CaseIterable {
    case auto
    case kdTree = "kd-tree"
    case bruteForce = "brute"

    /// Whether `dim` features are searched with the tree.
    public func usesTree(dim: Int) -> Bool {
        switch self {
        case .kdTree: true
        case .bruteForce: false
        case .auto: dim <= KDTree.autoDimensions
        }
    }
}

extension KDTree {
    /// Most features at which `NeighbourIndex.auto` builds a tree (measured: see the README's
    /// clustering benchmarks).
    public static let autoDimensions = 16
}
