/// The contingency table of two labelings of the same points: `counts[i][j]` points with true
/// class `classes[i]` and predicted cluster `clusters[j]`. Labels are arbitrary integers (noise,
/// -1, is a cluster of its own, as in scikit-learn).
public struct Contingency: Equatable, Sendable {
    public let classes: [Int64]
    public let clusters: [Int64]
    public let counts: [[Int]]
    public let total: Int

    public init(truth: [Int64], predicted: [Int64]) {
        precondition(truth.count == predicted.count, "Contingency: \(truth.count) true labels vs \(predicted.count) predictions")
        classes = Array(Set(truth)).sorted()
        clusters = Array(Set(predicted)).sorted()
        let row = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let column = Dictionary(uniqueKeysWithValues: clusters.enumerated().map { ($1, $0) })
        var counts = [[Int]](repeating: [Int](repeating: 0, count: clusters.count), count: classes.count)
        for (t, p) in zip(truth, predicted) { counts[row[t]!][column[p]!] += 1 }
        self.counts = counts
        total = truth.count
    }

    public var rowSums: [Int] { counts.map { $0.reduce(0, +) } }
    public var columnSums: [Int] { (0 ..< clusters.count).map { j in counts.reduce(0) { $0 + $1[j] } } }
}
