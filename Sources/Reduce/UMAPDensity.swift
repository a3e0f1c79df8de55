import Foundation

/// densMAP's density-preserving regulariser (Narayan, Berger and Cho 2021, "Assessing single-cell
/// transcriptomic variability through density-preserving data visualization"; umap-learn's
/// `densmap=True`). Each point's local radius in the input, `r_i = log(sum_j mu_ij d_ij^2 / sum_j
/// mu_ij)` standardised to `R`, should correlate with its radius in the embedding,
/// `e_i = log(sum_j phi_ij |y_i - y_j|^2 / sum_j phi_ij)`, `phi = 1 / (1 + a d^(2b))`; the
/// correlation's gradient, weighted by `lambda`, is added to each sampled edge's attraction during
/// the last `fraction` of the epochs.
struct UMAPDensity {
    let lambda: Double
    let fraction: Double
    let varianceShift: Double
    /// Standardised input radii `R`, per point.
    let radii: [Double]
    /// `sum_j mu_ij` per point (each stored entry added to both ends, as umap-learn), and umap-learn's
    /// `dens_mu_tot = sum(mu_sum) / 2`: the sum of `mu` over the stored entries, both directions of each edge.
    let muSum: [Double]
    let muTotal: Double

    init(set: FuzzySimplicialSet, lambda: Double, fraction: Double, varianceShift: Double) {
        (self.lambda, self.fraction, self.varianceShift) = (lambda, fraction, varianceShift)
        let n = set.count
        var ro = [Double](repeating: 0, count: n), mu = [Double](repeating: 0, count: n)
        // Both directions of every edge are stored, and umap-learn adds each entry to both ends.
        for i in 0 ..< n {
            for e in set.rowStart[i] ..< set.rowStart[i + 1] {
                let j = Int(set.columns[e]), w = Double(set.weights[e]), d2 = Double(set.distances[e]) * Double(set.distances[e])
                ro[i] += w * d2; ro[j] += w * d2
                mu[i] += w; mu[j] += w
            }
        }
        let logs = (0 ..< n).map { log(1e-8 + ro[$0] / max(mu[$0], 1e-300)) }
        let mean = logs.reduce(0, +) / Double(n)
        let std = (logs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)).squareRoot()
        radii = logs.map { std > 0 ? ($0 - mean) / std : 0 }
        muSum = mu
        muTotal = mu.reduce(0, +) / 2
    }

    /// Whether epoch `epoch` (from 0) of `epochs` applies the regulariser.
    func active(epoch: Int, of epochs: Int) -> Bool { lambda > 0 && Double(epoch + 1) / Double(epochs) > 1 - fraction }

    /// The embedding radii and their statistics at the start of an epoch.
    struct EpochState {
        var phiSum: [Double]
        var logRadius: [Double]
        var mean: Double
        var std: Double
        var covariance: Double
    }

    func epochState(set: FuzzySimplicialSet, embedding y: [Float], dims: Int, curve: UMAPCurve) -> EpochState {
        let n = set.count
        var re = [Double](repeating: 0, count: n), phiSum = [Double](repeating: 0, count: n)
        for i in 0 ..< n {
            for e in set.rowStart[i] ..< set.rowStart[i + 1] {
                let j = Int(set.columns[e])
                var d2 = 0.0
                for t in 0 ..< dims { let v = Double(y[i * dims + t] - y[j * dims + t]); d2 += v * v }
                let phi = 1 / (1 + curve.a * pow(d2, curve.b))
                re[i] += phi * d2; re[j] += phi * d2
                phiSum[i] += phi; phiSum[j] += phi
            }
        }
        let logRadius = (0 ..< n).map { log(1e-8 + re[$0] / max(phiSum[$0], 1e-300)) }
        let mean = logRadius.reduce(0, +) / Double(n)
        let variance = logRadius.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
        let covariance = zip(logRadius, radii).reduce(0) { $0 + $1.0 * $1.1 } / Double(n - 1)
        return EpochState(phiSum: phiSum, logRadius: logRadius, mean: mean, std: (variance + varianceShift).squareRoot(), covariance: covariance)
    }

    /// umap-learn's `grad_cor_coeff` for the edge `(j, k)` with membership `mu` at squared distance `d2`.
    func coefficient(_ s: EpochState, j: Int, k: Int, mu: Double, d2: Double, curve: UMAPCurve, count n: Int) -> Double {
        let (a, b) = (curve.a, curve.b)
        let pb = pow(d2, b), phi = 1 / (1 + a * pb)
        let dphi = d2 > 0 ? a * b * pb / d2 / (1 + a * pb) : 0
        let qjk = phi / s.phiSum[k], qkj = phi / s.phiSum[j]
        let drk = qjk * ((1 - b * (1 - phi)) / exp(s.logRadius[k]) + dphi)
        let drj = qkj * ((1 - b * (1 - phi)) / exp(s.logRadius[j]) + dphi)
        let stdSquared = s.std * s.std
        let weightK = radii[k] - s.covariance * (s.logRadius[k] - s.mean) / stdSquared
        let weightJ = radii[j] - s.covariance * (s.logRadius[j] - s.mean) / stdSquared
        return lambda * muTotal * (weightK * drk + weightJ * drj) / (mu * s.std) / Double(n)
    }
}
