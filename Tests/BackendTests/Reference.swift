import Foundation

/// Naive references in Double: the definitions the backends must reproduce.
enum Reference {
    /// `alpha * op(A) op(B) + beta * C`, row-major, as `ComputeBackend.gemm`.
    static func gemm(_ a: [Float], _ b: [Float], _ c: [Float], m: Int, n: Int, k: Int,
                     transA: Bool, transB: Bool, alpha: Float, beta: Float) -> [Double] {
        var out = [Double](repeating: 0, count: m * n)
        for i in 0 ..< m {
            for j in 0 ..< n {
                var s = 0.0
                for p in 0 ..< k {
                    let x = transA ? a[p * m + i] : a[i * k + p]
                    let y = transB ? b[j * k + p] : b[p * n + j]
                    s += Double(x) * Double(y)
                }
                out[i * n + j] = Double(alpha) * s + (beta == 0 ? 0 : Double(beta) * Double(c[i * n + j]))
            }
        }
        return out
    }

    static func squaredDistances(_ x: [Float], rows: Int, _ y: [Float], yRows: Int, dim: Int) -> [Double] {
        var out = [Double](repeating: 0, count: rows * yRows)
        for i in 0 ..< rows {
            for j in 0 ..< yRows {
                var s = 0.0
                for d in 0 ..< dim {
                    let t = Double(x[i * dim + d]) - Double(y[j * dim + d])
                    s += t * t
                }
                out[i * yRows + j] = s
            }
        }
        return out
    }

    static func unary(_ f: String, _ v: Double) -> Double {
        switch f {
        case "relu": return max(v, 0)
        case "sigmoid": return 1 / (1 + Foundation.exp(-v))
        case "tanh": return Foundation.tanh(v)
        case "exp": return Foundation.exp(v)
        case "log": return Foundation.log(v)
        case "square": return v * v
        case "sqrt": return v.squareRoot()
        case "abs": return Swift.abs(v)
        case "negate": return -v
        case "sign": return v > 0 ? 1 : (v < 0 ? -1 : 0)
        default: fatalError("unknown unary function \(f)")
        }
    }
}
