import Backend
import Dataset
import Foundation

/// UMAP (McInnes, Healy and Melville 2018), following umap-learn's `UMAP.fit`:
/// exact k-NN on the backend (`kNearestNeighbours`, the point itself first), optionally reduced to
/// mutual neighbours (`MutualNeighbours`), the fuzzy simplicial set (`FuzzySimplicialSet`), `a`/`b` from `minDist` and `spread` (`UMAPCurve`), edges with
/// weight below `max / epochs` dropped, spectral initialisation scaled to `[0, 10]` per axis (a
/// graph of several components laid out as umap-learn does, `ComponentLayout`; random uniform in
/// `[-10, 10]` for too few points; both reported in `Result.notes`), then SGD
/// with negative sampling (`UMAPOptimizer`).
///
/// Defaults are umap-learn's: 15 neighbours, `minDist` 0.1, `spread` 1, 200 epochs above 10,000
/// points and 500 up to 10,000 (densMAP 200 more), 5 negative samples per edge, learning rate 1 decaying
/// linearly, repulsion 1.
public enum UMAP {
    public enum Metric: String, CaseIterable, Sendable { case euclidean, cosine }
    /// How the k-NN graph is found.
    public enum NeighbourSearch: String, CaseIterable, Sendable {
        /// `projected` on the CPU backend for more than 20,000 points of more than 64 features, else `exact`.
        case auto
        /// Brute force over all features (exact; what a GPU does fast).
        case exact
        /// Candidates (4k + 15) from a PCA-64 projection, ranked by their distances in the full space:
        /// about 12 times less arithmetic on 784 features. Its recall is measured and reported
        /// (70,000 raw images, k 15: 0.987, against 0.964 with 3k + 8 candidates and 0.997 with PCA-100).
        case projected
    }
    /// Which neighbour graph the fuzzy set is built on.
    public enum Graph: String, CaseIterable, Sendable {
        /// The k-NN graph (umap-learn).
        case knn
        /// Mutual neighbours only, isolated points reconnected (`MutualNeighbours`).
        case mutual
    }

    /// How the layout's stochastic gradient steps are applied within an epoch.
    public enum Updates: String, Sendable, CaseIterable {
        /// umap-learn's order: edge by edge, each step reading and moving the current positions of
        /// both ends (`move_other`); one core, deterministic for a seed.
        case sequential
        /// umap-learn's order within each of 16 blocks of nearby points (recursive bisection of the
        /// starting layout, `LayoutBlocks`), the blocks across the cores: a block reads the other
        /// blocks' points as the epoch began, and its moves of their points wait for the epoch's end
        /// (`UMAPOptimizer.blockedEpoch`). Deterministic for a seed on any number of cores; as
        /// converged as `sequential` by UMAP-10 of the 70,000 images (3 seeds: K-means NMI 0.638,
        /// trustworthiness 0.987, as sequential and umap-learn) in about 0.6x its time on 2 cores
        /// (10 to 80 dimensions of 70,000 points: 0.49x to 0.66x).
        /// N2D's UMAP (min-dist 0, then a GMM) scored lower after it on 5 of 6 encoders, so
        /// `DeepClustering` keeps `sequential`.
        case blocked
        /// Every point moves itself across the cores, reading the others as they were when the
        /// epoch began (a Jacobi sweep; deterministic for a seed on any number of cores); on a
        /// backend with `umapEpoch` (OpenCL) the epochs run on the device.
        case synchronous
        /// `synchronous` where the backend runs the epochs on a GPU (OpenCL, plain UMAP), else
        /// `blocked` (on OpenCL over CPU cores, e.g. PoCL, the device sweep is slower than the
        /// host's: 19.8 against 7.2 s for 500 epochs of 10,000 points on 2 cores, sequential).
        case auto

        /// The order `auto` stands for with `backend`, `dims` and densMAP's weight `densityLambda`.
        public func resolved<B: ComputeBackend>(backend: B, dims: Int, densityLambda: Double) -> Updates {
            guard self == .auto else { return self }
            return densityLambda == 0 && backend.runsOnGPU && backend.hasUMAPEpoch(dims: dims) ? .synchronous : .blocked
        }
    }

    /// umap-learn's default number of epochs (`simplicial_set_embedding`): 500 for up to 10,000 points, 200 above,
    /// and 200 more for densMAP ("Use more epochs for densMAP"), whose density term then runs over the last
    /// `densityFraction` of them. The graph's pruning (`max / epochs`) follows the same count.
    public static func defaultEpochs(points n: Int, densMAP: Bool) -> Int {
        (n > 10_000 ? 200 : 500) + (densMAP ? 200 : 0)
    }

    /// Blocked SGD (`Updates.blocked`) splits the starting layout into `2^blockLevels` blocks.
    static let blockLevels = 4

    public struct Configuration: Sendable {
        public var dims = 2
        public var neighbours = 15
        public var minDist = 0.1
        public var spread = 1.0
        public var metric = Metric.euclidean
        public var graph = Graph.knn
        public var neighbourSearch = NeighbourSearch.auto
        /// densMAP (Narayan, Berger and Cho 2021; umap-learn's `densmap=True`): the weight of the
        /// density-preserving term (`dens_lambda`), 0 for plain UMAP, over the last `densityFraction`
        /// of the epochs (`dens_frac` 0.3), with `densityVarianceShift` (`dens_var_shift` 0.1).
        public var densityLambda = 0.0
        public var densityFraction = 0.3
        public var densityVarianceShift = 0.1
        /// Default: `UMAP.defaultEpochs` (200 for more than 10,000 points, else 500; densMAP 200 more).
        public var epochs: Int?
        public var negativeSampleRate = 5
        public var learningRate = 1.0
        public var repulsionStrength = 1.0
        public var setOpMixRatio = 1.0
        public var localConnectivity = 1.0
        public var seed: UInt64 = 0
        /// Measured at 70,000 images, UMAP-10, K-means NMI (mean of 3 seeds): sequential 0.637 and
        /// blocked 0.638 (umap-learn 0.637), synchronous 0.628; optimisation on 2 cores: blocked 12.5 s,
        /// sequential 22-24 s.
        public var updates = Updates.auto
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
        /// With the projected search: the share of true k nearest neighbours found, measured by brute
        /// force on 500 sampled points.
        public var neighbourRecall: Double?
        /// The order the gradient steps took (`Configuration.updates` resolved: never `auto`).
        public var updates: Updates
    }

    /// What `fit` reports while it runs: phase name, units done, units in the phase.
    public typealias Progress = (String, Int, Int) -> Void

    /// The k-NN graph a layout is built on (the point itself first; with the cosine metric, cosine
    /// distances), and with the projected search its measured recall. Layouts of the same points
    /// with the same neighbours, metric and search can share one (`fit(neighbours:)`): the study's
    /// layouts of the pixels at several sizes do.
    public struct Neighbours: Sendable {
        public var graph: NeighbourGraph
        public var recall: Double?
        /// What it was searched with, checked by `fit`.
        let metric: Metric, search: NeighbourSearch
        /// Seconds the search took.
        public var seconds: Double
    }

    /// The k-NN graph of `x [n, d]` for `c.neighbours`, `c.metric` and `c.neighbourSearch`.
    public static func neighbours<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, configuration c: Configuration, backend: B,
                                                     progress: Progress = { _, _, _ in }) throws -> Neighbours {
        try validate(x, rows: n, dim: d, configuration: c)
        return try search(x, rows: n, dim: d, configuration: c, backend: backend, progress: progress)
    }

    /// `neighbours` without checking the input again (`fit` has).
    static func search<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, configuration c: Configuration, backend: B,
                                          progress: Progress) throws -> Neighbours {
        let clock = Date()
        let points = c.metric == .cosine ? normalisedRows(x, rows: n, dim: d) : x
        let projectedDims = 64
        let projected = c.neighbourSearch == .projected
            || (c.neighbourSearch == .auto && B.self == CPUBackend.self && n > 20_000 && d > projectedDims)
        var graph: NeighbourGraph
        var recall: Double?
        if projected && d > projectedDims {
            let (_, space) = try PCA.fit(points, rows: n, dim: d, configuration: .init(components: projectedDims), backend: backend)
            graph = try backend.kNearestNeighbours(points, rows: n, dim: d, k: c.neighbours, extra: 3 * c.neighbours + 15,
                                                   searchSpace: (space, projectedDims)) { progress("k-NN", $0, $1) }
            recall = try neighbourRecall(graph, points, rows: n, dim: d, backend: backend, seed: c.seed)
        } else {
            graph = try backend.kNearestNeighbours(points, rows: n, dim: d, k: c.neighbours) { progress("k-NN", $0, $1) }
        }
        if c.metric == .cosine {
            // Unit rows: |u - v|^2 = 2 (1 - cos), so the cosine distance is |u - v|^2 / 2.
            graph.distances = graph.distances.map { $0 * $0 / 2 }
        }
        return Neighbours(graph: graph, recall: recall, metric: c.metric, search: c.neighbourSearch,
                          seconds: Date().timeIntervalSince(clock))
    }

    static func validate(_ x: [Float], rows n: Int, dim d: Int, configuration c: Configuration) throws {
        try ReduceInput.validate(x, rows: n, dim: d, dims: c.dims, maxDims: max(1, n - 2), method: "UMAP")
        guard c.neighbours >= 2, c.neighbours < n else {
            throw ReduceError("--n-neighbors \(c.neighbours) must be at least 2 and below the number of points (\(n))")
        }
        guard c.spread > 0, c.spread.isFinite else { throw ReduceError("--spread \(c.spread) must be positive") }
        guard c.minDist >= 0, c.minDist <= c.spread else {
            throw ReduceError("--min-dist \(c.minDist) must be in [0, --spread \(c.spread)]")
        }
        if let e = c.epochs, e < 1 { throw ReduceError("--epochs \(e) must be at least 1") }
        guard c.densityLambda >= 0, c.densityFraction > 0, c.densityFraction <= 1 else {
            throw ReduceError("--dens-lambda \(c.densityLambda) must not be negative, --dens-frac \(c.densityFraction) in (0, 1]")
        }
    }

    /// The layout of `x [n, d]`; `neighbours`: its k-NN graph from `neighbours(_:...)` with the same
    /// points and settings (searched here when nil; the layout is the same either way).
    public static func fit<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, configuration c: Configuration, backend: B,
                                              neighbours given: Neighbours? = nil,
                                              progress: Progress = { _, _, _ in }) throws -> Result {
        var prepared = try prepare(x, rows: n, dim: d, configuration: c, backend: backend, neighbours: given, progress: progress)
        let epochs = prepared.epochs
        return try prepared.optimise(backend: backend) { progress("optimisation", $0, epochs) }
    }

    /// A layout up to its gradient steps: the graph, the fuzzy set and the start (`fit` is `prepare`,
    /// then `optimise`). With `runsOnHost` the steps touch no backend, so several prepared layouts
    /// may `optimiseOnHost` at once, each on its own thread (N2D's runs do), with the same result.
    public struct Prepared: Sendable {
        var optimizer: UMAPOptimizer
        var start: [Float]
        let blocks: LayoutBlocks?
        let dims: Int
        public let epochs: Int
        let curve: UMAPCurve, edges: Int
        var seconds: [String: Double]
        let notes: [String], recall: Double?, order: Updates

        /// Whether the gradient steps run on the host whatever the backend (every order but the
        /// synchronous one, which a device runs).
        public var runsOnHost: Bool { order != .synchronous }

        /// The gradient steps and the result, on `backend` where the order runs there.
        public mutating func optimise<B: ComputeBackend>(backend: B, progress: (Int) -> Void = { _ in }) throws -> Result {
            let clock = Date()
            let embedding = try optimizer.run(start, backend: backend, progress: progress)
            return finish(embedding, seconds: Date().timeIntervalSince(clock))
        }

        /// The gradient steps on the host (`runsOnHost` must hold), touching no backend.
        public mutating func optimiseOnHost(progress: (Int) -> Void = { _ in }) -> Result {
            precondition(runsOnHost, "UMAP: the synchronous order's steps run on a backend")
            let clock = Date()
            let embedding = optimizer.run(start, progress: progress)
            return finish(embedding, seconds: Date().timeIntervalSince(clock))
        }

        private func finish(_ steps: [Float], seconds optimisation: Double) -> Result {
            var embedding = steps
            if let blocks {
                let renumbered = embedding
                for (r, i) in blocks.order.enumerated() {
                    for t in 0 ..< dims { embedding[Int(i) * dims + t] = renumbered[r * dims + t] }
                }
            }
            var seconds = self.seconds
            seconds["optimisation"] = optimisation
            return Result(embedding: embedding, curve: curve, epochs: epochs, edges: edges, seconds: seconds, notes: notes,
                          neighbourRecall: recall, updates: order)
        }
    }

    /// Everything of `fit` before the gradient steps.
    public static func prepare<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, configuration c: Configuration, backend: B,
                                                  neighbours given: Neighbours? = nil,
                                                  progress: Progress = { _, _, _ in }) throws -> Prepared {
        try validate(x, rows: n, dim: d, configuration: c)
        if let given, given.graph.rows != n || given.graph.k != c.neighbours || given.metric != c.metric || given.search != c.neighbourSearch {
            throw ReduceError("UMAP: the given k-NN graph (\(given.graph.rows) rows, \(given.graph.k) neighbours, \(given.metric.rawValue), "
                              + "\(given.search.rawValue) search) was not made for these points and settings")
        }
        var seconds: [String: Double] = [:]
        let found = try given ?? search(x, rows: n, dim: d, configuration: c, backend: backend, progress: progress)
        var graph = found.graph
        let recall = found.recall
        seconds["k-NN"] = given == nil ? found.seconds : 0
        var clock = Date()
        func lap(_ phase: String) { seconds[phase] = Date().timeIntervalSince(clock); clock = Date() }
        var notes: [String] = []
        if c.graph == .mutual {
            let (mutual, kept, reconnected) = MutualNeighbours.graph(from: graph)
            graph = mutual
            notes.append("note: mutual k-NN graph: \(kept) of \(n * (c.neighbours - 1)) directed edges kept, \(reconnected) isolated points reconnected")
        }
        var set = FuzzySimplicialSet(graph: graph, setOpMixRatio: c.setOpMixRatio, localConnectivity: c.localConnectivity)
        let epochs = c.epochs ?? defaultEpochs(points: n, densMAP: c.densityLambda > 0)
        prune(&set, below: (set.weights.max() ?? 0) / Float(epochs))
        let curve = UMAPCurve(minDist: c.minDist, spread: c.spread)
        lap("graph")
        var start: [Float]
        let parts = ComponentLayout.components(set)
        if let spectral = parts.count > 1
            ? try ComponentLayout.layout(set, components: parts, x: x, dim: d, metric: c.metric, dims: c.dims, seed: c.seed)
            : try SpectralLayout.compute(set, dims: c.dims, seed: c.seed) {
            if parts.count > 1 {
                notes.append("note: the k-NN graph has \(parts.count) connected components; each is laid out on its own around its "
                             + "place in a layout of the components (umap-learn's multi_component_layout)")
            }
            start = spectral
            // umap-learn: scale to a maximum magnitude of 10, add N(0, 1e-4) noise.
            let largest = start.map(abs).max() ?? 1
            var rng = SplitMix64(seed: c.seed ^ 0x9015E)
            start = start.map { $0 * Float(10 / Double(max(largest, 1e-30))) + Float(1e-4 * rng.nextGaussian()) }
        } else {
            notes.append("note: \(n) points are too few for a spectral start in \(c.dims) dimensions; UMAP starts from a random layout")
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
        let order = c.updates.resolved(backend: backend, dims: c.dims, densityLambda: c.densityLambda)
        // Blocked SGD works on the points renumbered block after block (each block a range of rows).
        let blocks = order == .blocked ? LayoutBlocks(layout: start, rows: n, dims: c.dims, levels: Self.blockLevels) : nil
        let working = blocks.map { set.selecting($0.order) } ?? set
        if let blocks { start = blocks.order.flatMap { start[(Int($0) * c.dims) ..< ((Int($0) + 1) * c.dims)] } }
        var optimizer = UMAPOptimizer(set: working, dims: c.dims, curve: curve, epochs: epochs, negativeSampleRate: c.negativeSampleRate,
                                      learningRate: c.learningRate, repulsion: c.repulsionStrength, seed: c.seed, order: order,
                                      blockBounds: blocks?.bounds)
        if c.densityLambda > 0 {
            optimizer.density = UMAPDensity(set: working, lambda: c.densityLambda, fraction: c.densityFraction,
                                            varianceShift: c.densityVarianceShift)
        }
        return Prepared(optimizer: optimizer, start: start, blocks: blocks, dims: c.dims, epochs: epochs, curve: curve,
                        edges: set.edgeCount, seconds: seconds, notes: notes, recall: recall, order: order)
    }

    /// The share of each sampled row's true k nearest neighbours (brute force over all features on
    /// the backend, ranked exactly) that `graph` holds, over `sample` seeded rows.
    static func neighbourRecall<B: ComputeBackend>(_ graph: NeighbourGraph, _ x: [Float], rows n: Int, dim d: Int, backend: B,
                                                   seed: UInt64, sample: Int = 500) throws -> Double {
        var order = Array(0 ..< n)
        var rng = SplitMix64(seed: seed ^ 0x2EC4)
        rng.shuffle(&order)
        let queries = Array(order.prefix(min(sample, n))).sorted()
        let k = graph.k, candidates = min(n, k + 8)
        let q = queries.flatMap { x[($0 * d) ..< (($0 + 1) * d)] }
        let all = try backend.makeBuffer(x), allNorms = try backend.makeBuffer(count: n)
        try backend.rowSquaredNorms(all, offset: 0, rows: n, cols: d, into: allNorms, outOffset: 0)
        let qBuffer = try backend.makeBuffer(q), qNorms = try backend.makeBuffer(count: queries.count)
        try backend.rowSquaredNorms(qBuffer, offset: 0, rows: queries.count, cols: d, into: qNorms, outOffset: 0)
        let block = try backend.makeBuffer(count: queries.count * n)
        try backend.squaredDistances(x: qBuffer, xOffset: 0, xNorms: qNorms, xNormsOffset: 0, rows: queries.count,
                                     y: all, yNorms: allNorms, yRows: n, dim: d, into: block)
        let indices = try backend.makeBuffer(count: queries.count * candidates), values = try backend.makeBuffer(count: queries.count * candidates)
        try backend.rowTopK(block, rows: queries.count, cols: n, k: candidates, columnOffset: 0, indices: indices, values: values, outRow: 0)
        let found = try backend.ints(indices)
        var hits = 0
        for (r, i) in queries.enumerated() {
            // Exact ranking of the query's candidates (the query is a row of x: itself first).
            let ranked = found[(r * candidates) ..< ((r + 1) * candidates)].filter { $0 >= 0 }.map { j -> (Double, Int32) in
                (exactSquaredDistance(x, i, Int(j), dim: d), j)
            }.sorted { $0 < $1 }.prefix(k).map(\.1)
            hits += Set(ranked).intersection(graph.neighbours(of: i)).count
        }
        return Double(hits) / Double(queries.count * k)
    }

    /// `x [rows, dim]` with every row scaled to unit length (zero rows stay zero).
    public static func normalisedRows(_ x: [Float], rows n: Int, dim d: Int) -> [Float] {
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
        var rowStart = [Int](repeating: 0, count: set.count + 1), columns: [Int32] = [], weights: [Float] = [], distances: [Float] = []
        for i in 0 ..< set.count {
            for e in set.rowStart[i] ..< set.rowStart[i + 1] where set.weights[e] >= threshold {
                columns.append(set.columns[e])
                weights.append(set.weights[e])
                distances.append(set.distances[e])
            }
            rowStart[i + 1] = columns.count
        }
        (set.rowStart, set.columns, set.weights, set.distances) = (rowStart, columns, weights, distances)
    }
}
