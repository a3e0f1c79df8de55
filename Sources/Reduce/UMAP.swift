import Backend
import Dataset
import Foundation

/// UMAP (McInnes, Healy and Melville 2018), following umap-learn's `UMAP.fit`:
/// exact k-NN on the backend (`kNearestNeighbours`, the point itself first), optionally reduced to
/// mutual neighbours (`MutualNeighbours`), the fuzzy simplicial set (`FuzzySimplicialSet`), `a`/`b` from `minDist` and `spread` (`UMAPCurve`), edges with
/// weight below `max / epochs` dropped, spectral initialisation scaled to `[0, 10]` per axis (random
/// uniform in `[-10, 10]` when the graph is not connected, reported in `Result.notes`), then SGD
/// with negative sampling (`UMAPOptimizer`).
///
/// Defaults are umap-learn's: 15 neighbours, `minDist` 0.1, `spread` 1, 200 epochs above 10,000
/// points and 500 below, 5 negative samples per edge, learning rate 1 decaying linearly, repulsion 1.
public enum UMAP {
    public enum Metric: String, CaseIterable, Sendable { case euclidean, cosine }
    /// Which neighbour graph the fuzzy set is built on.
    public enum Graph: String, CaseIterable, Sendable {
        /// The k-NN graph (umap-learn).
        case knn
        /// Mutual neighbours only, isolated points reconnected (`MutualNeighbours`).
        case mutual
    }

    public struct Configuration: Sendable {
        public var dims = 2
        public var neighbours = 15
        public var minDist = 0.1
        public var spread = 1.0
        public var metric = Metric.euclidean
        public var graph = Graph.knn
        /// Default: 200 for more than 10,000 points, else 500.
        public var epochs: Int?
        public var negativeSampleRate = 5
        public var learningRate = 1.0
        public var repulsionStrength = 1.0
        public var setOpMixRatio = 1.0
        public var localConnectivity = 1.0
        public var seed: UInt64 = 0
        public init() {}
    }

    public struct Result: Sendable {
        /// `[n, dims]` row-major.
        public var embedding: [Float]
        public var curve: UMAPCurve
        public var epochs: Int
        public var edges: Int
        /// Seconds per phase: "k-NN", "graph", "initialisation", "optimisation".
        public var seconds: [String: Double]
        /// What the user should know (e.g. the random fallback).
        public var notes: [String]
    }

    /// What `fit` reports while it runs: phase name, units done, units in the phase.
    public typealias Progress = (String, Int, Int) -> Void

    public static func fit<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, configuration c: Configuration, backend: B,
                                              progress: Progress = { _, _, _ in }) throws -> Result {
        try ReduceInput.validate(x, rows: n, dim: d, dims: c.dims, maxDims: max(1, n - 2), method: "UMAP")
        guard c.neighbours >= 2, c.neighbours < n else {
            throw ReduceError("--n-neighbors \(c.neighbours) must be at least 2 and below the number of points (\(n))")
        }
        guard c.minDist >= 0, c.spread > 0, c.minDist <= c.spread else {
            throw ReduceError("--min-dist \(c.minDist) must be in [0, --spread \(c.spread)]")
        }
        if let e = c.epochs, e < 1 { throw ReduceError("--epochs \(e) must be at least 1") }
        var seconds: [String: Double] = [:]
        var clock = Date()
        func lap(_ phase: String) { seconds[phase] = Date().timeIntervalSince(clock); clock = Date() }

        let points = c.metric == .cosine ? normalisedRows(x, rows: n, dim: d) : x
        var graph = try backend.kNearestNeighbours(points, rows: n, dim: d, k: c.neighbours) { progress("k-NN", $0, $1) }
        if c.metric == .cosine {
            // Unit rows: |u - v|^2 = 2 (1 - cos), so the cosine distance is |u - v|^2 / 2.
            graph.distances = graph.distances.map { $0 * $0 / 2 }
        }
        lap("k-NN")
        var notes: [String] = []
        if c.graph == .mutual {
            let (mutual, kept, reconnected) = MutualNeighbours.graph(from: graph)
            graph = mutual
            notes.append("note: mutual k-NN graph: \(kept) of \(n * (c.neighbours - 1)) directed edges kept, \(reconnected) isolated points reconnected")
        }
        var set = FuzzySimplicialSet(graph: graph, setOpMixRatio: c.setOpMixRatio, localConnectivity: c.localConnectivity)
        let epochs = c.epochs ?? (n > 10_000 ? 200 : 500)
        prune(&set, below: (set.weights.max() ?? 0) / Float(epochs))
        let curve = UMAPCurve(minDist: c.minDist, spread: c.spread)
        lap("graph")
        var start: [Float]
        if let spectral = try SpectralLayout.compute(set, dims: c.dims, seed: c.seed) {
            start = spectral
            // umap-learn: scale to a maximum magnitude of 10, add N(0, 1e-4) noise.
            let largest = start.map(abs).max() ?? 1
            var rng = SplitMix64(seed: c.seed ^ 0x9015E)
            start = start.map { $0 * Float(10 / Double(max(largest, 1e-30))) + Float(1e-4 * PCA.gaussian(&rng)) }
        } else {
            notes.append("note: the k-NN graph is not connected; UMAP starts from a random layout instead of the spectral one")
            var rng = SplitMix64(seed: c.seed ^ 0x4A4D)
            start = (0 ..< n * c.dims).map { _ in Float(Double(rng.next() >> 11) / Double(1 << 53) * 20 - 10) }
        }
        // Each axis to [0, 10], as umap-learn before optimising.
        for axis in 0 ..< c.dims {
            var lo = Float.infinity, hi = -Float.infinity
            for i in 0 ..< n { lo = min(lo, start[i * c.dims + axis]); hi = max(hi, start[i * c.dims + axis]) }
            let scale = hi > lo ? 10 / (hi - lo) : 1
            for i in 0 ..< n { start[i * c.dims + axis] = (start[i * c.dims + axis] - lo) * scale }
        }
        lap("initialisation")
        var optimizer = UMAPOptimizer(set: set, dims: c.dims, curve: curve, epochs: epochs, negativeSampleRate: c.negativeSampleRate,
                                      learningRate: c.learningRate, repulsion: c.repulsionStrength, seed: c.seed)
        let embedding = optimizer.run(start) { progress("optimisation", $0, epochs) }
        lap("optimisation")
        return Result(embedding: embedding, curve: curve, epochs: epochs, edges: set.edgeCount, seconds: seconds, notes: notes)
    }

    static func normalisedRows(_ x: [Float], rows n: Int, dim d: Int) -> [Float] {
        var y = x
        for i in 0 ..< n {
            var s: Float = 0
            for j in 0 ..< d { s += x[i * d + j] * x[i * d + j] }
            let inverse = s > 0 ? 1 / s.squareRoot() : 0
            for j in 0 ..< d { y[i * d + j] *= inverse }
        }
        return y
    }

    /// Drops entries below `threshold` (umap-learn: weights under `max / epochs` are never sampled).
    static func prune(_ set: inout FuzzySimplicialSet, below threshold: Float) {
        var rowStart = [Int](repeating: 0, count: set.count + 1), columns: [Int32] = [], weights: [Float] = []
        for i in 0 ..< set.count {
            for e in set.rowStart[i] ..< set.rowStart[i + 1] where set.weights[e] >= threshold {
                columns.append(set.columns[e])
                weights.append(set.weights[e])
            }
            rowStart[i + 1] = columns.count
        }
        (set.rowStart, set.columns, set.weights) = (rowStart, columns, weights)
    }
}
