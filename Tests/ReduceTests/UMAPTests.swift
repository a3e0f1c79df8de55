import Backend
import Dataset
@testable import Reduce
import XCTest

final class UMAPTests: XCTestCase {
    /// a and b equal umap-learn's `find_ab_params` (SciPy's curve_fit) for several settings.
    func testCurveParametersMatchUmapLearn() throws {
        let table = try ReduceFixtures.doubles("umap-ab.npy")
        for row in stride(from: 0, to: table.count, by: 4) {
            let curve = UMAPCurve(minDist: table[row], spread: table[row + 1])
            XCTAssertEqual(curve.a, table[row + 2], accuracy: 1e-5 * table[row + 2], "a for min_dist \(table[row]), spread \(table[row + 1])")
            XCTAssertEqual(curve.b, table[row + 3], accuracy: 1e-5 * table[row + 3], "b for min_dist \(table[row]), spread \(table[row + 1])")
        }
    }

    /// sigma, rho and every membership of the symmetric fuzzy graph equal umap-learn's
    /// `fuzzy_simplicial_set` from the same exact k-NN graph, on every backend's k-NN.
    func testFuzzyGraphMatchesUmapLearn() throws {
        let (x, n, d) = try ReduceFixtures.points()
        let coo = try ReduceFixtures.doubles("umap-graph-coo.npy")
        let nnz = coo.count / 3
        let sigmas = try ReduceFixtures.doubles("umap-sigmas.npy"), rhos = try ReduceFixtures.doubles("umap-rhos.npy")
        for backend in ReduceFixtures.backends() {
            let graph = try backend.kNearestNeighbours(x, rows: n, dim: d, k: 10)
            let set = FuzzySimplicialSet(graph: graph)
            XCTAssertLessThan(nmse(set.sigmas, sigmas), 1e-9, "\(backend.name) sigmas")
            XCTAssertLessThan(nmse(set.rhos, rhos), 1e-12, "\(backend.name) rhos")
            XCTAssertEqual(set.edgeCount, nnz, "\(backend.name): entries of the graph")
            var worst = 0.0
            for e in 0 ..< nnz {
                let (i, j, w) = (Int(coo[e]), Int(coo[nnz + e]), coo[2 * nnz + e])
                worst = max(worst, abs(Double(set.weight(i, j)) - w))
            }
            XCTAssertLessThan(worst, 1e-5, "\(backend.name): largest membership difference")
        }
    }

    /// Same seed, same embedding, bit for bit, and the same on every backend (the k-NN graph is
    /// exact on each, the optimisation deterministic whatever the core count); another seed differs.
    /// Neighbourhoods survive: each point's nearest input neighbour is among its 10 nearest embedded
    /// ones for most points (umap-learn 0.5.12 with the same settings: 0.71 to 0.78 over three seeds).
    func testDeterministicAcrossRunsAndBackends() throws {
        for updates in UMAP.Updates.allCases { try deterministic(updates) }
    }

    private func deterministic(_ updates: UMAP.Updates) throws {
        let (x, n, d) = try ReduceFixtures.points()
        var c = UMAP.Configuration()
        (c.neighbours, c.epochs, c.seed, c.updates) = (10, 100, 7, updates)
        let reference = try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: CPUBackend())
        XCTAssertEqual(reference.embedding.count, n * 2)
        XCTAssertTrue(reference.embedding.allSatisfy(\.isFinite))
        for backend in ReduceFixtures.backends() {
            let again = try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: backend)
            let mode = updates.resolved(backend: backend, dims: 2, densityLambda: 0)
            if mode == .synchronous && backend.hasUMAPEpoch(dims: 2) {
                // Device epochs: the same seed twice gives the same layout; against the host's
                // Jacobi sweep see testDeviceEpochsAgreeWithTheHost.
                let third = try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: backend)
                XCTAssertEqual(again.embedding, third.embedding, "\(backend.name) \(updates): the same seed gave another embedding")
            } else if mode == updates.resolved(backend: CPUBackend(), dims: 2, densityLambda: 0) {
                XCTAssertEqual(again.embedding, reference.embedding, "\(backend.name) \(updates): the same seed gave another embedding")
            }
        }
        c.seed = 8
        XCTAssertNotEqual(try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: CPUBackend()).embedding, reference.embedding)
        XCTAssertGreaterThan(try nearestNeighbourKept(reference.embedding, x, rows: n, dim: d), 0.65,
                             "\(updates): nearest input neighbours kept among the 10 nearest embedded ones")
    }

    /// The share of points whose nearest input neighbour is among their 10 nearest embedded ones.
    private func nearestNeighbourKept(_ y: [Float], _ x: [Float], rows n: Int, dim d: Int) throws -> Double {
        let input = try CPUBackend().kNearestNeighbours(x, rows: n, dim: d, k: 1, excludeSelf: true)
        let embedded = try CPUBackend().kNearestNeighbours(y, rows: n, dim: 2, k: 10, excludeSelf: true)
        var kept = 0
        for i in 0 ..< n where embedded.neighbours(of: i).contains(input.indices[i]) { kept += 1 }
        return Double(kept) / Double(n)
    }

    /// The synchronous epochs on an OpenCL device (`umapEpoch`) against the host's sweep of the same
    /// graph, start and seed. The device's `pow` (OpenCL allows a few ulp) differs from the host's
    /// `powf` in the last bit now and then, and SGD
    /// with clipping and negative sampling amplifies such differences. The fixture's four blobs
    /// are four components of the graph, so the start is umap-learn's component layout, which packs
    /// each blob into a small cube: near-coincident points there get clipped pushes of whole units
    /// whose direction follows the last bits (measured on PoCL: normalised squared difference 2e-14
    /// after 2 epochs, 3e-12 after 3, 4e-3 after 5; with the random start used before, 5e-10 after
    /// 5). So: after 3 epochs the layouts must agree to a normalised squared difference below 1e-6
    /// (a wrong update — a missed negative sample, another clip — moves points by whole units at
    /// once), and after 100 epochs the device's layout must keep as many nearest neighbours as the
    /// host's (within 0.05).
    func testDeviceEpochsAgreeWithTheHost() throws {
        let devices = ReduceFixtures.backends().filter { $0.hasUMAPEpoch(dims: 2) }
        guard !devices.isEmpty else { return }
        let (x, n, d) = try ReduceFixtures.points()
        func nmse(_ a: [Float], _ b: [Float]) -> Double {
            var mean = [0.0, 0.0]
            for i in 0 ..< n { for t in 0 ..< 2 { mean[t] += Double(b[i * 2 + t]) / Double(n) } }
            var difference = 0.0, spread = 0.0
            for i in 0 ..< n {
                for t in 0 ..< 2 {
                    difference += pow(Double(a[i * 2 + t] - b[i * 2 + t]), 2)
                    spread += pow(Double(b[i * 2 + t]) - mean[t], 2)
                }
            }
            return difference / spread
        }
        var c = UMAP.Configuration()
        (c.neighbours, c.seed, c.updates) = (10, 7, .synchronous)
        for backend in devices {
            c.epochs = 3
            let host3 = try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: CPUBackend()).embedding
            XCTAssertLessThan(nmse(try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: backend).embedding, host3), 1e-6,
                              "\(backend.name): 3 epochs")
            c.epochs = 100
            let host = try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: CPUBackend()).embedding
            let device = try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: backend).embedding
            XCTAssertTrue(device.allSatisfy(\.isFinite))
            XCTAssertEqual(try nearestNeighbourKept(device, x, rows: n, dim: d), try nearestNeighbourKept(host, x, rows: n, dim: d),
                           accuracy: 0.05, "\(backend.name): 100 epochs")
        }
    }

    /// Blocked SGD's blocks: a permutation of the points into 2^levels blocks whose sizes differ by
    /// at most one, each block ascending, and each a slab of the layout (on a line, consecutive
    /// quantile ranges; in 2-D, the first cut along the wider axis).
    func testLayoutBlocksCutAtMedians() {
        var rng = SplitMix64(seed: 5)
        let line = (0 ..< 1001).map { _ in Float(rng.nextGaussian()) }
        let blocks = LayoutBlocks(layout: line, rows: 1001, dims: 1, levels: 4)
        XCTAssertEqual(blocks.count, 16)
        XCTAssertEqual(blocks.order.map(Int.init).sorted(), Array(0 ..< 1001))
        let sizes = (0 ..< 16).map { blocks.bounds[$0 + 1] - blocks.bounds[$0] }
        XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "\(sizes)")
        for b in 0 ..< 16 {
            let members = blocks.order[blocks.bounds[b] ..< blocks.bounds[b + 1]]
            XCTAssertEqual(Array(members), members.sorted(), "block \(b) not ascending")
            if b < 15 {
                let next = blocks.order[blocks.bounds[b + 1] ..< blocks.bounds[b + 2]]
                XCTAssertLessThan(members.map { line[Int($0)] }.max()!, next.map { line[Int($0)] }.min()!, "blocks \(b), \(b + 1) overlap")
            }
        }
        // 2-D, x spread 100 times wider than y: one level cuts at x's median.
        var plane: [Float] = []
        for i in 0 ..< 200 { plane += [Float(i % 100) * 100 + Float(i / 100), Float((i * 37) % 11)] }
        let halves = LayoutBlocks(layout: plane, rows: 200, dims: 2, levels: 1)
        XCTAssertEqual(halves.bounds, [0, 100, 200])
        XCTAssertTrue(halves.order[..<100].allSatisfy { plane[Int($0) * 2] < 5000 })
        XCTAssertEqual(LayoutBlocks(layout: [1, 2, 3], rows: 3, dims: 1, levels: 4).count, 2, "never more blocks than points")
        // auto: blocked on CPU cores, whatever the size; a chosen order stays.
        XCTAssertEqual(UMAP.Updates.auto.resolved(backend: CPUBackend(), dims: 80, densityLambda: 0), .blocked)
        XCTAssertEqual(UMAP.Updates.sequential.resolved(backend: CPUBackend(), dims: 2, densityLambda: 0), .sequential)
    }

    /// Selecting every point in another order (a renumbering) moves every entry with its points:
    /// row `r` of the copy holds row `order[r]`'s weights and distances, its columns renumbered and
    /// ascending; a subset keeps the entries between its points.
    func testSelectingKeepsEveryEntry() throws {
        let (x, n, d) = try ReduceFixtures.points()
        let graph = try CPUBackend().kNearestNeighbours(x, rows: n, dim: d, k: 8)
        let set = FuzzySimplicialSet(graph: graph)
        var order = (0 ..< Int32(n)).map { $0 }
        var rng = SplitMix64(seed: 9)
        rng.shuffle(&order)
        let copy = set.selecting(order)
        XCTAssertEqual(copy.edgeCount, set.edgeCount)
        for r in 0 ..< n {
            let i = Int(order[r])
            let columns = copy.columns[copy.rowStart[r] ..< copy.rowStart[r + 1]]
            XCTAssertEqual(Array(columns), columns.sorted())
            let moved = Set(zip(columns, copy.rowStart[r] ..< copy.rowStart[r + 1]).map { "\(order[Int($0)]) \(copy.weights[$1]) \(copy.distances[$1])" })
            let original = Set((set.rowStart[i] ..< set.rowStart[i + 1]).map { "\(set.columns[$0]) \(set.weights[$0]) \(set.distances[$0])" })
            XCTAssertEqual(moved, original, "row \(r) (point \(i))")
            XCTAssertEqual(copy.sigmas[r], set.sigmas[i])
        }
        // A subset (every third point): only the entries between its points, renumbered.
        let members = (0 ..< Int32(n)).filter { $0 % 3 == 0 }
        let part = set.selecting(members)
        var inside = 0
        for i in members { for e in set.rowStart[Int(i)] ..< set.rowStart[Int(i) + 1] where set.columns[e] % 3 == 0 { inside += 1 } }
        XCTAssertEqual(part.count, members.count)
        XCTAssertEqual(part.edgeCount, inside)
        for r in 0 ..< part.count {
            for e in part.rowStart[r] ..< part.rowStart[r + 1] {
                let (i, j) = (Int(members[r]), Int(members[Int(part.columns[e])]))
                let original = (set.rowStart[i] ..< set.rowStart[i + 1]).first { Int(set.columns[$0]) == j }
                XCTAssertEqual(original.map { set.weights[$0] }, part.weights[e], "entry \(i), \(j)")
            }
        }
    }

    /// A graph of several components: components numbered by their lowest point; the components'
    /// layout equals umap-learn's `component_layout` (12 components, euclidean and cosine; fixture),
    /// and a few components take its corners; UMAP of blobs too far apart to share neighbours starts
    /// each blob around its own place, says so, and keeps the blobs apart.
    func testSeveralComponentsLaidOutAsUmapLearn() throws {
        let data = try ReduceFixtures.array("components-data.npy")
        let expected = try ReduceFixtures.doubles("components-layout.npy")
        let labels = (0 ..< 60).map { Int32($0 / 5) }
        for (m, metric) in [UMAP.Metric.euclidean, .cosine].enumerated() {
            let layout = try ComponentLayout.centroidLayout(labels: labels, count: 12, x: data.floats, dim: 5, metric: metric, dims: 2)
            for (got, want) in zip(layout, expected[(m * 24) ..< (m * 24 + 24)]) {
                XCTAssertEqual(got, want, accuracy: 1e-6, "\(metric) component layout")
            }
        }
        XCTAssertEqual(ComponentLayout.corners(count: 3, dims: 2), [1, 0, 0, 1, -1, 0])
        // Three blobs of 40 points, 1,000 apart: 5 neighbours never cross, so three components.
        var rng = SplitMix64(seed: 4)
        var x: [Float] = []
        for i in 0 ..< 120 { for t in 0 ..< 3 { x.append(Float(rng.nextGaussian()) + (t == 0 ? Float(i % 3) * 1000 : 0)) } }
        var c = UMAP.Configuration()
        (c.neighbours, c.epochs, c.seed) = (5, 100, 1)
        let graph = try CPUBackend().kNearestNeighbours(x, rows: 120, dim: 3, k: 5)
        let parts = ComponentLayout.components(FuzzySimplicialSet(graph: graph))
        XCTAssertEqual(parts.count, 3)
        XCTAssertEqual(Array(parts.labels.prefix(6)), [0, 1, 2, 0, 1, 2], "numbered by lowest point")
        let result = try UMAP.fit(x, rows: 120, dim: 3, configuration: c, backend: CPUBackend())
        XCTAssertTrue(result.notes.contains { $0.contains("3 connected components") }, "\(result.notes)")
        // Each blob's points are nearer their own blob's centre than any other blob's.
        var centres = [[Double]](repeating: [0, 0], count: 3)
        for i in 0 ..< 120 { for t in 0 ..< 2 { centres[i % 3][t] += Double(result.embedding[i * 2 + t]) / 40 } }
        for i in 0 ..< 120 {
            let distances = centres.map { ctr in (0 ..< 2).reduce(0.0) { $0 + pow(Double(result.embedding[i * 2 + $1]) - ctr[$1], 2) } }
            XCTAssertEqual(distances.indices.min { distances[$0] < distances[$1] }, i % 3, "point \(i) strayed")
        }
    }

    /// A k-NN graph searched once and handed to `fit` gives the layout `fit` finds on its own, at two
    /// output sizes (the study shares the pixels' graph so); a graph for other settings is refused.
    func testSharedNeighboursGiveTheSameLayout() throws {
        let (x, n, d) = try ReduceFixtures.points()
        var c = UMAP.Configuration()
        (c.neighbours, c.epochs, c.seed) = (10, 50, 3)
        let shared = try UMAP.neighbours(x, rows: n, dim: d, configuration: c, backend: CPUBackend())
        for dims in [2, 5] {
            c.dims = dims
            let alone = try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: CPUBackend())
            let given = try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: CPUBackend(), neighbours: shared)
            XCTAssertEqual(given.embedding, alone.embedding, "dims \(dims)")
        }
        c.neighbours = 12
        XCTAssertThrowsError(try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: CPUBackend(), neighbours: shared))
        c.neighbours = 10
        c.metric = .cosine
        XCTAssertThrowsError(try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: CPUBackend(), neighbours: shared))
    }

    /// The mutual graph keeps exactly the edges present both ways, leaves every point at least one
    /// neighbour, and UMAP runs on it.
    func testMutualGraph() throws {
        let (x, n, d) = try ReduceFixtures.points()
        let backend = CPUBackend()
        let g = try backend.kNearestNeighbours(x, rows: n, dim: d, k: 10)
        let (m, kept, reconnected) = MutualNeighbours.graph(from: g)
        var count = 0
        for i in 0 ..< n {
            let row = m.neighbours(of: i).filter { $0 >= 0 && Int($0) != i }
            XCTAssertFalse(row.isEmpty, "point \(i) isolated")
            let mutual = g.neighbours(of: i).filter { Int($0) != i && g.neighbours(of: Int($0)).contains(Int32(i)) }
            if mutual.isEmpty {
                XCTAssertEqual(row, [g.indices[i * 10 + 1]], "point \(i) reconnected to its nearest neighbour")
            } else {
                XCTAssertEqual(row, mutual, "point \(i)")
            }
            count += mutual.count
        }
        XCTAssertEqual(kept, count)
        XCTAssertLessThan(kept, n * 9, "some edges are one-way")
        XCTAssertEqual(reconnected, (0 ..< n).filter { i in !g.neighbours(of: i).contains { Int($0) != i && g.neighbours(of: Int($0)).contains(Int32(i)) } }.count)
        var c = UMAP.Configuration()
        (c.neighbours, c.epochs, c.graph) = (10, 50, .mutual)
        let result = try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: backend)
        XCTAssertTrue(result.embedding.allSatisfy(\.isFinite))
        XCTAssertTrue(result.notes.contains { $0.contains("mutual k-NN graph: \(kept) of \(n * 9) directed edges kept") }, "\(result.notes)")
    }

    /// Default epochs as umap-learn's `simplicial_set_embedding`: 500 up to 10,000 points, 200 above, densMAP
    /// 200 more (the density term then runs over the last 30 % of those); an explicit count is kept as given.
    func testDefaultEpochsFollowUmapLearnWithDensMAPsExtra() throws {
        XCTAssertEqual(UMAP.defaultEpochs(points: 10_000, densMAP: false), 500)
        XCTAssertEqual(UMAP.defaultEpochs(points: 10_001, densMAP: false), 200)
        XCTAssertEqual(UMAP.defaultEpochs(points: 10_000, densMAP: true), 700)
        XCTAssertEqual(UMAP.defaultEpochs(points: 70_000, densMAP: true), 400)
        let (x, n, d) = try ReduceFixtures.points()
        var c = UMAP.Configuration()
        c.neighbours = 10
        XCTAssertEqual(try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: CPUBackend()).epochs, 500)
        c.densityLambda = 2
        XCTAssertEqual(try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: CPUBackend()).epochs, 700)
        c.epochs = 60
        XCTAssertEqual(try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: CPUBackend()).epochs, 60)
    }

    /// densMAP's constants and one epoch's radii equal umap-learn's own (`benchmarks/reduce_fixtures.py`): the graph of
    /// a 700-epoch run (exact k-NN, k 10, pruned below max / 700), each point's membership sum `mu_sum`, the standardised
    /// input radii `R`, the total membership `dens_mu_tot` that scales the density gradient, and on a fixed layout each
    /// point's log radius and `phi` sum and their mean, shifted standard deviation and covariance with `R`.
    func testDensMAPConstantsAndEpochStateMatchUmapLearn() throws {
        let (x, n, d) = try ReduceFixtures.points()
        let constants = try ReduceFixtures.doubles("densmap-constants.npy"), epoch = try ReduceFixtures.doubles("densmap-epoch.npy")
        let layout = try ReduceFixtures.array("densmap-layout.npy").floats
        func assertClose(_ ours: [Double], _ theirs: ArraySlice<Double>, relative: Double, _ what: String) {
            XCTAssertEqual(ours.count, theirs.count, what)
            let worst = zip(ours, theirs).map { abs($0 - $1) / max(abs($1), 1) }.max() ?? 0
            XCTAssertLessThan(worst, relative, what)
        }
        var set = FuzzySimplicialSet(graph: try CPUBackend().kNearestNeighbours(x, rows: n, dim: d, k: 10))
        UMAP.prune(&set, below: (set.weights.max() ?? 0) / 700)
        XCTAssertEqual(set.edgeCount, Int(constants[0]), "entries of the pruned graph")
        let density = UMAPDensity(set: set, lambda: 2, fraction: 0.3, varianceShift: 0.1)
        XCTAssertEqual(density.muTotal, constants[1], accuracy: 1e-5 * constants[1], "dens_mu_tot")
        assertClose(density.muSum, constants[2 ..< 2 + n], relative: 1e-5, "mu_sum")
        assertClose(density.radii, constants[2 + n ..< 2 + 2 * n], relative: 1e-4, "R")
        let state = density.epochState(set: set, embedding: layout, dims: 2, curve: UMAPCurve(minDist: 0.1, spread: 1))
        assertClose([state.mean, state.std, state.covariance], epoch[0 ..< 3], relative: 1e-4, "mean, std, covariance of re")
        assertClose(state.logRadius, epoch[3 ..< 3 + n], relative: 1e-4, "re")
        assertClose(state.phiSum, epoch[3 + n ..< 3 + 2 * n], relative: 1e-4, "phi_sum")
    }

    /// densMAP does what it is for: the embedding's local radii correlate with the input's more
    /// than plain UMAP's do (the four blobs have different spreads), and it stays deterministic.
    func testDensMAPPreservesDensity() throws {
        let (x, n, d) = try ReduceFixtures.points()
        let backend = CPUBackend()
        var c = UMAP.Configuration()
        (c.neighbours, c.epochs) = (10, 200)
        let plain = try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: backend)
        c.densityLambda = 2
        let dens = try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: backend)
        XCTAssertEqual(try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: backend).embedding, dens.embedding)
        var set = FuzzySimplicialSet(graph: try backend.kNearestNeighbours(x, rows: n, dim: d, k: 10))
        UMAP.prune(&set, below: (set.weights.max() ?? 0) / 200)
        let density = UMAPDensity(set: set, lambda: 2, fraction: 0.3, varianceShift: 0.1)
        func correlation(_ y: [Float]) -> Double {
            let s = density.epochState(set: set, embedding: y, dims: 2, curve: dens.curve)
            let e = s.logRadius, r = density.radii
            let me = e.reduce(0, +) / Double(n)
            let num = zip(e, r).reduce(0) { $0 + ($1.0 - me) * $1.1 }
            let den = (e.reduce(0) { $0 + ($1 - me) * ($1 - me) } * r.reduce(0) { $0 + $1 * $1 }).squareRoot()
            return num / den
        }
        let (before, after) = (correlation(plain.embedding), correlation(dens.embedding))
        XCTAssertGreaterThan(after, before + 0.1, "radius correlation: UMAP \(before), densMAP \(after)")
    }

    func testBadInputIsOneClearError() throws {
        let (x, n, d) = try ReduceFixtures.points()
        let backend = CPUBackend()
        let cases: [(UMAP.Configuration, String)] = [
            ({ var c = UMAP.Configuration(); c.neighbours = 1; return c }(), "--n-neighbors 1 must be at least 2 and below the number of points (300)"),
            ({ var c = UMAP.Configuration(); c.dims = 0; return c }(), "--dims 0 must be between 1 and 298 for UMAP of 300 x 20 features"),
            ({ var c = UMAP.Configuration(); c.minDist = 2; return c }(), "--min-dist 2.0 must be in [0, --spread 1.0]"),
            ({ var c = UMAP.Configuration(); c.spread = -1; return c }(), "--spread -1.0 must be positive"),
            ({ var c = UMAP.Configuration(); c.epochs = 0; return c }(), "--epochs 0 must be at least 1"),
        ]
        for (c, message) in cases {
            XCTAssertThrowsError(try UMAP.fit(x, rows: n, dim: d, configuration: c, backend: backend)) { XCTAssertEqual("\($0)", message) }
        }
        var bad = x
        bad[47] = .infinity
        XCTAssertThrowsError(try UMAP.fit(bad, rows: n, dim: d, configuration: .init(), backend: backend)) {
            XCTAssertEqual("\($0)", "features hold inf at row 2, column 7; UMAP needs finite values")
        }
    }
}

final class TrustworthinessTests: XCTestCase {
    /// scikit-learn's trustworthiness at k 1, 5, 10, 30; a perfect embedding (the input itself) is 1.
    func testMatchesScikitLearn() throws {
        let (x, n, d) = try ReduceFixtures.points()
        let y = try ReduceFixtures.array("trust-embedding.npy").floats
        let expected = try ReduceFixtures.doubles("trust-values.npy")
        for backend in ReduceFixtures.backends() {
            for (k, value) in zip([1, 5, 10, 30], expected) {
                let t = try Trustworthiness.measure(input: x, dim: d, embedding: y, dims: 2, rows: n, k: k, backend: backend)
                XCTAssertEqual(t.trustworthiness, value, accuracy: 1e-9, "\(backend.name) k \(k)")
                XCTAssertTrue((0 ... 1).contains(t.neighbourPreservation))
            }
            let perfect = try Trustworthiness.measure(input: x, dim: d, embedding: x, dims: d, rows: n, k: 10, backend: backend)
            XCTAssertEqual(perfect.trustworthiness, 1)
            XCTAssertEqual(perfect.neighbourPreservation, 1)
        }
        XCTAssertThrowsError(try Trustworthiness.measure(input: x, dim: d, embedding: y, dims: 2, rows: n, k: 150, backend: CPUBackend()))
    }
}
