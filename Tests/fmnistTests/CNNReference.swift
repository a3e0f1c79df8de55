import Foundation

/// One plain float64 forward and backward pass of the CNN classifier (conv 1>32 p1, ReLU, 2x2
/// max-pool, conv 32>64 p1, ReLU, pool, fc1 3136>128, ReLU, dropout 0, fc2 128>10, mean softmax
/// cross-entropy), written from PyTorch's definitions, NCHW, to check a training step end to end.
enum CNNReference {
    /// Parameters by PyTorch name, as flat row-major arrays.
    typealias Weights = [String: [Double]]

    /// Gradients of the mean cross-entropy over `count` images `x [count, 784]` with `labels`.
    static func gradients(_ w: Weights, x: [Double], labels: [Int], count: Int) -> Weights {
        let c1 = conv(x, w["conv1.weight"]!, w["conv1.bias"]!, n: count, inC: 1, outC: 32, size: 28).map { max($0, 0) }
        let (p1, i1) = pool(c1, n: count, c: 32, size: 28)
        let c2 = conv(p1, w["conv2.weight"]!, w["conv2.bias"]!, n: count, inC: 32, outC: 64, size: 14).map { max($0, 0) }
        let (p2, i2) = pool(c2, n: count, c: 64, size: 14)
        let h = linear(p2, w["fc1.weight"]!, w["fc1.bias"]!, n: count, inputs: 3136, outputs: 128).map { max($0, 0) }
        let z = linear(h, w["fc2.weight"]!, w["fc2.bias"]!, n: count, inputs: 128, outputs: 10)
        var dz = [Double](repeating: 0, count: count * 10)
        for r in 0 ..< count {
            let row = z[(r * 10) ..< (r * 10 + 10)], top = row.max()!
            let total = row.reduce(0) { $0 + exp($1 - top) }
            for j in 0 ..< 10 { dz[r * 10 + j] = (exp(z[r * 10 + j] - top) / total - (j == labels[r] ? 1 : 0)) / Double(count) }
        }
        var g: Weights = [:]
        var dh: [Double]
        (g["fc2.weight"], g["fc2.bias"], dh) = linearBackward(dz, input: h, w["fc2.weight"]!, n: count, inputs: 128, outputs: 10)
        dh = zip(dh, h).map { $1 > 0 ? $0 : 0 }
        var dp2: [Double]
        (g["fc1.weight"], g["fc1.bias"], dp2) = linearBackward(dh, input: p2, w["fc1.weight"]!, n: count, inputs: 3136, outputs: 128)
        let dc2 = zip(unpool(dp2, indices: i2, count: c2.count), c2).map { $1 > 0 ? $0 : 0 }
        var dp1: [Double]
        (g["conv2.weight"], g["conv2.bias"], dp1) = convBackward(dc2, input: p1, w["conv2.weight"]!, n: count, inC: 32, outC: 64, size: 14)
        let dc1 = zip(unpool(dp1, indices: i1, count: c1.count), c1).map { $1 > 0 ? $0 : 0 }
        (g["conv1.weight"], g["conv1.bias"], _) = convBackward(dc1, input: x, w["conv1.weight"]!, n: count, inC: 1, outC: 32, size: 28)
        return g
    }

    /// 3x3 convolution, stride 1, padding 1, `[n, inC, size, size] -> [n, outC, size, size]`.
    static func conv(_ x: [Double], _ w: [Double], _ b: [Double], n: Int, inC: Int, outC: Int, size s: Int) -> [Double] {
        var y = [Double](repeating: 0, count: n * outC * s * s)
        for i in 0 ..< n { for o in 0 ..< outC { for r in 0 ..< s { for q in 0 ..< s {
            var sum = b[o]
            for c in 0 ..< inC { for u in 0 ..< 3 { for v in 0 ..< 3 {
                let (rr, qq) = (r + u - 1, q + v - 1)
                guard rr >= 0, rr < s, qq >= 0, qq < s else { continue }
                sum += x[((i * inC + c) * s + rr) * s + qq] * w[((o * inC + c) * 3 + u) * 3 + v]
            } } }
            y[((i * outC + o) * s + r) * s + q] = sum
        } } } }
        return y
    }

    /// Weight, bias and input gradients of `conv`.
    static func convBackward(_ dy: [Double], input x: [Double], _ w: [Double], n: Int, inC: Int, outC: Int, size s: Int)
        -> ([Double], [Double], [Double]) {
        var dw = [Double](repeating: 0, count: w.count), db = [Double](repeating: 0, count: outC), dx = [Double](repeating: 0, count: x.count)
        for i in 0 ..< n { for o in 0 ..< outC { for r in 0 ..< s { for q in 0 ..< s {
            let g = dy[((i * outC + o) * s + r) * s + q]
            db[o] += g
            for c in 0 ..< inC { for u in 0 ..< 3 { for v in 0 ..< 3 {
                let (rr, qq) = (r + u - 1, q + v - 1)
                guard rr >= 0, rr < s, qq >= 0, qq < s else { continue }
                let xi = ((i * inC + c) * s + rr) * s + qq, wi = ((o * inC + c) * 3 + u) * 3 + v
                dw[wi] += g * x[xi]
                dx[xi] += g * w[wi]
            } } }
        } } } }
        return (dw, db, dx)
    }

    /// 2x2 max-pool, stride 2; the first maximum in row-major window order wins, as PyTorch.
    static func pool(_ x: [Double], n: Int, c: Int, size s: Int) -> ([Double], [Int]) {
        let h = s / 2
        var y = [Double](repeating: 0, count: n * c * h * h), index = [Int](repeating: 0, count: y.count)
        for plane in 0 ..< n * c { for r in 0 ..< h { for q in 0 ..< h {
            var best = -Double.infinity, at = 0
            for u in 0 ..< 2 { for v in 0 ..< 2 {
                let i = (plane * s + 2 * r + u) * s + 2 * q + v
                if x[i] > best { (best, at) = (x[i], i) }
            } }
            (y[(plane * h + r) * h + q], index[(plane * h + r) * h + q]) = (best, at)
        } } }
        return (y, index)
    }

    static func unpool(_ dy: [Double], indices: [Int], count: Int) -> [Double] {
        var dx = [Double](repeating: 0, count: count)
        for (g, i) in zip(dy, indices) { dx[i] += g }
        return dx
    }

    /// `y = x W^T + b`, `W [outputs, inputs]`.
    static func linear(_ x: [Double], _ w: [Double], _ b: [Double], n: Int, inputs: Int, outputs: Int) -> [Double] {
        (0 ..< n * outputs).map { k in
            let (r, o) = k.quotientAndRemainder(dividingBy: outputs)
            return (0 ..< inputs).reduce(b[o]) { $0 + x[r * inputs + $1] * w[o * inputs + $1] }
        }
    }

    static func linearBackward(_ dy: [Double], input x: [Double], _ w: [Double], n: Int, inputs: Int, outputs: Int)
        -> ([Double], [Double], [Double]) {
        var dw = [Double](repeating: 0, count: w.count), db = [Double](repeating: 0, count: outputs), dx = [Double](repeating: 0, count: x.count)
        for r in 0 ..< n { for o in 0 ..< outputs {
            let g = dy[r * outputs + o]
            db[o] += g
            for i in 0 ..< inputs { dw[o * inputs + i] += g * x[r * inputs + i]; dx[r * inputs + i] += g * w[o * inputs + i] }
        } }
        return (dw, db, dx)
    }
}
