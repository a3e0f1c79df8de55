import Foundation

extension CPUBackend {
    public func map(_ f: UnaryFunction, _ x: CPUBuffer, into y: CPUBuffer, count: Int) throws {
        precondition(count <= x.count && count <= y.count, "map: count \(count) exceeds a buffer")
        let src = x.floats, dst = y.floats
        parallelFor(count) { range in
            switch f {
            case .relu: for i in range { dst[i] = max(src[i], 0) }
            case .sigmoid: for i in range { dst[i] = stableSigmoid(src[i]) }
            case .tanh: for i in range { dst[i] = Foundation.tanh(src[i]) }
            case .exp: for i in range { dst[i] = Foundation.exp(src[i]) }
            case .log: for i in range { dst[i] = Foundation.log(src[i]) }
            case .square: for i in range { dst[i] = src[i] * src[i] }
            case .sqrt: for i in range { dst[i] = src[i].squareRoot() }
            case .abs: for i in range { dst[i] = Swift.abs(src[i]) }
            case .negate: for i in range { dst[i] = -src[i] }
            case .sign: for i in range { dst[i] = src[i] > 0 ? 1 : (src[i] < 0 ? -1 : 0) }
            }
        }
    }

    public func combine(_ f: BinaryFunction, _ a: CPUBuffer, _ b: CPUBuffer, into c: CPUBuffer, count: Int) throws {
        precondition(count <= a.count && count <= b.count && count <= c.count, "combine: count \(count) exceeds a buffer")
        let u = a.floats, v = b.floats, w = c.floats
        parallelFor(count) { range in
            switch f {
            case .add: for i in range { w[i] = u[i] + v[i] }
            case .subtract: for i in range { w[i] = u[i] - v[i] }
            case .multiply: for i in range { w[i] = u[i] * v[i] }
            case .divide: for i in range { w[i] = u[i] / v[i] }
            case .maximum: for i in range { w[i] = fmaxf(u[i], v[i]) }
            case .minimum: for i in range { w[i] = fminf(u[i], v[i]) }
            }
        }
    }

    public func scale(_ x: CPUBuffer, by alpha: Float, into y: CPUBuffer, count: Int) throws {
        precondition(count <= x.count && count <= y.count, "scale: count \(count) exceeds a buffer")
        let src = x.floats, dst = y.floats
        parallelFor(count) { range in for i in range { dst[i] = alpha * src[i] } }
    }

    public func axpy(alpha: Float, x: CPUBuffer, y: CPUBuffer, count: Int) throws {
        precondition(count <= x.count && count <= y.count, "axpy: count \(count) exceeds a buffer")
        let src = x.floats, dst = y.floats
        parallelFor(count) { range in for i in range { dst[i] += alpha * src[i] } }
    }

    public func activationGradient(_ f: Activation, output y: CPUBuffer, gradient dy: CPUBuffer, into dx: CPUBuffer,
                                   count: Int) throws {
        precondition(count <= y.count && count <= dy.count && count <= dx.count, "activationGradient: count \(count) exceeds a buffer")
        let out = y.floats, g = dy.floats, dst = dx.floats
        parallelFor(count) { range in
            switch f {
            case .relu: reluGradient(output: out, gradient: g, into: dst, range: range)
            case .sigmoid: for i in range { dst[i] = g[i] * out[i] * (1 - out[i]) }
            case .tanh: for i in range { dst[i] = g[i] * (1 - out[i] * out[i]) }
            }
        }
    }
}

/// `dx = dy` where the ReLU's output is positive, else 0; eight at a time with a mask (the
/// element-by-element loop compiled to a branch per element, which random signs mispredict).
@inline(__always)
private func reluGradient(output y: UnsafeMutablePointer<Float>, gradient dy: UnsafeMutablePointer<Float>,
                          into dx: UnsafeMutablePointer<Float>, range: Range<Int>) {
    var i = range.lowerBound
    while i + 8 <= range.upperBound {
        let out = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
        var g = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD8<Float>.self)
        g.replace(with: 0, where: .!(out .> 0))
        UnsafeMutableRawPointer(dx + i).storeBytes(of: g, as: SIMD8<Float>.self)
        i += 8
    }
    while i < range.upperBound { dx[i] = y[i] > 0 ? dy[i] : 0; i += 1 }
}

/// `1 / (1 + e^-x)` without overflow: `e^x / (1 + e^x)` for negative `x` (as the OpenCL kernel).
@inline(__always)
func stableSigmoid(_ x: Float) -> Float {
    if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
    let e = Foundation.exp(x)
    return e / (1 + e)
}
