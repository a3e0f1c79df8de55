import ArgumentParser
import Backend
import Cluster
import Dataset
import Foundation

/// `fmnist cluster`: clusters features (a .npy file or a split's raw pixels) and writes the labels.
struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Cluster features or raw pixels; writes int64 labels (.npy), with metrics when the truth is known.")

    static let plannedMethods = ["hdbscan", "optics", "ward", "single", "complete", "average", "gmm"]

    @Option(help: "Method: kmeans, minibatch-kmeans or dbscan (\(plannedMethods.joined(separator: ", ")) are planned).")
    var method: String = "kmeans"

    @Option(help: "Features as .npy, float32 or float64 [N, D].")
    var input: String?

    @Option(help: "Cluster a split's raw pixels instead: train, val, test or all.")
    var split: ModelInput.Split?

    @Option(help: "Number of clusters.")
    var k: Int = 10

    @Option(help: "Initialisation: k-means++, random, or a .npy file of centres [k, D].")
    var initialisation: String = "k-means++"

    @Option(help: "Most Lloyd iterations.")
    var maxIter: Int = 300

    @Option(help: "Relative tolerance on the centre shift (0: until the labels are stable).")
    var tol: Double = 1e-4

    @Option(help: "Initialisations to run; the lowest inertia wins.")
    var nInit: Int = 1

    @Option(help: "Mini-batch K-means: points per batch.")
    var batchSize: Int = 1024

    @Option(help: "DBSCAN: neighbourhood radius (Euclidean).")
    var eps: Double = 0.5

    @Option(help: "DBSCAN: points within --eps (the point included) that make a core point.")
    var minSamples: Int = 5

    @Option(help: "Labels output (.npy, int64).")
    var out: String

    @Flag(help: "Print JSON (timings, iterations, inertia, cluster sizes, and metrics with --split).")
    var json = false

    @OptionGroup var data: DataOptions
    @OptionGroup var backendOptions: BackendOptions

    func validate() throws {
        guard ["kmeans", "minibatch-kmeans", "dbscan"].contains(method) else {
            if Self.plannedMethods.contains(method) { throw ValidationError("--method \(method) is not implemented yet; use kmeans, minibatch-kmeans or dbscan") }
            throw ValidationError("--method '\(method)' is unknown; use kmeans, minibatch-kmeans or dbscan")
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        if method == "dbscan" {
            guard eps > 0 else { throw ValidationError("--eps \(eps) must be positive") }
            guard minSamples >= 1 else { throw ValidationError("--min-samples \(minSamples) must be at least 1") }
        }
        guard (input == nil) != (split == nil) else { throw ValidationError("give exactly one of --input and --split") }
        guard k >= 1 else { throw ValidationError("--k \(k) must be at least 1") }
        guard maxIter >= 1, nInit >= 1, tol >= 0 else { throw ValidationError("--max-iter and --n-init must be at least 1, --tol not negative") }
    }

    struct DensityReport: Codable {
        var method: String, eps: Double, minSamples: Int, points: Int, seconds: Double, clusters: Int, noise: Int, corePoints: Int
        var clusterSizes: [Int], metrics: ExternalMetrics?
    }

    struct Report: Codable {
        var method: String, k: Int, points: Int, dimensions: Int, seconds: Double, iterations: Int, inertia: Double
        var clusterSizes: [Int], metrics: ExternalMetrics?
    }

    func run() throws {
        let backend = try backendOptions.open(log: json ? { _ in } : note)
        try cluster(on: backend)
    }

    private func cluster<B: ComputeBackend>(on backend: B) throws {
        let points = try FeatureMatrix.load(input: input, split: split, data: data)
        let (x, n, d, truth) = (points.values, points.rows, points.dim, points.labels)
        if method == "dbscan" { return try density(x, n, d, truth, backend) }
        var c = KMeans.Configuration()
        c.k = k
        c.maxIterations = maxIter
        c.tolerance = tol
        c.restarts = nInit
        c.seed = data.seed
        switch initialisation {
        case "k-means++": c.initialisation = .kMeansPlusPlus
        case "random": c.initialisation = .random
        default:
            let centres = try NPYArray.read(initialisation)
            guard centres.shape == [k, d] else { throw ValidationError("--initialisation \(initialisation): shape \(centres.shape), need [\(k), \(d)]") }
            c.initialisation = .given(centres.floats)
        }
        let start = Date()
        let result: KMeans.Result
        if method == "minibatch-kmeans" {
            var m = MiniBatchKMeans.Configuration()
            (m.k, m.batchSize, m.maxEpochs, m.seed) = (k, batchSize, maxIter, data.seed)
            result = try MiniBatchKMeans.fit(x, rows: n, dim: d, configuration: m, backend: backend)
        } else {
            result = try KMeans.fit(x, rows: n, dim: d, configuration: c, backend: backend) { iteration, inertia in
                if !json { note("iteration \(iteration): inertia \(String(format: "%.6g", inertia))") }
            }
        }
        let seconds = Date().timeIntervalSince(start)
        let labels = result.labels.map(Int64.init)
        try NPYArray(shape: [n], elements: .int64(labels)).write(to: out)
        var sizes = [Int](repeating: 0, count: k)
        for l in result.labels { sizes[Int(l)] += 1 }
        let metrics = truth.map { ExternalMetrics(truth: $0, predicted: labels) }
        let report = Report(method: method, k: k, points: n, dimensions: d, seconds: seconds, iterations: result.iterations,
                            inertia: result.inertia, clusterSizes: sizes, metrics: metrics)
        if json { print(try jsonString(report)); return }
        print("\(method): \(n) points x \(d), k \(k): \(result.iterations) \(method == "kmeans" ? "iterations" : "batches"), inertia \(String(format: "%.6g", result.inertia)), "
            + "\(String(format: "%.2f", seconds)) s; wrote \(out)")
        if let m = metrics {
            print(String(format: "ARI %.4f  NMI %.4f  AMI %.4f  accuracy %.4f  purity %.4f  V %.4f", m.ari, m.nmi, m.ami, m.accuracy, m.purity, m.vMeasure))
        }
    }

    private func density<B: ComputeBackend>(_ x: [Float], _ n: Int, _ d: Int, _ truth: [Int64]?, _ backend: B) throws {
        let start = Date()
        let result = try DBSCAN.fit(x, rows: n, dim: d, configuration: .init(eps: eps, minSamples: minSamples), backend: backend)
        let seconds = Date().timeIntervalSince(start)
        try NPYArray(shape: [n], elements: .int64(result.labels)).write(to: out)
        var sizes = [Int](repeating: 0, count: result.clusters)
        for l in result.labels where l >= 0 { sizes[Int(l)] += 1 }
        let noise = result.labels.filter { $0 < 0 }.count
        let metrics = truth.map { ExternalMetrics(truth: $0, predicted: result.labels) }
        if json {
            print(try jsonString(DensityReport(method: method, eps: eps, minSamples: minSamples, points: n, seconds: seconds, clusters: result.clusters,
                                               noise: noise, corePoints: result.isCore.filter { $0 }.count, clusterSizes: sizes, metrics: metrics)))
            return
        }
        print("dbscan: \(n) points x \(d), eps \(eps), min-samples \(minSamples): \(result.clusters) clusters, \(noise) noise points, "
            + "\(String(format: "%.2f", seconds)) s; wrote \(out)")
        if let m = metrics { print(String(format: "ARI %.4f  NMI %.4f  AMI %.4f  accuracy %.4f", m.ari, m.nmi, m.ami, m.accuracy)) }
    }
}
