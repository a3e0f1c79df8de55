import ArgumentParser
import Backend
import Cluster
import Dataset
import Foundation
import Imaging
import Progress

/// `fmnist elbow`: K-means inertia and silhouette for a range of k, printed and drawn.
struct ElbowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "elbow", abstract: "Inertia and silhouette of K-means for each k in a range (PNG charts).")

    @Option(help: "Features as .npy, float [N, D].")
    var input: String?

    @Option(help: "Use a split's raw pixels instead: train, val, test or all (training then test images, file order).")
    var split: ModelInput.Split?

    @Option(help: "Range of k, as FIRST...LAST (e.g. 2...15).")
    var k: String = "2...15"

    @Option(name: [.customLong("sample"), .customLong("sample-size")], help: "Points drawn (seeded) for each silhouette. scikit-learn: sample_size.")
    var sample: Int = 2000

    @Option(help: "Directory for elbow-inertia.png/.svg and elbow-silhouette.png/.svg.")
    var outDir: String = "out"

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "No progress lines (the per-k results still go to standard output).")
    var quiet = false

    @OptionGroup var data: DataOptions
    @OptionGroup var backendOptions: BackendOptions

    /// The range `--k` names, or nil when it does not parse (`validate` says why).
    var range: ClosedRange<Int>? { try? Self.parseRange(k) }

    /// Parses FIRST...LAST with 1 <= FIRST <= LAST; the error names the flag and what is wrong.
    static func parseRange(_ text: String) throws -> ClosedRange<Int> {
        let parts = text.components(separatedBy: "...")
        guard parts.count == 2, let first = Int(parts[0]), let last = Int(parts[1]) else {
            throw ValidationError("--k '\(text)' must be FIRST...LAST, e.g. 2...15")
        }
        guard first >= 1 else { throw ValidationError("--k '\(text)': FIRST must be at least 1") }
        guard first <= last else { throw ValidationError("--k '\(text)': FIRST (\(first)) is larger than LAST (\(last))") }
        return first ... last
    }

    func validate() throws {
        _ = try Self.parseRange(k)
        try FeatureMatrix.checkSource(input: input, split: split, data: data)
        guard sample >= 2 else { throw ValidationError("--sample must be at least 2") }
        try OutputPath.checkDirectory(outDir, flag: "--out-dir")
    }

    struct Row: Codable { var k: Int, inertia: Double, silhouette: Double?, iterations: Int }

    func run() throws {
        let backend = try backendOptions.open(log: json || quiet ? { _ in } : note)
        try elbow(on: backend)
    }

    private func elbow<B: ComputeBackend>(on backend: B) throws {
        let points = try FeatureMatrix.load(input: input, split: split, data: data)
        let (x, n, d) = (points.values, points.rows, points.dim)
        guard range!.upperBound <= n else {
            throw ValidationError("--k \(k) reaches \(range!.upperBound) clusters, more than the \(n) points")
        }
        var rows: [Row] = []
        let progress = ProgressReporter.standardError(silent: json || quiet)
        progress.start("elbow k \(range!.lowerBound)...\(range!.upperBound)", total: range!.count, unit: "k")
        for k in range! {
            var c = KMeans.Configuration()
            c.k = k
            c.seed = data.seed
            let result = try KMeans.fit(x, rows: n, dim: d, configuration: c, backend: backend)
            let labels = result.labels.map(Int64.init)
            let silhouette = k >= 2 && k < n ? try InternalMetrics.silhouette(x, rows: n, dim: d, labels: labels, backend: backend,
                                                                             sample: sample, seed: data.seed) : nil
            rows.append(Row(k: k, inertia: result.inertia, silhouette: silhouette, iterations: result.iterations))
            progress.update(rows.count, detail: "k \(k) done")
            if !json { progress.clear(); print("k \(k): inertia \(String(format: "%.6g", result.inertia)), silhouette \(silhouette.map { String(format: "%.4f", $0) } ?? "-")") }
        }
        progress.finish()
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        let inertiaChart = LineChart(title: "K-means inertia", xLabel: "k", points: rows.map { ($0.k, $0.inertia) })
        var silhouetteChart = LineChart(title: "Silhouette (\(sample) sampled points)", xLabel: "k", points: rows.map { ($0.k, $0.silhouette ?? .nan) })
        silhouetteChart.color = RGB.categorical[1]
        var written: [String] = []
        for (name, chart) in [("elbow-inertia", inertiaChart), ("elbow-silhouette", silhouetteChart)] {
            let base = URL(fileURLWithPath: outDir).appendingPathComponent(name).path
            try chart.write(to: base + ".png")
            try chart.write(to: base + ".svg")
            written += [base + ".png", base + ".svg"]
        }
        if json { print(try jsonString(rows)) } else { print("wrote " + written.joined(separator: ", ")) }
    }
}
