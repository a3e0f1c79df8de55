import Backend

/// One partition from several partitions of the same points (a cluster ensemble), after Topchy, Jain
/// and Punch, "Clustering ensembles: models of consensus and weak partitions" (IEEE TPAMI 27(12),
/// 2005): the consensus that maximises the category utility between itself and the ensemble is
/// K-means on the points' concatenated one-hot labels.
///
/// For `R` partitions with `c_1 ... c_R` clusters, point `i` becomes the row
/// `[onehot(l_1(i), c_1), ..., onehot(l_R(i), c_R)]` of `R` ones in `sum c_r` columns, so its squared
/// distance to point `j` is twice the number of partitions that separate them (the co-association
/// of Fred and Jain 2005, counted the other way). K-means on those rows (`clusters` centres,
/// k-means++ with `restarts` starts, the lowest inertia kept, `seed`) gives the consensus.
/// Labels are any non-negative integers per partition (they are compacted first); memory
/// `O(n sum c_r)` floats.
public enum ConsensusClustering {
    /// K-means starts of a consensus unless told otherwise.
    public static let defaultRestarts = 10

    /// The consensus of `partitions` (each of the same length, labels >= 0), `clusters` groups.
    public static func fit<B: ComputeBackend>(_ partitions: [[Int32]], clusters: Int, restarts: Int = defaultRestarts, seed: UInt64,
                                              backend: B) throws -> KMeans.Result {
        var c = KMeans.Configuration()
        (c.k, c.restarts, c.seed) = (clusters, restarts, seed)
        return try fit(partitions, kMeans: c, backend: backend)
    }

    /// The consensus of `partitions` by K-means in the configuration `c` (its `k` clusters, starts,
    /// seed, iterations, tolerance); `progress(iteration, inertia)` as `KMeans.fit` reports it.
    public static func fit<B: ComputeBackend>(_ partitions: [[Int32]], kMeans c: KMeans.Configuration, backend: B,
                                              progress: (Int, Double) -> Void = { _, _ in }) throws -> KMeans.Result {
        guard let n = partitions.first?.count, n > 0 else { throw BackendError.invalidArgument("consensus: no partitions to combine") }
        guard partitions.allSatisfy({ $0.count == n }) else {
            throw BackendError.invalidArgument("consensus: partitions of \(Set(partitions.map(\.count)).sorted()) points; all must have \(n)")
        }
        let (x, width) = try oneHotRows(partitions)
        return try KMeans.fit(x, rows: n, dim: width, configuration: c, backend: backend, progress: progress)
    }

    /// The `[n, sum c_r]` rows of concatenated one-hot labels, and their width; each partition's
    /// labels are numbered by their order of value (so `[5, 2, 5]` is `[1, 0, 1]`).
    public static func oneHotRows(_ partitions: [[Int32]]) throws -> (rows: [Float], width: Int) {
        let n = partitions.first?.count ?? 0
        var codes: [[Int]] = [], width = 0
        for (r, labels) in partitions.enumerated() {
            if let bad = labels.first(where: { $0 < 0 }) {
                throw BackendError.invalidArgument("consensus: partition \(r) holds label \(bad); labels must be >= 0")
            }
            let values = Set(labels).sorted()
            let index = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($1, $0) })
            codes.append(labels.map { width + index[$0]! })
            width += values.count
        }
        var x = [Float](repeating: 0, count: n * width)
        for columns in codes { for (i, column) in columns.enumerated() { x[i * width + column] = 1 } }
        return (x, width)
    }
}
