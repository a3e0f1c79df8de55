import Dataset
import Foundation

/// One (features, method) pair of the results table: the clustering's scores against the true
/// classes (external: ARI, AMI, NMI, accuracy under the Hungarian matching, purity, V-measure,
/// Fowlkes-Mallows), the noise share, the internal scores on the features (silhouette on a seeded
/// sample, Calinski-Harabasz, Davies-Bouldin; nil when fewer than two clusters), the time the
/// clustering took and the memory it added: the process's peak resident size during it less the
/// resident size when it started (the study's own data, already resident, is not counted). `error` holds the one-line
/// reason when the pair failed; its scores are then nil.
public struct ResultRow: Codable, Sendable, Equatable {
    public var features: String
    /// Whether the features were learned with the labels (the CNN's): such a row is not an
    /// unsupervised clustering, and the conclusions name the best unsupervised row apart from it.
    public var supervised: Bool
    public var dims: Int
    public var method: String
    public var parameters: String
    public var clusters: Int?
    public var ari: Double?, ami: Double?, nmi: Double?, accuracy: Double?, purity: Double?
    public var vMeasure: Double?, fowlkesMallows: Double?, noiseFraction: Double?
    public var silhouette: Double?, calinskiHarabasz: Double?, daviesBouldin: Double?
    /// Seconds the clustering took when it was computed (a cached row keeps its measured time).
    public var seconds: Double?
    public var peakMemoryMB: Double?
    public var error: String?

    public init(features: String, supervised: Bool = false, dims: Int, method: String, parameters: String) {
        (self.features, self.supervised, self.dims, self.method, self.parameters) = (features, supervised, dims, method, parameters)
    }

    /// The pipeline's name as the report prints it, e.g. "UMAP-10 + Ward".
    public var pipeline: String { "\(features) + \(method)" }

    /// The table's columns, in order: (CSV header, value).
    public var columns: [(String, String)] {
        func f(_ v: Double?, _ digits: Int = 4) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "" }
        return [("features", features), ("supervised", supervised ? "yes" : "no"), ("dims", "\(dims)"), ("method", method), ("parameters", parameters),
                ("clusters", clusters.map(String.init) ?? ""), ("ari", f(ari)), ("ami", f(ami)), ("nmi", f(nmi)),
                ("accuracy", f(accuracy)), ("purity", f(purity)), ("v_measure", f(vMeasure)), ("fowlkes_mallows", f(fowlkesMallows)),
                ("noise_fraction", f(noiseFraction)), ("silhouette", f(silhouette)), ("calinski_harabasz", f(calinskiHarabasz, 1)),
                ("davies_bouldin", f(daviesBouldin)), ("seconds", f(seconds, 2)), ("peak_memory_mb", f(peakMemoryMB, 0)),
                ("error", error ?? "")]
    }
}

/// The results table's files: `results.csv` (RFC 4180 quoting) and the rows in `results.json`.
public enum ResultsTable {
    public static func csv(_ rows: [ResultRow]) -> String {
        guard let first = rows.first else { return "" }
        func quote(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        let header = first.columns.map(\.0).joined(separator: ",")
        return ([header] + rows.map { $0.columns.map { quote($0.1) }.joined(separator: ",") }).joined(separator: "\n") + "\n"
    }

    /// Rows sorted best first: by AMI (chance-adjusted, so comparable across cluster counts), then
    /// ARI; failed rows last.
    public static func ranked(_ rows: [ResultRow]) -> [ResultRow] {
        rows.sorted { a, b in
            switch (a.ami, b.ami) {
            case let (x?, y?): return x != y ? x > y : (a.ari ?? -1) > (b.ari ?? -1)
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a.pipeline < b.pipeline
            }
        }
    }
}
