import Backend
import CBLAS
import Foundation

/// Agglomerative clustering with Euclidean distances, as scikit-learn's
/// `AgglomerativeClustering` and SciPy's `linkage`: one fit gives the whole `LinkageTree`, cut at
/// any k or distance threshold afterwards.
///
/// - `ward`: nearest-neighbour chain on centroids, memory O(n d).
/// - `single`: Prim's minimum spanning tree computed from the points, memory O(n d).
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
                            progress: (Int) -> Void = { _ in }) throws -> LinkageTree {
        precondition(x.count == n * d, "Agglomerative: \(x.count) values for \(n) x \(d)")
        try requireFinite(x, dim: d, method: "\(linkage.rawValue) linkage")
        guard n > 1 else { return LinkageTree(points: n, unorderedMerges: []) }
        switch linkage {
        case .ward:
            var clusters = WardClusters(x, rows: n, dim: d)
            return LinkageTree(points: n, unorderedMerges: nearestNeighbourChain(&clusters, points: n, progress: progress))
        case .single:
            return LinkageTree(points: n, unorderedMerges: MinimumSpanningTree.prim(x, rows: n, dim: d, progress: progress))
        case .complete, .average:
            let update: MatrixClusters.Update = linkage == .complete ? .complete : .average
            if n <= matrixClusters {
                var clusters = MatrixClusters(distances: euclideanDistanceMatrix(x, rows: n, dim: d), names: Array(0 ..< n),
                                              sizes: [Int](repeating: 1, count: n), update: update)
                return LinkageTree(points: n, unorderedMerges: nearestNeighbourChain(&clusters, points: n, progress: progress))
            }
            // Phase 1 down to `matrixClusters` clusters from the points; phase 2 over their matrix.
            var early = MemberClusters(x, rows: n, dim: d, update: update)
            var merges = nearestNeighbourChain(&early, points: n, stopAt: max(1, matrixClusters), progress: progress)
            var late = MatrixClusters(distances: early.matrix(), names: early.slots, sizes: early.slotSizes, update: update)
            let done = merges.count
            merges += nearestNeighbourChain(&late, points: n) { progress(done + $0) }
            return LinkageTree(points: n, unorderedMerges: merges)
        }
    }

    /// `[n, n]` Euclidean distances, `sqrt(|x|^2 + |y|^2 - 2 x.y)` with the products from `dgemm` in
    /// row blocks (double precision, so the cancellation error is ~1e-16 of the norms).
    static func euclideanDistanceMatrix(_ x: [Float], rows n: Int, dim d: Int) -> [Float] {
        let xd = x.map(Double.init)
        var norms = [Double](repeating: 0, count: n)
        for i in 0 ..< n { var s = 0.0; for j in 0 ..< d { s += xd[i * d + j] * xd[i * d + j] }; norms[i] = s }
        var result = [Float](repeating: 0, count: n * n)
        let block = max(1, min(n, (16 << 20) / (8 * n)))
        var products = [Double](repeating: 0, count: block * n)
        for start in stride(from: 0, to: n, by: block) {
            let rows = min(block, n - start)
            xd.withUnsafeBufferPointer { p in
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(d), 1,
                            p.baseAddress! + start * d, Int32(d), p.baseAddress!, Int32(d), 0, &products, Int32(n))
            }
            for r in 0 ..< rows {
                let i = start + r
                for j in 0 ..< n {
                    result[i * n + j] = i == j ? 0 : Float(max(0, norms[i] + norms[j] - 2 * products[r * n + j]).squareRoot())
                }
            }
        }
        // Exact symmetry, so both triangles order ties the same way.
        for i in 0 ..< n { for j in (i + 1) ..< n { result[j * n + i] = result[i * n + j] } }
        return result
    }

}

/// Throws one line naming the first NaN or infinity in `x [n, dim]`.
func requireFinite(_ x: [Float], dim d: Int, method: String) throws {
    if let bad = x.firstIndex(where: { !$0.isFinite }) {
        throw BackendError.invalidArgument("features hold \(x[bad]) at row \(bad / d), column \(bad % d); \(method) needs finite values")
    }
}
