import Foundation

/// The report's conclusions, written from the numbers: the best technique and its scores, how it
/// compares with what the seeds reported, which representations and methods did best, and how
/// far the clusters are from the classes.
public enum Conclusions {
    /// Seed 004's best: Ward on UMAP-10 of the pixels.
    public static let seed004 = (pipeline: "UMAP-10 + Ward", ari: 0.472, ami: 0.657)
    /// Seed 003: K-means on PCA of the CNN features, ARI 0.45-0.50, NMI 0.50-0.55.
    public static let seed003 = (ari: 0.45 ... 0.50, nmi: 0.50 ... 0.55)

    static func f(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "n/a" }

    /// Seed 001's five groups of classes.
    public static let families: [(name: String, classes: Set<String>)] = [
        ("footwear", ["Sandal", "Sneaker", "Ankle boot"]), ("upper-body garments", ["T-shirt/top", "Pullover", "Coat", "Shirt"]),
        ("trousers", ["Trouser"]), ("dresses", ["Dress"]), ("bags", ["Bag"]),
    ]

    /// Seed 001's five-group mapping, measured: for each group, the clusters whose majority class is
    /// in it and the share of those clusters' images that belong to the group.
    static func familyReading(_ reading: Interpretation) -> String {
        "Seed 001's five groups, measured: " + families.map { family -> String in
            let members = reading.clusters.filter { family.classes.contains($0.classes.first?.name ?? "") }
            guard !members.isEmpty else { return "\(family.name): no cluster" }
            let size = members.map(\.size).reduce(0, +)
            let inside = members.map { c in c.classes.filter { family.classes.contains($0.name) }.map { $0.share * Double(c.size) }.reduce(0, +) }
                .reduce(0, +)
            return "\(family.name) — cluster\(members.count > 1 ? "s" : "") " + members.map { "\($0.id)" }.joined(separator: ", ")
                + String(format: " (at least %.0f %% of their images in the group)", 100 * inside / Double(max(1, size)))
        }.joined(separator: "; ") + "."
    }

    public static func write(_ record: StudyRecord) -> [String] {
        var out: [String] = []
        let rows = ResultsTable.ranked(record.rows).filter { $0.ami != nil }
        let images = record.profile.allImages ? "all 70,000 images" : "the 10,000 test images (quick profile)"
        guard let best = rows.first(where: { !$0.supervised }) ?? rows.first else {
            return ["No clustering finished, so no technique can be named; see the failures listed with the stages."]
        }
        out.append("Best \(best.supervised ? "" : "unsupervised ")technique on \(images): **\(best.pipeline)** — ARI \(f(best.ari)), AMI \(f(best.ami)), NMI \(f(best.nmi)), "
            + "accuracy \(f(best.accuracy)), purity \(f(best.purity)), \(best.clusters ?? 0) clusters"
            + (best.noiseFraction.map { $0 > 0 ? String(format: ", %.1f %% noise", $0 * 100) : "" } ?? "") + ". "
            + "It is ranked by AMI, which corrects for chance and so compares methods that find different numbers of clusters; "
            + "the table can be re-sorted by any score."
            + (rows.first.map { top in top.supervised && top.pipeline != best.pipeline
                ? " With features the CNN learned from the labels, \(top.pipeline) reaches AMI \(f(top.ami)) (ARI \(f(top.ari))); "
                    + "that is not an unsupervised result, since the classes shaped the features." : "" } ?? ""))
        var seeds = "Against the seeds: seed 004's best, \(seed004.pipeline), reported ARI \(seed004.ari) / AMI \(seed004.ami); "
        if let ours = rows.first(where: { $0.pipeline == seed004.pipeline }) {
            seeds += "the same pipeline here scores ARI \(f(ours.ari)) / AMI \(f(ours.ami)). "
        } else {
            seeds += "that pipeline did not run here. "
        }
        seeds += String(format: "The best pipeline is %@ seed 004's AMI by %.3f. ", (best.ami ?? 0) >= seed004.ami ? "above" : "below",
                        abs((best.ami ?? 0) - seed004.ami))
        if let cnn = rows.first(where: { $0.features == "CNN fc1 → PCA-10" && $0.method == "K-means" }) {
            seeds += "Seed 003 (K-means on PCA of the CNN features) reported ARI 0.45–0.50 and NMI 0.50–0.55; here CNN fc1 → PCA-10 + K-means "
                + "scores ARI \(f(cnn.ari)) and NMI \(f(cnn.nmi)) — note that the CNN was trained with the labels, so its features are not "
                + "an unsupervised representation."
        }
        if let n2d = rows.first(where: { $0.features.hasSuffix("(N2D)") && $0.method == "GMM" }) {
            seeds += " N2D (dense autoencoder → UMAP → GMM; McConville et al. 2020 report accuracy 0.672 and NMI 0.684 on all 70,000 "
                + "images after 1,000 pretraining epochs) scores accuracy \(f(n2d.accuracy)) and NMI \(f(n2d.nmi)) here, with the "
                + "autoencoder trained for \(record.profile.autoencoderEpochs) epochs."
        }
        if let idec = rows.first(where: { $0.method == "IDEC" }) {
            seeds += " IDEC (self-training of that autoencoder for \(record.profile.selfTrainingIterations) batches from a K-means start; "
                + "Guo et al. 2017) scores accuracy \(f(idec.accuracy)) and NMI \(f(idec.nmi)); `fmnist deep-cluster` runs N2D, DEC, "
                + "IDEC and SCAN in full, N2D and SCAN also from a SimCLR encoder (`--pretrain contrastive`, not part of this study; "
                + "its measured scores are in the README's Deep clustering section)."
        }
        out.append(seeds)
        // Representations and methods: the best AMI of each.
        func bestBy(_ key: (ResultRow) -> String) -> [(String, Double)] {
            var top: [String: Double] = [:]
            for r in rows { top[key(r)] = max(top[key(r)] ?? -1, r.ami ?? -1) }
            return top.sorted { $0.value > $1.value }
        }
        let byFeatures = bestBy(\.features), byMethod = bestBy(\.method)
        out.append("Representations by their best AMI: " + byFeatures.prefix(4).map { "\($0.0) \(String(format: "%.3f", $0.1))" }.joined(separator: ", ")
            + "; the raw pixels reach " + (byFeatures.first { $0.0 == "raw pixels" }.map { String(format: "%.3f", $0.1) } ?? "n/a")
            + ". Methods by their best AMI: " + byMethod.map { "\($0.0) \(String(format: "%.3f", $0.1))" }.joined(separator: ", ") + ".")
        if let reading = record.interpretations.first {
            let mixed = reading.clusters.filter { ($0.classes.first?.share ?? 0) < 0.6 }
            out.append("Reading \(reading.pipeline)'s clusters as classes: \(reading.clusters.count - mixed.count) of \(reading.clusters.count) "
                + "clusters are at least 60 % one class; the mixed ones are "
                + (mixed.isEmpty ? "none." : mixed.prefix(4).map { c in "cluster \(c.id) (" + c.classes.map { "\($0.name) \(Int(($0.share * 100).rounded())) %" }
                    .joined(separator: ", ") + ")" }.joined(separator: "; ") + ". ")
                + familyReading(reading))
        }
        let classifiers = record.models.filter { $0.accuracy != nil }.sorted { ($0.accuracy ?? 0) > ($1.accuracy ?? 0) }
        if let top = classifiers.first {
            out.append("With labels, \(top.name) classifies the test split with accuracy \(f(top.accuracy)) (macro F1 \(f(top.macroF1)))"
                + (classifiers.count > 1 ? "; " + classifiers.dropFirst().map { "\($0.name) \(f($0.accuracy))" }.joined(separator: ", ") : "")
                + String(format: ". The best clustering's accuracy under the best cluster-to-class matching is %@, the gap unsupervised methods leave.",
                         f(best.accuracy)))
        }
        if record.profile.name == .quick {
            out.append("This is the quick profile: the test split only, models trained for a few epochs on 10,000 images, a reduced grid. "
                + "Run `fmnist study --profile full` for the numbers on all 70,000 images.")
        }
        return out
    }
}
