import ArgumentParser
import Backend
import Cluster
import Dataset
import Foundation
import Progress

/// `fmnist cluster`: clusters features (a .npy file or a split's raw pixels), or combines label files by consensus, and
/// writes the labels.
struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Cluster features or raw pixels, or combine label files by consensus; writes int64 labels (.npy, -1 for noise), "
            + "with metrics when the truth is known.")

    enum Method: String, CaseIterable, ExpressibleByArgument {
        case kmeans, minibatchKMeans = "minibatch-kmeans", dbscan, hdbscan, optics, ward, single, complete, average, gmm, consensus
        var linkage: Agglomerative.Linkage? { Agglomerative.Linkage(rawValue: rawValue) }
    }

    @Option(name: .customLong("method"), help: "Clustering method (default: kmeans, or the one --linkage names); consensus combines --partition files.")
    var methodOption: Method?

    /// The method: `--method`, else the one `--linkage ward|single|complete|average` names, else K-means.
    var method: Method { methodOption ?? linkage.flatMap { Method(rawValue: $0) } ?? .kmeans }

    @Option(help: "Features as .npy, float32 or float64 [N, D].")
    var input: String?

    @Option(name: .customLong("partition"),
            help: "Consensus: a partition of the same N points (labels .npy or .csv, as `cluster` and `deep-cluster` write them); give two or more. They are combined by K-means on their concatenated one-hot labels (Topchy, Jain and Punch 2005), as `deep-cluster --n2d-runs` combines its runs.")
    var partitions: [String] = []

    @Option(help: "Cluster a split instead: train, val, test or all (training then test images, file order).")
    var split: ModelInput.Split?

    @Option(help: "With --split: which features (raw: the 784 pixels).")
    var features: String = "raw"

    @Option(name: [.customLong("k"), .customLong("n-clusters"), .customLong("n-components")],
            help: "Number of clusters (K-means, agglomerative, consensus; GMM components; default: 10). scikit-learn: n_clusters, n_components.")
    var kOption: Int?
    var k: Int { kOption ?? 10 }

    @Option(name: [.customLong("init"), .customLong("initialisation")],
            help: "K-means initialisation: k-means++ (default), random, or a .npy file of centres [k, D] (scikit-learn: init).")
    var initialisationOption: String?
    var initialisation: String { initialisationOption ?? "k-means++" }

    @Option(name: .customLong("algorithm"),
            help: "K-means (and consensus) iterations: auto (default: Hamerly's bounds on the CPU backend, Lloyd on OpenCL), lloyd or hamerly.")
    var algorithmOption: KMeans.Algorithm?
    var algorithm: KMeans.Algorithm { algorithmOption ?? .automatic }

    @Option(help: "Most iterations (default: K-means and consensus 300, mini-batch K-means epochs 100, GMM EM 100).")
    var maxIter: Int?

    @Option(help: "Tolerance: K-means (and consensus) relative centre shift, default 1e-4 (0: until labels are stable); GMM change of the mean log-likelihood, default 1e-3.")
    var tol: Double?

    @Option(name: .customLong("n-init"), help: "K-means, GMM, consensus: initialisations to run; the best (lowest inertia, highest likelihood) wins (default: 1; consensus: 10, as deep-cluster's).")
    var nInitOption: Int?
    var nInit: Int { nInitOption ?? (method == .consensus ? ConsensusClustering.defaultRestarts : 1) }

    @Option(name: .customLong("batch-size"), help: "Mini-batch K-means: points per batch (default: 1024).")
    var batchSizeOption: Int?
    var batchSize: Int { batchSizeOption ?? 1024 }

    @Option(name: .customLong("eps"), help: "DBSCAN: neighbourhood radius (Euclidean; default: 0.5).")
    var epsOption: Double?
    var eps: Double { epsOption ?? 0.5 }

    @Option(help: "DBSCAN, OPTICS, HDBSCAN: neighbours (the point included) that make a core point (default: 5; HDBSCAN: --min-cluster-size).")
    var minSamples: Int?

    @Option(help: "HDBSCAN and OPTICS: smallest cluster (default: HDBSCAN 5, OPTICS --min-samples).")
    var minClusterSize: Int?

    @Option(name: .customLong("xi"), help: "OPTICS: steepness xi of the reachability plot for cluster extraction (default: 0.05).")
    var xiOption: Double?
    var xi: Double { xiOption ?? 0.05 }

    @Option(help: "DBSCAN, HDBSCAN, OPTICS, single linkage, Ward: neighbour search on the host — auto (a k-d tree at up to 64 features on the CPU backend; HDBSCAN's and single linkage's spanning tree at up to 64 features on any backend; Ward's centroid tree at up to 32), kd-tree or brute (scikit-learn: algorithm). The same labels either way.")
    var neighbourSearch: NeighbourIndex?

    @Option(name: [.customLong("covariance-type"), .customLong("covariance")],
            help: "GMM covariance: full (default), diag or spherical (scikit-learn: covariance_type).")
    var covarianceOption: GaussianMixture.CovarianceType?
    var covariance: GaussianMixture.CovarianceType { covarianceOption ?? .full }

    @Option(help: "Agglomerative: cut where merges reach this height instead of at --k.")
    var distanceThreshold: Double?

    @Option(help: "Agglomerative linkage, as scikit-learn's linkage=: ward, single, complete or average (the same as --method).")
    var linkage: String?

    @Option(help: "Agglomerative: write the merge tree in SciPy's linkage form ([N-1, 4] float64 .npy).")
    var linkageOut: String?

    @Option(help: "Agglomerative: draw the dendrogram (.png or .svg), truncated to the last --dendrogram-leaves merges.")
    var dendrogram: String?

    @Option(name: .customLong("dendrogram-leaves"), help: "Leaves of the truncated dendrogram (default: 30).")
    var dendrogramLeavesOption: Int?
    var dendrogramLeaves: Int { dendrogramLeavesOption ?? 30 }

    @Option(help: "Labels output: .npy (int64) or .csv (a header line `label`, then one label per line); -1 is noise.")
    var out: String

    @Flag(help: "Print JSON (timings, iterations, inertia or log-likelihood, cluster sizes, noise, and metrics with --split).")
    var json = false

    @Flag(help: "No progress lines.")
    var quiet = false

    @OptionGroup var data: DataOptions
    @OptionGroup var backendOptions: BackendOptions

    func validate() throws {
        try OutputPath.check(out, flag: "--out", extensions: OutputPath.labels)
        try OutputPath.check(linkageOut, flag: "--linkage-out", extensions: OutputPath.npy)
        if method == .consensus {
            guard input == nil, split == nil else { throw ValidationError("--method consensus combines --partition files; --input and --split do not apply") }
            guard partitions.count >= 2 else { throw ValidationError("--method consensus needs at least two --partition files, got \(partitions.count)") }
            for path in partitions { try OutputPath.check(path, flag: "--partition", extensions: OutputPath.labels) }
            try data.refuseDraw(for: nil, fileFlag: "--partition")
        } else {
            try FeatureMatrix.checkSource(input: input, split: split, data: data)
        }
        guard features == "raw" else { throw ValidationError("--features '\(features)' is unknown; only raw (pixels) — pass encoded features with --input") }
        guard k >= 1 else { throw ValidationError("--k \(k) must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size \(batchSize) must be at least 1") }
        if let maxIter, maxIter < 1 { throw ValidationError("--max-iter \(maxIter) must be at least 1") }
        if let tol, !(tol >= 0) { throw ValidationError("--tol \(tol) must not be negative") }
        guard nInit >= 1 else { throw ValidationError("--n-init \(nInit) must be at least 1") }
        if nInit > 1 && !["k-means++", "random"].contains(initialisation) {
            throw ValidationError("--n-init \(nInit) with --init \(initialisation): every run would start from the same centres; give one or the other")
        }
        guard eps > 0, eps.isFinite else { throw ValidationError("--eps \(eps) must be positive") }
        if let minSamples, minSamples < 1 { throw ValidationError("--min-samples \(minSamples) must be at least 1") }
        if let minClusterSize, minClusterSize < 2 { throw ValidationError("--min-cluster-size \(minClusterSize) must be at least 2") }
        guard xi > 0, xi < 1 else { throw ValidationError("--xi \(xi) must be in (0, 1)") }
        if let distanceThreshold, !(distanceThreshold > 0) { throw ValidationError("--distance-threshold \(distanceThreshold) must be positive") }
        guard dendrogramLeaves >= 2 else { throw ValidationError("--dendrogram-leaves \(dendrogramLeaves) must be at least 2") }
        if let linkage {
            guard let named = Method(rawValue: linkage), named.linkage != nil else {
                throw ValidationError("--linkage '\(linkage)' is not ward, single, complete or average (the merge tree file is --linkage-out)")
            }
            if let methodOption, methodOption != named {
                throw ValidationError("--linkage \(linkage) contradicts --method \(methodOption.rawValue)")
            }
        }
        try MethodOption.refuseInapplicable(methodOptions, method: method)
        if kOption != nil && distanceThreshold != nil {
            throw ValidationError("--k and --distance-threshold exclude each other: the tree is cut at one or the other")
        }
        if dendrogramLeavesOption != nil && dendrogram == nil { throw ValidationError("--dendrogram-leaves needs --dendrogram") }
        try OutputPath.check(dendrogram, flag: "--dendrogram", extensions: OutputPath.figures)
    }

    /// Which methods read each method-specific option: typing one for another method is an error,
    /// never silently ignored.
    var methodOptions: [MethodOption<Method>] {
        let centroid: [Method] = [.kmeans, .minibatchKMeans], linkages: [Method] = [.ward, .single, .complete, .average]
        return [
            .init(flag: "--partition", typed: !partitions.isEmpty, methods: [.consensus]),
            .init(flag: "--k", typed: kOption != nil, methods: centroid + linkages + [.gmm, .consensus]),
            .init(flag: "--init", typed: initialisationOption != nil, methods: [.kmeans]),
            .init(flag: "--algorithm", typed: algorithmOption != nil, methods: [.kmeans, .consensus]),
            .init(flag: "--max-iter", typed: maxIter != nil, methods: centroid + [.gmm, .consensus]),
            .init(flag: "--seed", typed: data.seedOption != nil, methods: centroid + [.gmm, .consensus]),
            .init(flag: "--tol", typed: tol != nil, methods: [.kmeans, .gmm, .consensus]),
            .init(flag: "--n-init", typed: nInitOption != nil, methods: [.kmeans, .gmm, .consensus]),
            .init(flag: "--batch-size", typed: batchSizeOption != nil, methods: [.minibatchKMeans]),
            .init(flag: "--eps", typed: epsOption != nil, methods: [.dbscan]),
            .init(flag: "--min-samples", typed: minSamples != nil, methods: [.dbscan, .hdbscan, .optics]),
            .init(flag: "--min-cluster-size", typed: minClusterSize != nil, methods: [.hdbscan, .optics]),
            .init(flag: "--xi", typed: xiOption != nil, methods: [.optics]),
            .init(flag: "--covariance", typed: covarianceOption != nil, methods: [.gmm]),
            .init(flag: "--neighbour-search", typed: neighbourSearch != nil, methods: [.dbscan, .hdbscan, .optics, .single, .ward]),
            .init(flag: "--linkage-out", typed: linkageOut != nil, methods: linkages),
            .init(flag: "--dendrogram", typed: dendrogram != nil, methods: linkages),
            .init(flag: "--distance-threshold", typed: distanceThreshold != nil, methods: linkages),
        ]
    }

    /// What `--json` prints; fields that do not apply to the method are left out.
    struct Report: Codable {
        var method: String, points: Int, dimensions: Int, seconds: Double
        var clusters: Int, noise: Int, clusterSizes: [Int]
        var k: Int?, iterations: Int?, inertia: Double?
        var eps: Double?, minSamples: Int?, minClusterSize: Int?, corePoints: Int?
        var logLikelihood: Double?, bic: Double?, aic: Double?, converged: Bool?
        var distanceThreshold: Double?, linkageFile: String?
        /// Consensus: how many partitions were combined (`dimensions` is their one-hot width, the sum of their clusters).
        var partitions: Int?
        /// Seconds of each step where the method reports them (HDBSCAN), in order.
        var phases: [Phase]?
        var metrics: ExternalMetrics?
        /// What the user should know about the result (fewer clusters than asked for, EM not converged).
        var notes: [String]?

        struct Phase: Codable { var phase: String, seconds: Double }
    }

    func run() throws {
        let backend = try backendOptions.open(log: json || quiet ? { _ in } : note)
        try cluster(on: backend)
    }

    private func cluster<B: ComputeBackend>(on backend: B) throws {
        let progress = ProgressReporter.standardError(silent: json || quiet)
        let start: Date
        var report: Report
        if method == .consensus {
            let partitions = try readPartitions()
            start = Date()
            report = try consensus(partitions, backend: backend, progress: progress)
        } else {
            let points = try FeatureMatrix.load(input: input, split: split, data: data)
            start = Date()
            report = try fit(points, backend: backend, progress: progress)
        }
        report.seconds = Date().timeIntervalSince(start)
        let notes = Self.notes(on: report)
        report.notes = notes.isEmpty ? nil : notes
        if json { print(try jsonString(report)); return }
        notes.forEach(note)
        let what = report.partitions.map { "consensus of \($0) partitions: \(report.points) points" }
        var line = (what ?? "\(method.rawValue): \(report.points) points x \(report.dimensions)") + ": \(report.clusters) clusters"
        if report.noise > 0 { line += ", \(report.noise) noise points" }
        if let i = report.iterations { line += ", \(i) \(method == .minibatchKMeans ? "batches" : "iterations")" }
        if let inertia = report.inertia { line += ", inertia \(String(format: "%.6g", inertia))" }
        if let ll = report.logLikelihood, let bic = report.bic { line += String(format: ", log-likelihood %.6g per point, BIC %.6g", ll, bic) }
        print(line + String(format: ", %.2f s; wrote %@", report.seconds, out))
        if let m = report.metrics {
            print(String(format: "ARI %.4f  NMI %.4f  AMI %.4f  accuracy %.4f  purity %.4f  V %.4f", m.ari, m.nmi, m.ami, m.accuracy, m.purity, m.vMeasure))
        }
    }

    /// Notes on a result that is not what the flags asked for: K-means or a mixture asked for `--k` clusters
    /// that left some empty (as scikit-learn's "Number of distinct clusters found smaller than n_clusters"
    /// warning), and EM stopped by `--max-iter` before `--tol` (scikit-learn's ConvergenceWarning).
    static func notes(on report: Report) -> [String] {
        var notes: [String] = []
        // `k` is set only where --k is the number of clusters asked for (never with --distance-threshold).
        if let k = report.k, case let held = report.clusterSizes.filter({ $0 > 0 }).count, held < k {
            notes.append("note: only \(held) of the --k \(k) clusters hold points (the data has fewer distinct points or groups than k)")
        }
        if report.converged == false, let iterations = report.iterations {
            notes.append("note: EM did not converge in \(iterations) iteration\(iterations == 1 ? "" : "s") (raise --max-iter or --tol)")
        }
        return notes
    }

    /// Writes the labels and fills the method-independent part of the report.
    func finish(_ labels: [Int64], _ points: FeatureMatrix) throws -> Report {
        try finish(labels, dimensions: points.dim, truth: points.labels)
    }

    /// `finish` for labels of points that are not a feature matrix (`dimensions`: what the report calls their width).
    func finish(_ labels: [Int64], dimensions: Int, truth: [Int64]?) throws -> Report {
        try LabelFile.write(labels, to: out)
        let clusters = Int(labels.max().map { $0 + 1 } ?? 0)
        var sizes = [Int](repeating: 0, count: clusters)
        for l in labels where l >= 0 { sizes[Int(l)] += 1 }
        return Report(method: method.rawValue, points: labels.count, dimensions: dimensions, seconds: 0, clusters: clusters,
                      noise: labels.filter { $0 < 0 }.count, clusterSizes: sizes,
                      metrics: truth.map { ExternalMetrics(truth: $0, predicted: labels) })
    }
}

extension GaussianMixture.CovarianceType: ExpressibleByArgument {}
extension KMeans.Algorithm: ExpressibleByArgument {}

extension NeighbourIndex: ExpressibleByArgument {}
