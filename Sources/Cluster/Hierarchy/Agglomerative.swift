import Backend

/// Agglomerative clustering with Euclidean distances, as scikit-learn's
/// `AgglomerativeClustering` and SciPy's `linkage`: one fit gives the whole `LinkageTree`, cut at
/// any k or distance threshold afterwards.
///
/// - `ward`: nearest-neighbour chain on centroids, memory O(n d); queries from a k-d tree over the
///   centroids (`WardCentroidTree`) at up to `WardClusters.treeDimensions` features with `index`
///   `.auto` (always with `.kdTree`), else a scan of every centroid. The same merges either way.
/// - `single`: Prim's minimum spanning tree computed from the points, memory O(n d) (over a k-d
///   tree at few features: `index`).
/// - `complete`, `average`: nearest-neighbour chain in two phases. While more than `matrixClusters`
///   clusters remain, `MemberClusters` finds nearest neighbours from centroid lower bounds and the
///   member points (memory O(n d)); then the linkage matrix of the remaining clusters is built
///   from all point pairs and the chain continues over it (`MatrixClusters`, `4 m^2` bytes: 1 GiB
///   at the default 16,384). Inputs up to `matrixClusters` points use the matrix throughout.
///
/// All distances are computed in double precision from the float inputs (the matrix with
/// double-precision BLAS), so merge orders agree with SciPy's except at exact ties.
public enum Agglomerative {
    public enum Linkage: String, CaseIterable, Sendable {
        case ward, single, complete, average
    }

    /// The merge tree of `x [n, d]` (row-major); `progress` receives the number of merges so far.
    public static func tree(_ x: [Float], rows n: Int, dim d: Int, linkage: Linkage, matrixClusters: Int = 16_384,
                            index: NeighbourIndex = .auto, progress: (Int) -> Void = { _ in }) throws -> LinkageTree {
        precondition(x.count == n * d, "Agglomerative: \(x.count) values for \(n) x \(d)")
        try requireFinite(x, dim: d, method: "\(linkage.rawValue) linkage")
        guard n > 1 else { return LinkageTree(points: n, unorderedMerges: []) }
        switch linkage {
        case .ward:
            let tree = index == .kdTree || (index == .auto && d <= WardClusters.treeDimensions)
            var clusters = WardClusters(x, rows: n, dim: d, tree: tree)
            return LinkageTree(points: n, unorderedMerges: nearestNeighbourChain(&clusters, points: n, progress: progress))
        case .single:
            return LinkageTree(points: n, unorderedMerges: MinimumSpanningTree.edges(x, rows: n, dim: d, index: index, progress: progress))
        case .complete, .average:
            let update: MatrixClusters.Update = linkage == .complete ? .complete : .average
            // Phase 1 down to `matrixClusters` clusters from the points (skipped for small inputs);
            // phase 2 over their matrix.
            var early = MemberClusters(x, rows: n, dim: d, update: update)
            var merges = n <= matrixClusters ? []
                : nearestNeighbourChain(&early, points: n, stopAt: max(1, matrixClusters), progress: progress)
            var late = MatrixClusters(distances: early.matrix(), names: early.slots, sizes: early.slotSizes, update: update)
            let done = merges.count
            merges += nearestNeighbourChain(&late, points: n) { progress(done + $0) }
            return LinkageTree(points: n, unorderedMerges: merges)
        }
    }
}

/// Throws one line naming the first NaN or infinity in `x [n, dim]`.
func requireFinite(_ x: [Float], dim d: Int, method: String) throws {
    if let bad = x.firstIndex(where: { !$0.isFinite }) {
        throw BackendError.invalidArgument("features hold \(x[bad]) at row \(bad / d), column \(bad % d); \(method) needs finite values")
    }
}
