import Foundation

/// Where a Float squared distance can misjudge `|x_i - x_j| <= eps`, and the exact test for the pairs
/// there (DBSCAN's device and host-row routes).
///
/// The blocks hold `fl(|y_i|^2 + |y_j|^2 - 2 y_i . y_j)` of the centred points `y = fl(x - mean)`
/// (centring shrinks the norms the expansion cancels). Each of the three terms is a sum of `d`
/// products, so its rounding error is at most `gamma_d` times the sum of their magnitudes (`gamma_d
/// = d u / (1 - d u)`, `u = 2^-24`, any summation order: Higham 2002, section 3.1), at most
/// `gamma_d R^2` with `R` the largest centred norm; the two additions and the centring add a few
/// `u (4 R^2 + eps^2)` more. `margin = 2 (d + 8) u (4 R^2 + eps^2)` bounds the lot with a factor of
/// two to spare: a pair whose block value is at most `lower = eps^2 - margin` is within `eps`, one
/// above `upper = eps^2 + margin` is not, and only the pairs between are decided by `within`: the
/// squared differences of the input's own values summed in Double and compared with `eps^2`
/// inclusively (scikit-learn's test, and the k-d tree route's).
///
/// `directDifferences` is the band of `fl(sum_t (x_it - x_jt)^2)` instead (the host-row route): every
/// term is non-negative, so the error is relative, at most `(d + 4) u` of the distance; the margin is
/// twice that of `eps^2`.
struct RadiusBand {
    /// The centred points `[n, d]`, for the device (empty for `directDifferences`).
    let centred: [Float]
    /// Block values at most this are within `eps` (rounded down to a Float; negative: none surely).
    let lower: Float
    /// Block values above this are not within `eps` (rounded up to a Float).
    let upper: Float
    let dim: Int
    let eps2: Double

    init(_ x: [Float], rows n: Int, dim d: Int, eps: Double) {
        var mean = [Double](repeating: 0, count: d)
        for i in 0 ..< n { for t in 0 ..< d { mean[t] += Double(x[i * d + t]) } }
        for t in 0 ..< d { mean[t] /= Double(max(1, n)) }
        var centred = [Float](repeating: 0, count: n * d), largest = 0.0
        for i in 0 ..< n {
            var norm = 0.0
            for t in 0 ..< d {
                let v = Float(Double(x[i * d + t]) - mean[t])
                centred[i * d + t] = v
                norm += Double(v) * Double(v)
            }
            largest = max(largest, norm)
        }
        let eps2 = eps * eps, margin = 2 * Double(d + 8) * 0x1p-24 * (4 * largest + eps2)
        self.centred = centred
        self.lower = Float(eps2 - margin).nextDown
        self.upper = Float(eps2 + margin).nextUp
        self.dim = d
        self.eps2 = eps2
    }

    private init(lower: Double, upper: Double, dim: Int, eps2: Double) {
        (self.centred, self.lower, self.upper, self.dim, self.eps2) = ([], Float(lower).nextDown, Float(upper).nextUp, dim, eps2)
    }

    /// The band of squared distances summed from the differences of `dim` features in Float.
    static func directDifferences(dim d: Int, eps: Double) -> RadiusBand {
        let eps2 = eps * eps, margin = 2 * Double(d + 4) * 0x1p-24 * eps2
        return RadiusBand(lower: eps2 - margin, upper: eps2 + margin, dim: d, eps2: eps2)
    }

    /// Whether a Float squared distance `value` of points `i` and `j` of `x` is within `eps`: by the
    /// band's edges, or exactly between them.
    @inline(__always)
    func within(_ value: Float, _ x: [Float], _ i: Int, _ j: Int) -> Bool {
        value <= lower || (value <= upper && within(x, i, j))
    }

    /// Whether points `i` and `j` of `x [n, d]` lie within `eps` of each other, exactly as
    /// scikit-learn decides it.
    func within(_ x: [Float], _ i: Int, _ j: Int) -> Bool {
        var sum = 0.0
        for t in 0 ..< dim {
            let v = Double(x[i * dim + t]) - Double(x[j * dim + t])
            sum += v * v
        }
        return sum <= eps2
    }
}
