import ArgumentParser
import Backend
import Cluster
import Dataset
import Foundation
import Imaging
import Progress
import Study

/// One function per family of methods: each fits, writes the labels (and any extra files) and
/// returns the report.
extension ClusterCommand {
    func fit<B: ComputeBackend>(_ points: FeatureMatrix, backend: B, progress: ProgressReporter) throws -> Report {
        let (x, n, d) = (points.values, points.rows, points.dim)
        switch method {
        case .kmeans, .minibatchKMeans: return try centroid(points, backend: backend, progress: progress)
        case .dbscan:
            let ms = minSamples ?? 5
            var c = DBSCAN.Configuration(eps: eps, minSamples: ms)
            c.index = neighbourSearch ?? .auto
            let result = try DBSCAN.fit(x, rows: n, dim: d, configuration: c, backend: backend) { phase, done, total in
                progress.update(phase: phase, prefix: "DBSCAN ", done: done, total: total, unit: "rows")
            }
            progress.finish()
            var report = try finish(result.labels, points)
            (report.eps, report.minSamples, report.corePoints) = (eps, ms, result.isCore.filter { $0 }.count)
            return report
        case .hdbscan:
            var c = HDBSCAN.Configuration()
            c.minClusterSize = minClusterSize ?? 5
            c.minSamples = minSamples
            c.index = neighbourSearch ?? .auto
            progress.start("HDBSCAN spanning tree", total: n - 1, unit: "edges")
            let result = try HDBSCAN.fit(x, rows: n, dim: d, configuration: c, backend: backend) { progress.update($0) }
            progress.finish()
            var report = try finish(result.labels, points)
            (report.minSamples, report.minClusterSize) = (c.minSamples ?? c.minClusterSize, c.minClusterSize)
            report.phases = result.phaseSeconds.map { Report.Phase(phase: $0.phase, seconds: $0.seconds) }
            return report
        case .optics:
            var c = OPTICS.Configuration()
            c.minSamples = minSamples ?? 5
            c.minClusterSize = minClusterSize
            c.xi = xi
            c.index = neighbourSearch ?? .auto
            progress.start("OPTICS ordering", total: n, unit: "points")
            let result = try OPTICS.fit(x, rows: n, dim: d, configuration: c, backend: backend) { progress.update($0) }
            progress.finish()
            var report = try finish(result.labels, points)
            (report.minSamples, report.minClusterSize) = (c.minSamples, c.minClusterSize ?? c.minSamples)
            return report
        case .ward, .single, .complete, .average: return try hierarchical(points, progress: progress)
        case .gmm: return try mixture(points, backend: backend, progress: progress)
        case .consensus: throw ValidationError("--method consensus combines --partition files, not features")
        }
    }

    /// The `--partition` files' labels, each checked: integers, no noise (-1), as many as the first file's.
    func readPartitions() throws -> [[Int32]] {
        var partitions: [[Int32]] = []
        for path in self.partitions {
            let labels: [Int64]
            do { labels = try LabelFile.read(path) } catch let error as DataError { throw ValidationError("--partition \(error)") }
            if let first = partitions.first, labels.count != first.count {
                throw ValidationError("--partition \(path): holds \(labels.count) labels, --partition \(self.partitions[0]) \(first.count)")
            }
            if let i = labels.firstIndex(where: { $0 < 0 }) {
                throw ValidationError("--partition \(path): label \(labels[i]) at point \(i) (noise); a consensus needs every point in a cluster")
            }
            if let i = labels.firstIndex(where: { $0 > Int64(Int32.max) }) {
                throw ValidationError("--partition \(path): label \(labels[i]) at point \(i) is beyond 2^31 - 1")
            }
            guard !labels.isEmpty else { throw ValidationError("--partition \(path): holds no labels") }
            partitions.append(labels.map { Int32($0) })
        }
        return partitions
    }

    /// The consensus of `partitions`: K-means (`--k`, `--n-init`, `--seed`, `--max-iter`, `--tol`, `--algorithm`) on
    /// their concatenated one-hot labels (`ConsensusClustering`), refused when those rows would not fit in memory.
    func consensus<B: ComputeBackend>(_ partitions: [[Int32]], backend: B, progress: ProgressReporter) throws -> Report {
        let clusters = partitions.map { Set($0).count }, width = clusters.reduce(0, +)
        let bytes = partitions[0].count * width * MemoryLayout<Float>.size, budget = Int(ProcessInfo.processInfo.physicalMemory / 2)
        if bytes > budget, let most = clusters.indices.max(by: { clusters[$0] < clusters[$1] }) {
            throw ValidationError("--partition: \(width) clusters in all over \(partitions[0].count) points need \(formatBytes(bytes)) of "
                + "one-hot rows, more than half this machine's memory (\(self.partitions[most]) alone has \(clusters[most]) clusters)")
        }
        let c = try kMeansConfiguration(dim: width)
        let result = try ConsensusClustering.fit(partitions, kMeans: c, backend: backend,
                                                 progress: kMeansProgress(progress, c, what: "consensus K-means"))
        progress.finish()
        var report = try finish(result.labels.map(Int64.init), dimensions: width, truth: nil)
        report.clusterSizes += [Int](repeating: 0, count: max(0, k - report.clusterSizes.count))
        (report.k, report.iterations, report.inertia, report.partitions) = (k, result.iterations, result.inertia, partitions.count)
        return report
    }

    private func centroid<B: ComputeBackend>(_ points: FeatureMatrix, backend: B, progress: ProgressReporter) throws -> Report {
        let (x, n, d) = (points.values, points.rows, points.dim)
        let result: KMeans.Result
        if method == .minibatchKMeans {
            var m = MiniBatchKMeans.Configuration()
            (m.k, m.batchSize, m.seed) = (k, batchSize, data.seed)
            if let maxIter { m.maxEpochs = maxIter }
            result = try MiniBatchKMeans.fit(x, rows: n, dim: d, configuration: m, backend: backend)
        } else {
            let c = try kMeansConfiguration(dim: d)
            result = try KMeans.fit(x, rows: n, dim: d, configuration: c, backend: backend, progress: kMeansProgress(progress, c))
            progress.finish()
        }
        var report = try finish(result.labels.map(Int64.init), points)
        // Every one of the k clusters is reported, empty or not.
        report.clusterSizes += [Int](repeating: 0, count: max(0, k - report.clusterSizes.count))
        (report.k, report.iterations, report.inertia) = (k, result.iterations, result.inertia)
        return report
    }

    /// Starts `progress` for every iteration `c` allows over all its starts and returns `KMeans.fit`'s callback, which
    /// counts them and shows the inertia.
    private func kMeansProgress(_ progress: ProgressReporter, _ c: KMeans.Configuration,
                                what: String = "K-means") -> (Int, Double) -> Void {
        progress.start("\(what) iterations (at most)", total: c.maxIterations * c.restarts, unit: "iterations")
        var done = 0
        return { _, inertia in
            done += 1
            progress.update(done, detail: inertia.isNaN ? "" : "inertia \(String(format: "%.6g", inertia))")
        }
    }

    private func kMeansConfiguration(dim d: Int) throws -> KMeans.Configuration {
        var c = KMeans.Configuration()
        c.k = k
        if let maxIter { c.maxIterations = maxIter }
        if let tol { c.tolerance = tol }
        c.restarts = nInit
        c.seed = data.seed
        c.algorithm = algorithm
        switch initialisation {
        case "k-means++": c.initialisation = .kMeansPlusPlus
        case "random": c.initialisation = .random
        default:
            let centres = try NPYArray.read(initialisation)
            guard centres.shape == [k, d] else { throw ValidationError("--init \(initialisation): shape \(centres.shape), need [\(k), \(d)]") }
            c.initialisation = .given(centres.floats)
        }
        return c
    }

    private func hierarchical(_ points: FeatureMatrix, progress: ProgressReporter) throws -> Report {
        let (n, linkageMethod) = (points.rows, method.linkage!)
        if distanceThreshold == nil && k > n { throw ValidationError("--k \(k) is larger than the number of points (\(n))") }
        progress.start("\(linkageMethod.rawValue) linkage", total: max(1, n - 1), unit: "merges")
        let tree = try Agglomerative.tree(points.values, rows: n, dim: points.dim, linkage: linkageMethod,
                                              index: neighbourSearch ?? .auto) { progress.update($0) }
        progress.finish()
        let labels = distanceThreshold.map { tree.labels(threshold: $0) } ?? tree.labels(clusters: k)
        if let linkageOut { try NPYArray(shape: [max(0, n - 1), 4], elements: .float64(tree.matrix)).write(to: linkageOut) }
        if let dendrogram {
            let chart = Dendrograms.chart(tree, title: "\(linkageMethod.rawValue) linkage, \(n) points", leaves: dendrogramLeaves, classes: points.labels)
            try chart.write(to: dendrogram)
        }
        var report = try finish(labels, points)
        (report.k, report.distanceThreshold, report.linkageFile) = (distanceThreshold == nil ? k : nil, distanceThreshold, linkageOut)
        return report
    }

    private func mixture<B: ComputeBackend>(_ points: FeatureMatrix, backend: B, progress: ProgressReporter) throws -> Report {
        var c = GaussianMixture.Configuration()
        (c.components, c.covariance, c.restarts, c.seed) = (k, covariance, nInit, data.seed)
        if let maxIter { c.maxIterations = maxIter }
        if let tol { c.tolerance = tol }
        progress.start("GMM EM iterations (at most)", total: c.maxIterations * c.restarts, unit: "iterations")
        var done = 0
        let model = try GaussianMixture.fit(points.values, rows: points.rows, dim: points.dim, configuration: c, backend: backend) { _, ll in
            done += 1
            progress.update(done, detail: "mean log-likelihood \(String(format: "%.6g", ll))")
        }
        progress.finish()
        let labels = model.predict(points.values, rows: points.rows).map(Int64.init)
        var report = try finish(labels, points)
        report.clusterSizes += [Int](repeating: 0, count: max(0, k - report.clusterSizes.count))
        (report.k, report.iterations, report.converged) = (k, model.iterations, model.converged)
        report.logLikelihood = model.score(points.values, rows: points.rows)
        report.bic = model.bic(points.values, rows: points.rows)
        report.aic = model.aic(points.values, rows: points.rows)
        return report
    }
}
