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
    /// Most features at which `NeighbourIndex.auto` builds a tree. Measured on 70,000 points
    /// (PCA of the pixels, 2 cores; `benchmarks/results/2026-11-29-density-2core`), tree vs brute
    /// force, same labels: DBSCAN (eps the median 10-NN distance) 1.6 / 5.1 s at 10 features, 10.0 /
    /// 19.2 s at 32, 18.7 / 34.1 s at 48, 37.6 / 29.9 s at 80; HDBSCAN 2.3 / 23.5, 17.0 / 47.7,
    /// 22.0 / 65.8 and 42.3 / 98.5 s.
    public static let autoDimensions = 64
}
