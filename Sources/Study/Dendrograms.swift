import Cluster
import Dataset
import Imaging

/// Dendrogram figures of merge trees.
public enum Dendrograms {
    /// The tree truncated to `leaves` leaf clusters, each captioned with its majority class when
    /// the classes of the points are known (ties to the lower class).
    public static func chart(_ tree: LinkageTree, title: String, leaves requested: Int, classes: [Int64]?) -> DendrogramChart {
        let leaves = min(requested, tree.points)
        var captions: [Int: String] = [:]
        if let classes {
            var counts: [Int: [Int64: Int]] = [:]
            for (point, id) in tree.clusterIds(applying: tree.points - leaves).enumerated() { counts[id, default: [:]][classes[point], default: 0] += 1 }
            for (id, histogram) in counts {
                let majority = histogram.max { ($0.value, -$0.key) < ($1.value, -$1.key) }!.key
                captions[id] = majority >= 0 && Int(majority) < FashionMNIST.classNames.count ? FashionMNIST.classNames[Int(majority)] : "\(majority)"
            }
        }
        return DendrogramChart(title: title, points: tree.points, merges: tree.merges.map { ($0.left, $0.right, $0.height, $0.size) },
                               leaves: leaves, captions: captions)
    }
}
