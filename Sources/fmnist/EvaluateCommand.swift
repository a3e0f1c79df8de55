import ArgumentParser
import Backend
import Cluster
import Dataset
import Foundation
import Progress

/// `fmnist evaluate`: external metrics of predicted labels against true labels.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "evaluate", abstract: "Score cluster labels against true labels.")

    @Option(help: "Predicted labels (.npy integer, or .csv: one label per line after an optional header; -1 is noise).")
    var pred: String

    @Option(help: "True labels (.npy integer, or .csv).")
    var truth: String?

    @Option(help: "Take the true labels of this split instead: train, val, test or all (training then test images, file order).")
    var split: ModelInput.Split?

    @Option(help: "Features (.npy, float [N, D]) for the internal metrics: silhouette, Calinski-Harabasz, Davies-Bouldin.")
    var features: String?

    @Option(name: [.customLong("sample"), .customLong("sample-size")], help: "Compute the silhouette on this many randomly drawn points (seeded by --seed), scored among themselves, instead of all. scikit-learn: sample_size.")
    var sample: Int?

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "No progress lines.")
    var quiet = false

    @OptionGroup var data: DataOptions
    @OptionGroup var backendOptions: BackendOptions

    func validate() throws {
        guard (truth == nil) != (split == nil) else { throw ValidationError("give exactly one of --truth and --split") }
        try data.refuseDraw(for: split, fileFlag: "--truth")
        if let sample {
            guard features != nil else { throw ValidationError("--sample draws the points of the silhouette, which needs --features") }
            guard sample >= 2 else { throw ValidationError("--sample \(sample) must be at least 2") }
        } else {
            try data.refuseSeed("it draws the silhouette's --sample, and there is no --sample")
        }
    }

    struct Report: Codable {
        var ari: Double, nmi: Double, ami: Double, acc: Double, homogeneity: Double, completeness: Double
        var v_measure: Double, purity: Double, fowlkes_mallows: Double, noise_fraction: Double
        var mapping: [String: Int64]
        /// Clusters beyond the one-to-one matching: `mapping` shows their majority class, `acc` counts them as errors.
        var unmatched_clusters: [Int64]
        var silhouette: Double?, calinski_harabasz: Double?, davies_bouldin: Double?
    }

    func run() throws {
        let predicted = try integerLabels(pred, flag: "--pred")
        let expected: [Int64]
        if let truth { expected = try integerLabels(truth, flag: "--truth") } else {
            let (images, _, _) = try ModelInput(split: split, input: nil, data: data).load(defaultSplit: .test)
            expected = images.labels.map(Int64.init)
        }
        guard predicted.count == expected.count else {
            let hint = split == .train && truth == nil && data.valFraction > 0
                ? " (--split train is the training part of the validation draw; --val-fraction 0 makes it all 60,000 training images)" : ""
            throw ValidationError("--pred holds \(predicted.count) labels but the truth holds \(expected.count)" + hint)
        }
        let m = ExternalMetrics(truth: expected, predicted: predicted)
        let noise = Double(predicted.filter { $0 == -1 }.count) / Double(max(1, predicted.count))
        var report = Report(ari: m.ari, nmi: m.nmi, ami: m.ami, acc: m.accuracy, homogeneity: m.homogeneity, completeness: m.completeness,
                            v_measure: m.vMeasure, purity: m.purity, fowlkes_mallows: m.fowlkesMallows, noise_fraction: noise,
                            mapping: Dictionary(uniqueKeysWithValues: m.hungarianMapping.map { ("\($0.key)", $0.value) }),
                            unmatched_clusters: m.unmatchedClusters)
        if let features {
            let clusters = Set(predicted).count
            guard clusters >= 2, clusters < predicted.count else {
                throw ValidationError("--features: the silhouette, Calinski-Harabasz and Davies-Bouldin need 2 to n - 1 clusters "
                                      + "(n = \(predicted.count)); --pred \(pred) holds \(clusters)")
            }
            let points = try FeatureMatrix.read(features, flag: "--features", rows: predicted.count)
            let (x, n, d) = (points.values, points.rows, points.dim)
            let backend = try backendOptions.open(log: json || quiet ? { _ in } : note)
            report.silhouette = try silhouette(x, n, d, predicted, backend)
            report.calinski_harabasz = InternalMetrics.calinskiHarabasz(x, rows: n, dim: d, labels: predicted)
            report.davies_bouldin = InternalMetrics.daviesBouldin(x, rows: n, dim: d, labels: predicted)
        }
        if json { print(try jsonString(report)); return }
        print(String(format: "ARI %.4f  NMI %.4f  AMI %.4f  accuracy %.4f", m.ari, m.nmi, m.ami, m.accuracy))
        print(String(format: "homogeneity %.4f  completeness %.4f  V %.4f  purity %.4f  Fowlkes-Mallows %.4f  noise %.4f",
                     m.homogeneity, m.completeness, m.vMeasure, m.purity, m.fowlkesMallows, noise))
        if !m.unmatchedClusters.isEmpty {
            print("clusters left out of the one-to-one matching (errors in the accuracy): "
                  + m.unmatchedClusters.map(String.init).joined(separator: ", "))
        }
        if let s = report.silhouette, let ch = report.calinski_harabasz, let db = report.davies_bouldin {
            print(String(format: "silhouette %.4f  Calinski-Harabasz %.2f  Davies-Bouldin %.4f", s, ch, db))
        }
    }

    private func silhouette<B: ComputeBackend>(_ x: [Float], _ n: Int, _ d: Int, _ labels: [Int64], _ backend: B) throws -> Double {
        let progress = ProgressReporter.standardError(silent: json || quiet)
        progress.start("silhouette", total: min(n, sample ?? n), unit: "points")
        defer { progress.finish() }
        do {
            return try InternalMetrics.silhouette(x, rows: n, dim: d, labels: labels, backend: backend, sample: sample,
                                                  seed: data.seed) { done, _ in progress.update(done) }
        } catch BackendError.invalidArgument(let why) where sample != nil {
            throw ValidationError("--sample \(sample!) (drawn with --seed \(data.seed)): \(why)")
        }
    }

    private func integerLabels(_ path: String, flag: String) throws -> [Int64] {
        do { return try LabelFile.read(path) } catch let error as DataError { throw ValidationError("\(flag) \(error)") }
    }
}
