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
    /// The k-NN graph it shares with other layouts of the same input (searched once).
    var shared: SharedNeighbours?

    /// Roughly proportional to its time, for starting the longest first: the SGD grows with the
    /// output size, the search with the input's (up to the projection's 64 features).
    var cost: Double { Double(dims + 12) + Double(min(input.dim, 64)) / 4 }
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
    /// The UMAP layouts are computed last, two at a time (`umaps`); those of the pixels are then put
    /// back after NMF, so the order of the sets (and of the results) is the one above.
    func runFeatures() throws {
        let images = try clustered.get()
        let (x, n, d) = (images.images, images.count, images.pixelsPerImage)
        let raw = FeatureSet(name: "raw pixels", values: x, rows: n, dim: d, key: imagesKey.with("raw"))
        features = [raw]
        current.cached += 1
        for c in profile.components { attempt("PCA-\(c)") { try add(pca(raw, components: c, name: "PCA-\(c)")) } }
        for c in profile.components { attempt("NMF-\(c)") { try add(nmf(raw, components: c)) } }
        let pixelLayoutsAt = features.count
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
                layouts.append(UMAPRequest(input: codes, dims: 10, name: "dense-AE-\(latent) → UMAP-10 (N2D)", neighbours: 20, minDist: 0))
            }
        }
        // The views' 2-D layouts run here too, so both cores stay busy to the end of the longest
        // layout; the views stage takes them from the cache.
        let views = viewLayouts(pixelGraph: pixelGraph)
        let computed = umaps(layouts + views).dropLast(views.count)
        let pixelLayouts = profile.components.count
        features += computed.dropFirst(pixelLayouts).compactMap { $0 }
        features.insert(contentsOf: computed.prefix(pixelLayouts).compactMap { $0 }, at: pixelLayoutsAt)
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

    private func nmf(_ input: FeatureSet, components: Int) throws -> FeatureSet {
        var c = NMF.Configuration(components: components)
        (c.maxIterations, c.seed) = (profile.nmfIterations, settings.seed)
        return try derived("NMF-\(components)", input.key.with("nmf \(components) nndsvda cd iter \(c.maxIterations) tol \(c.tolerance)")) {
            progress.start("features: NMF-\(components)", total: c.maxIterations, unit: "iterations")
            let result = try NMF.fit(input.values, rows: input.rows, dim: input.dim, configuration: c, backend: backend) { done, _ in
                self.progress.update(done)
            }
            return (result.w, input.rows, components)
        }
    }

    /// Computes the layouts two at a time on the CPU backend (umap-learn's sequential optimisation
    /// keeps one core busy, so a second layout uses the other), one at a time elsewhere, the
    /// costliest first (`UMAPRequest.cost`). Each layout is exactly the one computed alone: its own
    /// seed and start; a shared k-NN graph is the one its own search would find. Only the first
    /// lane draws progress. Returns one set per request, in their order (nil where it failed), and
    /// records each one's seconds, failure and cache use for the stage, as `attempt` does.
    func umaps(_ requests: [UMAPRequest]) -> [FeatureSet?] {
        let lanes = B.self == CPUBackend.self ? min(2, ProcessInfo.processInfo.activeProcessorCount) : 1
        var results = [(Result<(FeatureSet, Bool), Error>, Double)?](repeating: nil, count: requests.count)
        let order = requests.indices.sorted { (requests[$0].cost, -$0) > (requests[$1].cost, -$1) }
        let lock = NSLock()
        var next = 0
        DispatchQueue.concurrentPerform(iterations: min(lanes, max(1, requests.count))) { lane in
            while true {
                let taken: Int = lock.withLock { defer { next += 1 }; return next }
                guard taken < requests.count else { return }
                let i = order[taken]
                let start = Date()
                let result = Result { try layout(requests[i], reporting: lane == 0) }
                lock.withLock { results[i] = (result, Date().timeIntervalSince(start)) }
            }
        }
        return zip(requests, results).map { request, outcome in
            let (result, seconds) = outcome!
            current.artefacts = (current.artefacts ?? []) + [ArtefactTiming(name: request.name, seconds: seconds)]
            switch result {
            case .success(let (set, hit)):
                count(hit: hit)
                return set
            case .failure(let error):
                current.failures.append("\(request.name): \(error)")
                return nil
            }
        }
    }

    /// One cached UMAP layout (umap-learn's defaults unless the request says otherwise) and
    /// whether it came from the cache.
    private func layout(_ r: UMAPRequest, reporting: Bool) throws -> (FeatureSet, Bool) {
        var c = UMAP.Configuration()
        (c.dims, c.seed, c.neighbours, c.minDist) = (r.dims, settings.seed, r.neighbours, r.minDist)
        let key = r.input.key.with("umap \(r.dims) k \(c.neighbours) min-dist \(c.minDist) seed \(settings.seed) sgd \(c.updates.rawValue)")
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
