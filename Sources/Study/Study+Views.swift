import Cluster
import Dataset
import Foundation
import Imaging
import Reduce

/// Elbow and silhouette values of K-means for one k.
struct ElbowPoint: Codable {
    var k: Int, inertia: Double, silhouette: Double
}

extension Study {
    /// 2-D views (PCA, t-SNE of PCA-50, UMAP) of the raw pixels and the CNN features coloured by class,
    /// the UMAP views also by K-means and DBSCAN labels (noise left out, as seed 001); elbow and
    /// silhouette curves of K-means for k in the profile's range and ward / complete / single
    /// dendrograms of a sample (seed 002), both on the features of the best K-means row.
    func runViews() throws {
        let truth = try clustered.get().labels.map(Int.init)
        let viewed = ["raw pixels", "CNN fc1"].compactMap { name in features.first { $0.name == name } }
        // Both UMAP layouts first, side by side (`umaps`; normally from the cache, the features stage
        // computes them beside its own); the loop below draws them.
        let layouts = umaps(viewLayouts(pixelGraph: viewed.first.map { sharedNeighbours($0) }))
        let umapViews = Dictionary(uniqueKeysWithValues: zip(viewed.map(\.name), layouts).compactMap { name, set in set.map { (name, $0) } })
        for name in ["raw pixels", "CNN fc1"] {
            guard let set = features.first(where: { $0.name == name }) else {
                current.failures.append("views of \(name): the feature set is missing (see the features stage)")
                continue
            }
            for method in ["PCA", "t-SNE", "UMAP"] {
                attempt("\(method)-2 of \(name)") {
                    guard let view = try method == "UMAP" ? umapViews[name] : embed2D(set, method: method) else { return }
                    let slug = "view-\(method.lowercased())-\(name == "raw pixels" ? "raw" : "cnn")"
                    scatter(slug, view: view, labels: truth, names: FashionMNIST.classNames,
                            title: "\(method)-2 of the \(name), coloured by class", caption: "\(view.rows) images; each colour is a true class.")
                    guard method == "UMAP" else { return }
                    for clustering in ["K-means", "DBSCAN"] {
                        guard let labels = clusterings["\(name) + \(clustering)"] else { continue }
                        let noise = labels.filter { $0 < 0 }.count
                        scatter("\(slug)-\(clustering.lowercased())", view: view, labels: labels.map(Int.init), names: [], hideNoise: true,
                                title: "UMAP-2 of the \(name), coloured by \(clustering) on the \(name)",
                                caption: "Colours are \(clustering) clusters of the \(name) (not of this 2-D view)"
                                    + (noise > 0 ? "; \(noise) noise points left out." : "."))
                    }
                }
            }
        }
        let kMeansRows = ResultsTable.ranked(record.rows).filter { $0.method == "K-means" && $0.ami != nil }
        guard let best = kMeansRows.first, let set = features.first(where: { $0.name == best.features }) else { return }
        attempt("elbow on \(set.name)") { try elbow(set) }
        attempt("dendrograms on \(set.name)") { try dendrograms(set) }
    }

    /// A cached 2-D embedding: PCA, or t-SNE of the PCA-50 projection (`tsneInput`; normally from
    /// the cache, the features stage computes it beside its other jobs).
    private func embed2D(_ set: FeatureSet, method: String) throws -> FeatureSet {
        switch method {
        case "PCA": return try pca(set, components: 2, name: "\(set.name) PCA-2")
        default:
            let (input, key, c) = try tsneInput(set)
            return try derived("\(set.name) t-SNE-2", key) { try tsne(input, c, name: set.name, reporting: true) }
        }
    }

    private func scatter(_ slug: String, view: FeatureSet, labels: [Int], names: [String], hideNoise: Bool = false, title: String, caption: String) {
        figure(slug, section: "views", title: title, caption: caption) {
            var chart = ScatterChart(title: title, points: view.values, labels: labels, names: names)
            chart.showNoise = !hideNoise
            return try chart.cairoPNG()
        }
    }

    /// K-means inertia and sampled silhouette for each k of the profile's range (cached as one record).
    private func elbow(_ set: FeatureSet) throws {
        let range = profile.elbowRange
        var hit = false
        let points = try cache.record("elbow-\(set.name)", set.key.with("elbow \(range) seed \(settings.seed) sample \(profile.silhouetteSample) within"),
                                      hit: &hit) { () -> [ElbowPoint] in
            progress.start("views: elbow on \(set.name)", total: range.count, unit: "k")
            return try range.map { k in
                var c = KMeans.Configuration()
                (c.k, c.seed) = (k, settings.seed)
                let result = try KMeans.fit(set.values, rows: set.rows, dim: set.dim, configuration: c, backend: backend)
                let s = try InternalMetrics.silhouette(set.values, rows: set.rows, dim: set.dim, labels: result.labels.map(Int64.init),
                                                       backend: backend, sample: min(set.rows, profile.silhouetteSample), seed: settings.seed)
                progress.update(k - range.lowerBound + 1)
                return ElbowPoint(k: k, inertia: result.inertia, silhouette: s)
            }
        }
        count(hit: hit)
        let best = points.max { $0.silhouette < $1.silhouette }!
        figure("elbow", section: "views", title: "Elbow: K-means inertia against k on the \(set.name)",
               caption: "Seed 002's elbow method on the features of the best K-means row; the curve bends without a sharp elbow.") {
            try LineChart(title: "K-means inertia, \(set.name)", xLabel: "k", points: points.map { ($0.k, $0.inertia) }).cairoPNG()
        }
        figure("silhouette", section: "views", title: "Silhouette against k on the \(set.name)",
               caption: String(format: "Mean silhouette on %d sampled points; highest at k = %d (%.3f). The classes number 10.",
                               min(set.rows, profile.silhouetteSample), best.k, best.silhouette)) {
            var chart = LineChart(title: "Silhouette, \(set.name)", xLabel: "k", points: points.map { ($0.k, $0.silhouette) })
            chart.color = RGB.categorical[1]
            return try chart.cairoPNG()
        }
    }

    /// Ward, complete and single linkage dendrograms of a seeded sample, truncated to 30 leaves
    /// captioned with their majority class.
    private func dendrograms(_ set: FeatureSet) throws {
        let truth = try self.truth
        var rng = SplitMix64(seed: settings.seed ^ 0xDE4D)
        var order = Array(0 ..< set.rows)
        rng.shuffle(&order)
        let sample = Array(order.prefix(min(set.rows, profile.dendrogramSample))).sorted()
        let x = sample.flatMap { set.values[($0 * set.dim) ..< (($0 + 1) * set.dim)] }
        for linkage in [Agglomerative.Linkage.ward, .complete, .single] {
            let tree = try Agglomerative.tree(x, rows: sample.count, dim: set.dim, linkage: linkage)
            current.computed += 1
            figure("dendrogram-\(linkage.rawValue)", section: "views", title: "\(linkage.rawValue.capitalized) linkage dendrogram of the \(set.name)",
                   caption: "\(sample.count) randomly drawn images, the tree cut to its last 30 clusters, each captioned with its majority class.") {
                try Dendrograms.chart(tree, title: "\(linkage.rawValue) linkage, \(sample.count) images of the \(set.name)", leaves: 30,
                                      classes: sample.map { truth[$0] }).cairoPNG()
            }
        }
    }
}
