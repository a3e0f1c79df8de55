import Cluster
import Dataset
import Foundation
import Imaging

extension Study {
    /// The best unsupervised pipeline (highest AMI) and K-means on the CNN features read as classes: each
    /// cluster's majority classes with their shares (seed 001's "guessing the labels"), sample
    /// images per cluster captioned with the majority class (seeds 000, 003), cluster sizes, and the
    /// cluster-vs-class confusion heatmap.
    func runInterpretation() throws {
        let images = try clustered.get()
        let ranked = ResultsTable.ranked(record.rows).filter { $0.error == nil && $0.ami != nil }
        var chosen: [(ResultRow, String)] = []
        if let best = ranked.first(where: { !$0.supervised }) { chosen.append((best, "the best unsupervised pipeline by AMI")) }
        if let cnn = ranked.first(where: { $0.features == "CNN fc1" && $0.method == "K-means" }), cnn.pipeline != chosen.first?.0.pipeline {
            chosen.append((cnn, "K-means on the CNN features, as seeds 001 and 003"))
        }
        record.interpretations = []
        for (index, (row, why)) in chosen.enumerated() {
            guard let labels = clusterings[row.pipeline] else { continue }
            let reading = Self.interpret(labels: labels, truth: images.labels, pipeline: row.pipeline, why: why)
            record.interpretations.append(reading)
            current.computed += 1
            let slug = index == 0 ? "best" : "cnn-kmeans"
            figure("clusters-\(slug)", section: "interpretation", title: "\(row.pipeline): sample images per cluster",
                   caption: "Eight random images of each cluster; each row is captioned with its majority class and that class's share.") {
                var rng = SplitMix64(seed: settings.seed ^ 0xC1A5)
                let rows = reading.clusters.map { cluster -> ImageGrid.Row in
                    var members = labels.indices.filter { labels[$0] == cluster.id }
                    rng.shuffle(&members)
                    let top = cluster.classes.first.map { "\($0.name) \(Int(($0.share * 100).rounded())) %" } ?? ""
                    return ImageGrid.Row(caption: "\(cluster.id): \(top)", images: members.prefix(8).map { images.image($0) })
                }
                return try ImageGrid(rows: rows, imageWidth: images.width, imageHeight: images.height).cairoPNG()
            }
            figure("cluster-sizes-\(slug)", section: "interpretation", title: "\(row.pipeline): cluster sizes",
                   caption: "Images per cluster" + (reading.noise > 0 ? " (\(reading.noise) noise points not shown)." : ".")) {
                try BarChart(title: "Images per cluster", categories: reading.clusters.map { "\($0.id)" },
                             series: [("images", reading.clusters.map { Double($0.size) })]).cairoPNG()
            }
            if index == 0 {
                figure("confusion-best", section: "interpretation", title: "\(row.pipeline): clusters against classes",
                       caption: "Rows: clusters; columns: the true classes (numbered as in the data section). Each cell counts the images.") {
                    let ids = reading.clusters.map(\.id)
                    var counts = [[Double]](repeating: [Double](repeating: 0, count: 10), count: ids.count)
                    let rowOf = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
                    for (l, t) in zip(labels, images.labels) { if let r = rowOf[l], t >= 0 && t < 10 { counts[r][Int(t)] += 1 } }
                    var map = Heatmap(title: "clusters (rows) vs classes", rowLabels: reading.clusters.map { $0.classes.first?.name ?? "" },
                                      values: counts)
                    map.cell = ids.count > 20 ? 30 : 44
                    return try map.cairoPNG()
                }
            }
        }
    }

    /// Each cluster (by size, largest first) with its classes of at least 5 % share (at most 3).
    static func interpret(labels: [Int64], truth: [Int32], pipeline: String, why: String) -> Interpretation {
        var members: [Int64: [Int]] = [:]
        for (l, t) in zip(labels, truth) where l >= 0 {
            members[l, default: [Int](repeating: 0, count: 10)][Int(max(0, min(9, t)))] += 1
        }
        let clusters = members.map { id, counts -> Interpretation.Cluster in
            let size = counts.reduce(0, +)
            let shares = counts.enumerated().map { (c: $0.offset, share: Double($0.element) / Double(max(1, size))) }
                .filter { $0.share >= 0.05 }.sorted { ($0.share, -$0.c) > ($1.share, -$1.c) }.prefix(3)
            return Interpretation.Cluster(id: id, size: size,
                                          classes: shares.map { Interpretation.ClassShare(name: FashionMNIST.classNames[$0.c], share: $0.share) })
        }.sorted { ($0.size, -$0.id) > ($1.size, -$1.id) }
        return Interpretation(pipeline: pipeline, why: why, clusters: clusters, noise: labels.filter { $0 < 0 }.count)
    }
}
