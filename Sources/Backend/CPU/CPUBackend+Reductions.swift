import CBLAS
import Foundation

extension CPUBackend {
    public func reduce(_ op: Reduction, _ x: CPUBuffer, rows: Int, cols: Int, along axis: ReductionAxis,
                       into out: CPUBuffer) throws {
        precondition(rows >= 1 && cols >= 1 && x.count >= rows * cols, "reduce: x holds \(x.count), needs \(rows)x\(cols)")
        let src = x.floats, dst = out.floats
        switch axis {
        case .eachRow:
            precondition(out.count >= rows, "reduce: out holds \(out.count), needs \(rows)")
            parallelFor(rows, grain: max(1, 16_384 / cols)) { range in
                for r in range { dst[r] = fold(op, src + r * cols, count: cols) }
            }
        case .eachColumn:
            precondition(out.count >= cols, "reduce: out holds \(out.count), needs \(cols)")
            if op == .sum || op == .mean {
                // Column sums are a matrix-vector product with ones: out = x^T 1 (scaled for means).
                let ones = [Float](repeating: op == .mean ? 1 / Float(rows) : 1, count: rows)
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(rows), Int32(cols), 1, src, Int32(cols), ones, 1, 0, dst, 1)
                return
            }
            // Walk rows in order so reads stay sequential; each task owns a band of columns.
            parallelFor(cols, grain: max(1, 16_384 / rows)) { range in
                for c in range { dst[c] = op.initial }
                for r in 0 ..< rows {
                    let row = src + r * cols
                    for c in range { dst[c] = op.combine(dst[c], row[c]) }
                }
            }
        }
    }
}

extension Reduction {
    /// The identity of the fold: 0 for sums, -inf for max, +inf for min.
    var initial: Float {
        switch self {
        case .sum, .mean: return 0
        case .max: return -.infinity
        case .min: return .infinity
        }
    }

    @inline(__always)
    func combine(_ a: Float, _ b: Float) -> Float {
        switch self {
        case .sum, .mean: return a + b
        case .max: return fmaxf(a, b)
        case .min: return fminf(a, b)
        }
    }
}

/// `p[0] + ... + p[count-1]` with eight SIMD lanes of partial sums.
@inline(__always)
func vectorSum(_ p: UnsafeMutablePointer<Float>, count: Int) -> Float { fold(.sum, p, count: count) }

/// Folds `p[0 ..< count]` with `op`, using eight lanes of partial results so the loop vectorises
/// and rounding error grows slower than with a single running sum.
private func fold(_ op: Reduction, _ p: UnsafeMutablePointer<Float>, count: Int) -> Float {
    var lanes = SIMD8<Float>(repeating: op.initial)
    var i = 0
    let raw = UnsafeRawPointer(p)
    while i + 8 <= count {
        let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        switch op {
        case .sum, .mean: lanes += v
        case .max: lanes = pointwiseMax(lanes, v)
        case .min: lanes = pointwiseMin(lanes, v)
        }
        i += 8
    }
    var total = op.initial
    for l in 0 ..< 8 { total = op.combine(total, lanes[l]) }
    while i < count { total = op.combine(total, p[i]); i += 1 }
    return op == .mean ? total / Float(count) : total
}
