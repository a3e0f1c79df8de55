import Foundation

/// Scores of a clustering against true labels, with scikit-learn's definitions (so figures compare
/// with published ones): ARI, NMI and AMI (arithmetic normalisation; AMI with the exact expected
/// mutual information), homogeneity, completeness, V-measure, purity, Fowlkes-Mallows, and
/// accuracy after the best one-to-one cluster-to-class matching (Hungarian algorithm).
public struct ExternalMetrics: Codable, Equatable, Sendable {
    public var ari: Double
    public var nmi: Double
    public var ami: Double
    public var homogeneity: Double
    public var completeness: Double
    public var vMeasure: Double
    public var purity: Double
    public var fowlkesMallows: Double
    public var accuracy: Double
    /// Cluster -> class by majority, and by the Hungarian matching (clusters left over map to their majority).
    public var majorityMapping: [Int64: Int64]
    public var hungarianMapping: [Int64: Int64]
    /// Clusters left out of the one-to-one matching (more clusters than classes, noise included), ascending: their
    /// points count as errors in `accuracy`, whatever class `hungarianMapping` shows them with.
    public var unmatchedClusters: [Int64]

    public init(truth: [Int64], predicted: [Int64]) {
        let table = Contingency(truth: truth, predicted: predicted)
        let n = Double(table.total)
        let a = table.rowSums.map(Double.init), b = table.columnSums.map(Double.init)
        let pairs = { (x: Double) in x * (x - 1) / 2 }
        let sumCells = table.counts.flatMap { $0 }.reduce(0.0) { $0 + pairs(Double($1)) }
        let sumA = a.reduce(0.0) { $0 + pairs($1) }, sumB = b.reduce(0.0) { $0 + pairs($1) }
        let expected = n > 1 ? sumA * sumB / pairs(n) : 0
        let maxIndex = (sumA + sumB) / 2
        // scikit-learn: identical trivial labelings score 1.
        ari = maxIndex == expected ? 1 : (sumCells - expected) / (maxIndex - expected)

        let entropy = { (counts: [Double]) -> Double in
            counts.reduce(0.0) { $0 - ($1 > 0 ? ($1 / n) * log($1 / n) : 0) }
        }
        let hTruth = entropy(a), hPred = entropy(b)
        var mi = 0.0
        for (i, row) in table.counts.enumerated() {
            for (j, c) in row.enumerated() where c > 0 {
                let cell = Double(c)
                mi += cell / n * (log(cell * n) - log(a[i] * b[j]))
            }
        }
        mi = max(0, mi)
        homogeneity = hTruth == 0 ? 1 : mi / hTruth
        completeness = hPred == 0 ? 1 : mi / hPred
        vMeasure = homogeneity + completeness == 0 ? 0 : 2 * homogeneity * completeness / (homogeneity + completeness)
        let meanEntropy = (hTruth + hPred) / 2
        nmi = table.classes.count == table.clusters.count && table.classes.count <= 1 ? 1 : (meanEntropy == 0 ? 1 : mi / meanEntropy)
        if table.classes.count == table.clusters.count && table.classes.count <= 1 {
            ami = 1
        } else {
            let emi = Self.expectedMutualInformation(a: table.rowSums, b: table.columnSums, n: table.total)
            let denominator = meanEntropy - emi
            // Expectation equal to the maximum: every table with these margins has the same MI, so
            // this one is a perfect match (scikit-learn returns 1.0, e.g. for [0, 1] against itself).
            ami = abs(denominator) <= 1e-12 * max(1, meanEntropy) ? 1 : (mi - emi) / denominator
        }
        purity = n == 0 ? 0 : Double((0 ..< table.clusters.count).reduce(0) { s, j in s + table.counts.map { $0[j] }.max()! }) / n
        let tk = table.counts.flatMap { $0 }.reduce(0.0) { $0 + Double($1) * Double($1) } - n
        let pk = b.reduce(0.0) { $0 + $1 * $1 } - n, qk = a.reduce(0.0) { $0 + $1 * $1 } - n
        fowlkesMallows = tk == 0 ? 0 : tk / (pk * qk).squareRoot()

        var majority: [Int64: Int64] = [:]
        for (j, cluster) in table.clusters.enumerated() {
            let column = table.counts.map { $0[j] }
            majority[cluster] = table.classes[column.firstIndex(of: column.max()!)!]
        }
        majorityMapping = majority
        let assignment = Hungarian.maximise(table.counts)
        var hungarian = majority
        var matched = 0, matchedClusters = Set<Int64>()
        for (i, j) in assignment.enumerated() where j >= 0 {
            hungarian[table.clusters[j]] = table.classes[i]
            matched += table.counts[i][j]
            matchedClusters.insert(table.clusters[j])
        }
        hungarianMapping = hungarian
        unmatchedClusters = table.clusters.filter { !matchedClusters.contains($0) }.sorted()
        accuracy = n == 0 ? 0 : Double(matched) / n
    }

    /// E[MI] under the hypergeometric model of random labelings with the same cluster sizes
    /// (Vinh, Epps and Bailey 2010), computed exactly with log-gamma as scikit-learn does.
    static func expectedMutualInformation(a: [Int], b: [Int], n: Int) -> Double {
        let N = Double(n)
        let lgammaN = logGamma(N + 1)
        var emi = 0.0
        for ai in a where ai > 0 {
            for bj in b where bj > 0 {
                let x = Double(ai), y = Double(bj)
                let lower = max(1, ai + bj - n), upper = min(ai, bj)
                guard lower <= upper else { continue }
                let fixed: Double = logGamma(x + 1) + logGamma(y + 1) + logGamma(N - x + 1) + logGamma(N - y + 1) - lgammaN
                for nij in lower ... upper {
                    let v = Double(nij)
                    let term: Double = v / N * (log(N * v) - log(x * y))
                    var logProbability: Double = fixed - logGamma(v + 1) - logGamma(x - v + 1)
                    logProbability -= logGamma(y - v + 1) + logGamma(N - x - y + v + 1)
                    emi += term * exp(logProbability)
                }
            }
        }
        return emi
    }
}

/// `log(Gamma(x))` for positive `x` (glibc's `lgamma`).
@inline(__always)
func logGamma(_ x: Double) -> Double { Foundation.lgamma(x) }
