import Backend
import Cluster
import Dataset
import DeepCluster
import Foundation
import Models

/// One clustering method as the study runs it on a feature set.
struct ClusteringPlan {
    var method: String
    var parameters: String
    var fit: (FeatureSet) throws -> [Int64]
}

extension Study {
    /// k-means, Ward, HDBSCAN and a Gaussian mixture on every feature set (Ward and HDBSCAN only up to
    /// `hierarchicalMaxDim` dimensions); DBSCAN on the CNN features (seed 001) and on UMAP-10;
    /// single, complete and average linkage on the smallest conv-AE codes (seed 002); IDEC fine-tuning
    /// of the smallest dense autoencoder (internal scores on its pretrained codes; issue 15). k = 10.
    func runClustering() throws {
        let truth = try self.truth
        let smallestAE = profile.latents.min().map { "conv-AE-\($0)" }
        progress.start("clustering", total: features.count, unit: "feature sets")
        for (i, set) in features.enumerated() {
            var plans = [kMeansPlan, gmmPlan(dim: set.dim)]
            if set.dim <= profile.hierarchicalMaxDim { plans.insert(contentsOf: [linkagePlan(.ward), hdbscanPlan(points: set.rows)], at: 1) }
            if set.name == "CNN fc1" || set.name == "UMAP-10" { plans.append(dbscanPlan) }
            if set.name == smallestAE && set.rows <= profile.linkageMaxPoints { plans += [linkagePlan(.single), linkagePlan(.complete), linkagePlan(.average)] }
            if let latent = profile.latents.min(), set.name == "dense-AE-\(latent)" { plans.append(selfTrainingPlan(latent: latent)) }
            for plan in plans {
                progress.update(i, detail: "\(set.name) + \(plan.method)")
                attempt("\(set.name) + \(plan.method)") { try cluster(set, plan, truth: truth) }
            }
        }
        progress.finish()
    }

    private var kMeansPlan: ClusteringPlan {
        ClusteringPlan(method: "K-means", parameters: "k 10, k-means++, n_init 1, seed \(settings.seed)") { [unowned self] set in
            var c = KMeans.Configuration()
            (c.k, c.seed) = (10, settings.seed)
            return try KMeans.fit(set.values, rows: set.rows, dim: set.dim, configuration: c, backend: backend).labels.map(Int64.init)
        }
    }

    /// Full covariances up to 32 dimensions, diagonal above (a full 784 x 784 covariance per
    /// component is slow and singular on pixels that are always 0).
    private func gmmPlan(dim: Int) -> ClusteringPlan {
        let covariance: GaussianMixture.CovarianceType = dim <= 32 ? .full : .diag
        return ClusteringPlan(method: "GMM", parameters: "k 10, \(covariance.rawValue) covariance, seed \(settings.seed)") { [unowned self] set in
            var c = GaussianMixture.Configuration()
            (c.components, c.covariance, c.seed) = (10, covariance, settings.seed)
            let model = try GaussianMixture.fit(set.values, rows: set.rows, dim: set.dim, configuration: c, backend: backend)
            return model.predict(set.values, rows: set.rows).map(Int64.init)
        }
    }

    func linkagePlan(_ linkage: Agglomerative.Linkage) -> ClusteringPlan {
        let name = linkage == .ward ? "Ward" : linkage.rawValue.prefix(1).uppercased() + linkage.rawValue.dropFirst() + " linkage"
        return ClusteringPlan(method: name, parameters: "k 10") { set in
            try Agglomerative.tree(set.values, rows: set.rows, dim: set.dim, linkage: linkage).labels(clusters: 10)
        }
    }

    /// min_cluster_size n / 350 (200 at 70,000 images, the size the seeds' HDBSCAN used), at least 10;
    /// min_samples as min_cluster_size (scikit-learn's default).
    private func hdbscanPlan(points n: Int) -> ClusteringPlan {
        let size = max(10, n / 350)
        return ClusteringPlan(method: "HDBSCAN", parameters: "min_cluster_size \(size)") { [unowned self] set in
            var c = HDBSCAN.Configuration()
            c.minClusterSize = size
            return try HDBSCAN.fit(set.values, rows: set.rows, dim: set.dim, configuration: c, backend: backend).labels
        }
    }

    /// IDEC (Guo et al. 2017) from a copy of the study's dense autoencoder: centroids from K-means on
    /// its codes (20 restarts), then `profile.selfTrainingIterations` batches of reconstruction +
    /// 0.1 KL self-training on the clustered images (the trained model itself is left as it is).
    private func selfTrainingPlan(latent: Int) -> ClusteringPlan {
        var c = DeepClustering.Configuration()
        (c.method, c.seed, c.selfTraining.maxIterations) = (.idec, settings.seed, profile.selfTrainingIterations)
        let s = c.selfTraining
        let parameters = "IDEC: k 10, K-means start (\(c.kMeansRestarts) restarts), gamma \(s.gamma), Adam lr 0.001, batch \(s.batchSize), "
            + "target every \(s.updateInterval) batches, tol \(s.tolerance), at most \(s.maxIterations) batches, seed \(settings.seed)"
        return ClusteringPlan(method: "IDEC", parameters: parameters) { [unowned self] _ in
            guard let plan = modelPlans.first(where: { $0.architecture == .denseAutoencoder(latent: latent) }) else { return [] }
            let copy = try network(plan).copy(seed: settings.seed)
            return try DeepClustering.run(images: try clustered.get(), network: copy, configuration: c, backend: backend).result.labels.map(Int64.init)
        }
    }

    /// min_samples 10 and eps the median distance of a point to its 10th nearest neighbour (a
    /// label-free choice: half the points are core points).
    private var dbscanPlan: ClusteringPlan {
        ClusteringPlan(method: "DBSCAN", parameters: "min_samples 10, eps median 10-NN distance") { [unowned self] set in
            let eps = try medianNeighbourDistance(set, k: 10)
            return try DBSCAN.fit(set.values, rows: set.rows, dim: set.dim, configuration: .init(eps: eps, minSamples: 10), backend: backend).labels
        }
    }

    /// The median over points of the distance to the k-th nearest neighbour (the point itself is the
    /// first, as scikit-learn's min_samples counts it).
    func medianNeighbourDistance(_ set: FeatureSet, k: Int) throws -> Double {
        let graph = try backend.kNearestNeighbours(set.values, rows: set.rows, dim: set.dim, k: k)
        var last = (0 ..< set.rows).map { Double(graph.distances[$0 * k + k - 1]) }
        last.sort()
        return last[last.count / 2]
    }

    /// Fits `plan` on `set` (or takes its labels and scores from the cache) and adds the row.
    private func cluster(_ set: FeatureSet, _ plan: ClusteringPlan, truth: [Int64]) throws {
        let key = set.key.with("cluster \(plan.method) \(plan.parameters)")
        let name = "\(set.name) \(plan.method)"
        var labelsHit = false, rowHit = false
        var labels: [Int64] = []
        // The row's key also names how it was scored, so rows scored before a change of definition
        // are recomputed from their cached labels.
        var row = try cache.record("row-\(name)", key.with("scores: silhouette within the sample"), hit: &rowHit) { () -> ResultRow in
            var row = ResultRow(features: set.name, supervised: set.supervised, dims: set.dim, method: plan.method, parameters: plan.parameters)
            PeakMemory.reset()
            let baseline = PeakMemory.residentBytes()
            let start = Date()
            labels = try cache.labels("labels-\(name)", key, hit: &labelsHit) { try plan.fit(set) }
            if !labelsHit {
                row.seconds = Date().timeIntervalSince(start)
                if let peak = PeakMemory.peakBytes(), let baseline { row.peakMemoryMB = Double(max(0, peak - baseline)) / 1_048_576 }
            }
            try score(&row, labels: labels, truth: truth, set: set)
            return row
        }
        if rowHit { labels = try cache.labels("labels-\(name)", key, hit: &labelsHit) { try plan.fit(set) } }
        count(hit: rowHit)
        row.error = nil
        record.rows.removeAll { $0.pipeline == row.pipeline }
        record.rows.append(row)
        clusterings[row.pipeline] = labels
    }

    /// External scores against the classes; internal scores on the features of the points that are
    /// not noise (silhouette on a seeded sample of the profile's size, scored within the sample as
    /// scikit-learn's `sample_size`; none when the sample holds a single cluster).
    private func score(_ row: inout ResultRow, labels: [Int64], truth: [Int64], set: FeatureSet) throws {
        let m = ExternalMetrics(truth: truth, predicted: labels)
        (row.ari, row.ami, row.nmi, row.accuracy, row.purity) = (m.ari, m.ami, m.nmi, m.accuracy, m.purity)
        (row.vMeasure, row.fowlkesMallows) = (m.vMeasure, m.fowlkesMallows)
        let kept = labels.indices.filter { labels[$0] >= 0 }
        row.noiseFraction = 1 - Double(kept.count) / Double(max(1, labels.count))
        let ids = Set(kept.map { labels[$0] })
        row.clusters = ids.count
        guard ids.count >= 2, ids.count < kept.count else { return }
        var x = set.values, keptLabels = labels
        if kept.count < labels.count {
            x = kept.flatMap { set.values[($0 * set.dim) ..< (($0 + 1) * set.dim)] }
            keptLabels = kept.map { labels[$0] }
        }
        let n = kept.count
        do {
            row.silhouette = try InternalMetrics.silhouette(x, rows: n, dim: set.dim, labels: keptLabels, backend: backend,
                                                            sample: min(n, profile.silhouetteSample), seed: settings.seed)
        } catch BackendError.invalidArgument(_) {
            row.silhouette = nil // the sample holds a single cluster: undefined, as in scikit-learn
        }
        row.calinskiHarabasz = InternalMetrics.calinskiHarabasz(x, rows: n, dim: set.dim, labels: keptLabels)
        row.daviesBouldin = InternalMetrics.daviesBouldin(x, rows: n, dim: set.dim, labels: keptLabels)
    }
}
