import Foundation

/// UMAP's low-dimensional similarity `1 / (1 + a d^(2b))`, with `a` and `b` fitted to the
/// target curve `1` for `d < minDist`, `exp(-(d - minDist) / spread)` beyond, sampled at 300 points
/// of `[0, 3 spread]`, by least squares from `a = b = 1` (umap-learn's `find_ab_params`, which uses
/// SciPy's Levenberg-Marquardt `curve_fit`; this is the same method with analytic derivatives).
public struct UMAPCurve: Sendable, Equatable {
    public var a: Double
    public var b: Double

    public init(a: Double, b: Double) { (self.a, self.b) = (a, b) }

    public init(minDist: Double, spread: Double) {
        let xs = (0 ..< 300).map { spread * 3 * Double($0) / 299 }
        let ys = xs.map { $0 < minDist ? 1 : exp(-($0 - minDist) / spread) }
        func residuals(_ a: Double, _ b: Double) -> [Double] { zip(xs, ys).map { 1 / (1 + a * pow($0, 2 * b)) - $1 } }
        func cost(_ r: [Double]) -> Double { r.reduce(0) { $0 + $1 * $1 } }
        var (a, b) = (1.0, 1.0)
        var lambda = 1e-3
        var r = residuals(a, b), current = cost(r)
        for _ in 0 ..< 500 {
            // Jacobian of f = 1 / (1 + a x^(2b)): df/da = -x^(2b) / (1 + a x^(2b))^2,
            // df/db = -2 a x^(2b) ln(x) / (1 + a x^(2b))^2 (0 at x = 0).
            var jtj = (0.0, 0.0, 0.0), jtr = (0.0, 0.0)
            for (x, res) in zip(xs, r) where x > 0 {
                let p = pow(x, 2 * b), q = 1 + a * p
                let da = -p / (q * q), db = -2 * a * p * log(x) / (q * q)
                jtj = (jtj.0 + da * da, jtj.1 + da * db, jtj.2 + db * db)
                jtr = (jtr.0 + da * res, jtr.1 + db * res)
            }
            var improved = false
            while lambda < 1e12 {
                let m00 = jtj.0 * (1 + lambda), m11 = jtj.2 * (1 + lambda), m01 = jtj.1
                let det = m00 * m11 - m01 * m01
                guard det != 0 else { lambda *= 10; continue }
                let stepA = -(m11 * jtr.0 - m01 * jtr.1) / det, stepB = -(m00 * jtr.1 - m01 * jtr.0) / det
                let trial = residuals(a + stepA, b + stepB), trialCost = cost(trial)
                if trialCost < current {
                    let relative = (current - trialCost) / max(current, 1e-300)
                    (a, b, r, current) = (a + stepA, b + stepB, trial, trialCost)
                    lambda = max(lambda / 10, 1e-12)
                    improved = relative > 1e-14 && (abs(stepA) > 1e-12 * abs(a) || abs(stepB) > 1e-12 * abs(b))
                    break
                }
                lambda *= 10
            }
            if !improved { break }
        }
        (self.a, self.b) = (a, b)
    }
}
