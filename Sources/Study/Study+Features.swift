import Backend
import Dataset
import Foundation
import Models
import Reduce

/// A representation of the clustered images: `[rows, dim]` floats and the key it was made under.
public struct FeatureSet: Sendable {
    public var name: String
    public var values: [Float]
    public var rows: Int
    public var dim: Int
    public var key: ArtefactKey
    /// Learned with the labels (the CNN's features and what is derived from them).
    public var supervised = false
}

/// A UMAP layout the study asks for: of `input`, into `dims`, named `name` in the results.
struct UMAPRequest {
    var input: FeatureSet
    var dims: Int
    var name: String
    var neighbours = 15
    var minDist = 0.1
    /// The gradient steps' order (`UMAP.Updates`): `auto`, except N2D's row, which takes the
    /// sequential order as `deep-cluster --method n2d` does (`DeepClustering.Configuration.umapUpdates`).
    var updates = UMAP.Updates.auto
    /// The k-NN graph it shares with other layouts of the same input (searched once).
    var shared: SharedNeighbours?

    /// Rough seconds on two cores at 70,000 points (measured: 2-D 28-36 s, 10-D 28-39, 20-D 61,
    /// 80-D 141), for starting the longest jobs first.
    var cost: Double { (25 + 1.4 * Double(dims)) * Double(input.rows) / 70_000 }
}

/// A job of the features stage that `lanes` may run beside another: it computes (or takes from the
/// cache) one matrix and reports only when asked to (`reporting`), touching no other state.
struct LaneJob {
    var name: String
    /// Rough seconds, for starting the longest first.
    var cost: Double
    var run: (_ reporting: Bool) throws -> (FeatureSet, hit: Bool)
}

/// A k-NN graph computed once, by whichever layout asks first (the others wait for it), and then
/// handed to every layout that shares it; the layouts are the ones computed alone.
final class SharedNeighbours: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<UMAP.Neighbours, Error>?
    private let search: () throws -> UMAP.Neighbours

    init(_ search: @escaping () throws -> UMAP.Neighbours) { self.search = search }

    func get() throws -> UMAP.Neighbours {
        try lock.withLock {
            if value == nil { value = Result { try search() } }
            return try value!.get()
        }
    }
}

extension ModelPlan {
    /// The name of the features the model gives: its bottleneck codes or the CNN's fc1.
    var featureName: String {
        switch architecture {
        case .convAutoencoder(let l): return "conv-AE-\(l)"
        case .denseAutoencoder(let l): return "dense-AE-\(l)"
        case .n2dAutoencoder(let l): return "N2D-AE-\(l)"
        default: return "CNN fc1"
        }
    }
}

extension Study {
    /// The feature sets of seeds 001, 003 and 004: raw pixels; PCA, NMF and UMAP of the pixels at
    /// each of the profile's sizes; the conv and dense autoencoders' codes; the CNN's fc1 features
    /// and PCA-10 of them (seed 003); UMAP-10 of the smallest autoencoders' codes with umap-learn's
    /// defaults, and with N2D's settings (McConville et al. 2020: 20 neighbours, min-dist 0).
    ///
    /// NMF and the UMAP layouts are computed last, two at a time with the views' 2-D layouts
    /// (`lanes`); NMF and the pixels' layouts are then put back after PCA, so the order of the sets
    /// (and of the results) is the one above.
    func runFeatures() throws {
        let images = try clustered.get()
        let (x, n, d) = (images.images, images.count, images.pixelsPerImage)
        let raw = FeatureSet(name: "raw pixels", values: x, rows: n, dim: d, key: imagesKey.with("raw"))
        features = [raw]
        current.cached += 1
        for c in profile.components { attempt("PCA-\(c)") { try add(pca(raw, components: c, name: "PCA-\(c)")) } }
        let nmfAt = features.count
        let pixelGraph = sharedNeighbours(raw)
        var layouts = profile.components.map { UMAPRequest(input: raw, dims: $0, name: "UMAP-\($0)", shared: pixelGraph) }
        for plan in modelPlans where plan.architecture.isAutoencoder || plan.name == "cnn" {
            attempt("\(plan.name) features") { try add(encode(plan)) }
        }
        if let cnn = features.first(where: { $0.name == "CNN fc1" }) {
            attempt("CNN fc1 -> PCA-10") {
                var reduced = try pca(cnn, components: 10, name: "CNN fc1 → PCA-10")
                reduced.supervised = true
                add(reduced)
            }
        }
        if let latent = profile.latents.min() {
            for ae in ["conv-AE-\(latent)", "dense-AE-\(latent)"] {
                guard let codes = features.first(where: { $0.name == ae }) else { continue }
                layouts.append(UMAPRequest(input: codes, dims: 10, name: "\(ae) → UMAP-10"))
            }
            // N2D (McConville et al. 2020): the dense autoencoder's codes, UMAP with 20 neighbours and
            // min-dist 0 into as many dimensions as clusters; the clustering stage adds its GMM.
            if let codes = features.first(where: { $0.name == "dense-AE-\(latent)" }) {
                layouts.append(UMAPRequest(input: codes, dims: 10, name: "dense-AE-\(latent) → UMAP-10 (N2D)", neighbours: 20, minDist: 0,
                                          updates: .sequential))
            }
        }
        // NMF and the UMAP layouts two at a time, the longest first; the views' 2-D layouts (UMAP and
        // t-SNE) join them, so both cores stay busy to the end of the longest job, and the views stage
        // takes them from the cache.
        let nmfJobs = profile.components.map { nmfJob(raw, components: $0) }
        let layoutJobs = (layouts + viewLayouts(pixelGraph: pixelGraph)).map(layoutJob)
        let viewJobs = (try? viewTSNEJobs()) ?? [] // without them the views stage computes (or reports) them
        let computed = lanes(nmfJobs + layoutJobs + viewJobs)
        let nmfSets = computed.prefix(nmfJobs.count).compactMap { $0 }
        let layoutSets = Array(computed.dropFirst(nmfJobs.count).prefix(layouts.count))
        let pixelLayouts = profile.components.count
        features += layoutSets.dropFirst(pixelLayouts).compactMap { $0 }
        features.insert(contentsOf: nmfSets + layoutSets.prefix(pixelLayouts).compactMap { $0 }, at: nmfAt)
    }

    private func add(_ set: FeatureSet) { features.append(set) }

    /// The raw pixels' (or any set's) k-NN graph with umap-learn's 15 neighbours, searched once for
    /// every layout of it that asks.
    func sharedNeighbours(_ set: FeatureSet) -> SharedNeighbours {
        SharedNeighbours { [unowned self] in
            var c = UMAP.Configuration()
            c.seed = settings.seed
            return try UMAP.neighbours(set.values, rows: set.rows, dim: set.dim, configuration: c, backend: backend)
        }
    }

    /// The views' UMAP-2 layouts of the raw pixels and of the CNN features.
    func viewLayouts(pixelGraph: SharedNeighbours?) -> [UMAPRequest] {
        ["raw pixels", "CNN fc1"].compactMap { name in features.first { $0.name == name } }.map {
            UMAPRequest(input: $0, dims: 2, name: "\($0.name) UMAP-2", shared: $0.name == "raw pixels" ? pixelGraph : nil)
        }
    }

    /// A cached matrix computed from `input` under `key`, counted for the stage.
    func derived(_ name: String, _ key: ArtefactKey, _ compute: () throws -> (values: [Float], rows: Int, dim: Int)) throws -> FeatureSet {
        var hit = false
        let m = try cache.matrix("features-\(name)", key, hit: &hit, compute: compute)
        count(hit: hit)
        return FeatureSet(name: name, values: m.values, rows: m.rows, dim: m.dim, key: key)
    }

    func pca(_ input: FeatureSet, components: Int, name: String) throws -> FeatureSet {
        try derived(name, input.key.with("pca \(components) exact seed \(settings.seed)")) {
            progress.start("features: \(name)", total: nil)
            var c = PCA.Configuration(components: components)
            c.seed = settings.seed
            let (_, y) = try PCA.fit(input.values, rows: input.rows, dim: input.dim, configuration: c, backend: backend)
            return (y, input.rows, components)
        }
    }

    /// NMF of `input` (scikit-learn's defaults but the profile's iteration cap) as a lane job.
    private func nmfJob(_ input: FeatureSet, components: Int) -> LaneJob {
        var c = NMF.Configuration(components: components)
        (c.maxIterations, c.seed) = (profile.nmfIterations, settings.seed)
        let name = "NMF-\(components)", key = input.key.with("nmf \(components) nndsvda cd iter \(c.maxIterations) tol \(c.tolerance)")
        let cost = (0.5 + 0.75 * Double(components)) * Double(input.rows) / 70_000 * Double(c.maxIterations) / 200
        return LaneJob(name: name, cost: cost) { [unowned self] reporting in
            var hit = false
            let m = try cache.matrix("features-\(name)", key, hit: &hit) {
                if reporting { progress.start("features: \(name)", total: c.maxIterations, unit: "iterations") }
                let result = try NMF.fit(input.values, rows: input.rows, dim: input.dim, configuration: c, backend: backend) { done, _ in
                    if reporting { self.progress.update(done) }
                }
                return (result.w, input.rows, components)
            }
            return (FeatureSet(name: name, values: m.values, rows: m.rows, dim: m.dim, key: key), hit)
        }
    }

    /// The views' t-SNE-2 layouts of the raw pixels and the CNN features (of their PCA-50, computed
    /// here first) as lane jobs.
    private func viewTSNEJobs() throws -> [LaneJob] {
        try ["raw pixels", "CNN fc1"].compactMap { name in features.first { $0.name == name } }.map { set in
            let (input, key, c) = try tsneInput(set)
            let name = "\(set.name) t-SNE-2"
            return LaneJob(name: name, cost: 45 * Double(set.rows) / 70_000 * Double(c.iterations) / 750) { [unowned self] reporting in
                var hit = false
                let m = try cache.matrix("features-\(name)", key, hit: &hit) { try tsne(input, c, name: set.name, reporting: reporting) }
                return (FeatureSet(name: name, values: m.values, rows: m.rows, dim: m.dim, key: key), hit)
            }
        }
    }

    /// What a view's t-SNE runs on: PCA-50 of `set` above 50 features (the usual practice, and
    /// scikit-learn's advice for dense data), its cache key and settings.
    func tsneInput(_ set: FeatureSet) throws -> (FeatureSet, ArtefactKey, TSNE.Configuration) {
        let input = set.dim > 50 ? try pca(set, components: 50, name: "\(set.name) PCA-50") : set
        var c = TSNE.Configuration()
        (c.seed, c.iterations) = (settings.seed, profile.tsneIterations)
        return (input, input.key.with("tsne perplexity \(c.perplexity) iterations \(c.iterations) seed \(c.seed)"), c)
    }

    func tsne(_ input: FeatureSet, _ c: TSNE.Configuration, name: String, reporting: Bool) throws -> (values: [Float], rows: Int, dim: Int) {
        let result = try TSNE.fit(input.values, rows: input.rows, dim: input.dim, configuration: c, backend: backend) { phase, done, total in
            guard reporting else { return }
            self.progress.update(phase: phase, prefix: "t-SNE of \(name) ", done: done, total: total, unit: phase == "k-NN" ? "rows" : "iterations")
        }
        return (result.embedding, input.rows, 2)
    }

    /// Computes the layouts as `lanes` does.
    func umaps(_ requests: [UMAPRequest]) -> [FeatureSet?] { lanes(requests.map(layoutJob)) }

    /// Runs the jobs two at a time on the CPU backend (NMF, t-SNE and UMAP's serial phases — its
    /// graph, its spectral start — do not fill both cores, so a second job uses what is left), one at a time
    /// elsewhere, the costliest first (`LaneJob.cost`). Each result is exactly the one computed
    /// alone: its own seed and start; a shared k-NN graph is the one its own search would find. Only
    /// the first lane draws progress. Returns one set per job, in their order (nil where it failed),
    /// and records each one's seconds, failure and cache use for the stage, as `attempt` does.
    func lanes(_ jobs: [LaneJob]) -> [FeatureSet?] {
        let lanes = B.self == CPUBackend.self ? min(2, CPUThreads.count) : 1
        var results = [(Result<(FeatureSet, hit: Bool), Error>, Double)?](repeating: nil, count: jobs.count)
        let order = jobs.indices.sorted { (jobs[$0].cost, -$0) > (jobs[$1].cost, -$1) }
        let lock = NSLock()
        var next = 0
        DispatchQueue.concurrentPerform(iterations: min(lanes, max(1, jobs.count))) { lane in
            while true {
                let taken: Int = lock.withLock { defer { next += 1 }; return next }
                guard taken < jobs.count else { return }
                let i = order[taken]
                let start = Date()
                let result = Result { try jobs[i].run(lane == 0) }
                lock.withLock { results[i] = (result, Date().timeIntervalSince(start)) }
            }
        }
        return zip(jobs, results).map { job, outcome in
            let (result, seconds) = outcome!
            current.artefacts = (current.artefacts ?? []) + [ArtefactTiming(name: job.name, seconds: seconds)]
            switch result {
            case .success(let (set, hit)):
                count(hit: hit)
                return set
            case .failure(let error):
                current.failures.append("\(job.name): \(error)")
                return nil
            }
        }
    }

    /// A UMAP layout as a lane job.
    func layoutJob(_ r: UMAPRequest) -> LaneJob {
        LaneJob(name: r.name, cost: r.cost) { [unowned self] reporting in try layout(r, reporting: reporting) }
    }

    /// One cached UMAP layout (umap-learn's defaults unless the request says otherwise) and
    /// whether it came from the cache.
    private func layout(_ r: UMAPRequest, reporting: Bool) throws -> (FeatureSet, Bool) {
        var c = UMAP.Configuration()
        (c.dims, c.seed, c.neighbours, c.minDist, c.updates) = (r.dims, settings.seed, r.neighbours, r.minDist, r.updates)
        let key = r.input.key.with("umap \(r.dims) k \(c.neighbours) min-dist \(c.minDist) seed \(settings.seed) sgd \(c.updates.resolved(backend: backend, dims: c.dims, densityLambda: c.densityLambda).rawValue)")
        var hit = false
        let m = try cache.matrix("features-\(r.name)", key, hit: &hit) {
            let given = try r.shared?.get()
            let result = try UMAP.fit(r.input.values, rows: r.input.rows, dim: r.input.dim, configuration: c, backend: backend,
                                      neighbours: given) { phase, done, total in
                guard reporting else { return }
                self.progress.update(phase: phase, prefix: "features: \(r.name) ", done: done, total: total, unit: phase == "k-NN" ? "rows" : "epochs")
            }
            return (result.embedding, r.input.rows, r.dims)
        }
        return (FeatureSet(name: r.name, values: m.values, rows: m.rows, dim: m.dim, key: key), hit)
    }

    /// A model's features of the clustered images: the autoencoder's bottleneck or the CNN's fc1.
    private func encode(_ plan: ModelPlan) throws -> FeatureSet {
        let name = plan.featureName
        let images = try clustered.get()
        var set = try derived(name, imagesKey.with(try modelKey(plan)).with("encode")) {
            let network = try self.network(plan)
            progress.start("features: \(name)", total: images.count, unit: "images")
            let codes = try network.infer(images.images, count: images.count, through: network.featureLayer) { self.progress.update($0) }
            return (codes, images.count, codes.count / max(1, images.count))
        }
        set.supervised = !plan.architecture.isAutoencoder
        return set
    }
}
