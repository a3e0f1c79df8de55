import Backend
import Foundation

/// Naive Double references for the training ops, written from PyTorch's definitions.
enum TrainingReference {
    /// `y[n,o,oh,ow] = b[o] + sum_{c,i,j} x[n,c,oh*s-p+i,ow*s-p+j] w[o,c,i,j]`.
    static func conv2d(_ x: [Double], _ w: [Double], _ b: [Double]?, _ g: Conv2DGeometry) -> [Double] {
        var y = [Double](repeating: 0, count: g.outputCount)
        for n in 0 ..< g.batch { for o in 0 ..< g.outChannels { for oh in 0 ..< g.outHeight { for ow in 0 ..< g.outWidth {
            var s = b?[o] ?? 0
            for c in 0 ..< g.inChannels { for i in 0 ..< g.kernelHeight { for j in 0 ..< g.kernelWidth {
                let h = oh * g.strideHeight - g.padHeight + i, wq = ow * g.strideWidth - g.padWidth + j
                guard h >= 0, h < g.inHeight, wq >= 0, wq < g.inWidth else { continue }
                s += x[((n * g.inChannels + c) * g.inHeight + h) * g.inWidth + wq] * w[((o * g.inChannels + c) * g.kernelHeight + i) * g.kernelWidth + j]
            } } }
            y[((n * g.outChannels + o) * g.outHeight + oh) * g.outWidth + ow] = s
        } } } }
        return y
    }

    /// The input gradient of `conv2d`: `dx[n,c,h,w] = sum dy[n,o,oh,ow] w[o,c,i,j]` over matching positions.
    static func conv2dBackwardData(_ dy: [Double], _ w: [Double], _ g: Conv2DGeometry) -> [Double] {
        var dx = [Double](repeating: 0, count: g.inputCount)
        visit(g) { n, o, c, i, j, h, wq, oh, ow in
            dx[((n * g.inChannels + c) * g.inHeight + h) * g.inWidth + wq] +=
                dy[((n * g.outChannels + o) * g.outHeight + oh) * g.outWidth + ow] * w[((o * g.inChannels + c) * g.kernelHeight + i) * g.kernelWidth + j]
        }
        return dx
    }

    /// The weight gradient of `conv2d`: `dw[o,c,i,j] = sum dy[n,o,oh,ow] x[n,c,h,w]`.
    static func conv2dBackwardWeights(_ x: [Double], _ dy: [Double], _ g: Conv2DGeometry) -> [Double] {
        var dw = [Double](repeating: 0, count: g.weightCount)
        visit(g) { n, o, c, i, j, h, wq, oh, ow in
            dw[((o * g.inChannels + c) * g.kernelHeight + i) * g.kernelWidth + j] +=
                dy[((n * g.outChannels + o) * g.outHeight + oh) * g.outWidth + ow] * x[((n * g.inChannels + c) * g.inHeight + h) * g.inWidth + wq]
        }
        return dw
    }

    /// `db[o] = sum dy[:, o, :, :]` for `[outer, channels, inner]`.
    static func biasGradient(_ dy: [Double], outer: Int, channels: Int, inner: Int) -> [Double] {
        (0 ..< channels).map { c in (0 ..< outer).reduce(0.0) { s, o in s + (0 ..< inner).reduce(0.0) { $0 + dy[(o * channels + c) * inner + $1] } } }
    }

    private static func visit(_ g: Conv2DGeometry, _ body: (Int, Int, Int, Int, Int, Int, Int, Int, Int) -> Void) {
        for n in 0 ..< g.batch { for o in 0 ..< g.outChannels { for oh in 0 ..< g.outHeight { for ow in 0 ..< g.outWidth {
            for c in 0 ..< g.inChannels { for i in 0 ..< g.kernelHeight { for j in 0 ..< g.kernelWidth {
                let h = oh * g.strideHeight - g.padHeight + i, wq = ow * g.strideWidth - g.padWidth + j
                guard h >= 0, h < g.inHeight, wq >= 0, wq < g.inWidth else { continue }
                body(n, o, c, i, j, h, wq, oh, ow)
            } } }
        } } } }
    }

    /// Transposed convolution, written directly from PyTorch's definition (each input pixel scatters
    /// its weighted kernel into the output): `y[n,co,ih*s-p+i,iw*s-p+j] += x[n,ci,ih,iw] w[ci,co,i,j]`.
    static func convTranspose2d(_ x: [Double], _ w: [Double], _ b: [Double]?, _ t: ConvTranspose2DGeometry) -> [Double] {
        let g = t.adjoint
        var y = [Double](repeating: 0, count: t.outputCount)
        for n in 0 ..< t.batch { for co in 0 ..< t.outChannels { for q in 0 ..< t.outHeight * t.outWidth {
            y[(n * t.outChannels + co) * t.outHeight * t.outWidth + q] = b?[co] ?? 0
        } } }
        for n in 0 ..< t.batch { for ci in 0 ..< t.inChannels { for ih in 0 ..< t.inHeight { for iw in 0 ..< t.inWidth {
            let v = x[((n * t.inChannels + ci) * t.inHeight + ih) * t.inWidth + iw]
            for co in 0 ..< t.outChannels { for i in 0 ..< g.kernelHeight { for j in 0 ..< g.kernelWidth {
                let h = ih * g.strideHeight - g.padHeight + i, wq = iw * g.strideWidth - g.padWidth + j
                guard h >= 0, h < t.outHeight, wq >= 0, wq < t.outWidth else { continue }
                y[((n * t.outChannels + co) * t.outHeight + h) * t.outWidth + wq] += v * w[((ci * t.outChannels + co) * g.kernelHeight + i) * g.kernelWidth + j]
            } } }
        } } } }
        return y
    }

    /// Max-pool forward: window maxima and their `h * W + w` (first on ties, NaN wins), as PyTorch.
    static func maxPool(_ x: [Double], _ g: Pool2DGeometry) -> (values: [Double], indices: [Int32]) {
        var values = [Double](), indices = [Int32]()
        for p in 0 ..< g.batch * g.channels { for oh in 0 ..< g.outHeight { for ow in 0 ..< g.outWidth {
            var best = -Double.infinity, at = -1
            for i in 0 ..< g.kernelHeight { for j in 0 ..< g.kernelWidth {
                let h = oh * g.strideHeight - g.padHeight + i, w = ow * g.strideWidth - g.padWidth + j
                guard h >= 0, h < g.inHeight, w >= 0, w < g.inWidth else { continue }
                let v = x[p * g.inHeight * g.inWidth + h * g.inWidth + w]
                if at < 0 || v > best || v.isNaN { best = v; at = h * g.inWidth + w }
            } }
            values.append(best); indices.append(Int32(at))
        } } }
        return (values, indices)
    }

    /// DEC's Student's t assignments and the loss `(1/rows) sum p log(p / q)`, straight from the definitions
    /// (no gradient: the tests take it by finite differences of this).
    static func studentT(_ z: [Double], _ mu: [Double], target p: [Double], rows: Int, dims: Int, clusters: Int,
                         alpha: Double) -> (q: [Double], loss: Double) {
        var q = [Double](repeating: 0, count: rows * clusters), loss = 0.0
        for i in 0 ..< rows {
            var s = [Double](repeating: 0, count: clusters)
            for j in 0 ..< clusters {
                var d2 = 0.0
                for d in 0 ..< dims { d2 += (z[i * dims + d] - mu[j * dims + d]) * (z[i * dims + d] - mu[j * dims + d]) }
                s[j] = pow(1 + d2 / alpha, -(alpha + 1) / 2)
            }
            let total = s.reduce(0, +)
            for j in 0 ..< clusters {
                q[i * clusters + j] = s[j] / total
                let pij = p.isEmpty ? 0 : p[i * clusters + j]
                if pij > 0 { loss += pij * log(pij / q[i * clusters + j]) }
            }
        }
        return (q, loss / Double(rows))
    }

    static func softmaxCrossEntropy(_ z: [Double], _ labels: [Int32], rows: Int, classes: Int) -> (loss: Double, gradient: [Double]) {
        var loss = 0.0, grad = [Double](repeating: 0, count: rows * classes)
        for r in 0 ..< rows {
            let row = z[(r * classes) ..< ((r + 1) * classes)]
            let m = row.max()!
            let s = row.reduce(0.0) { $0 + Foundation.exp($1 - m) }
            loss += Foundation.log(s) - (z[r * classes + Int(labels[r])] - m)
            for k in 0 ..< classes { grad[r * classes + k] = (Foundation.exp(z[r * classes + k] - m) / s - (k == Int(labels[r]) ? 1 : 0)) / Double(rows) }
        }
        return (loss / Double(rows), grad)
    }
}

extension Array where Element == Float {
    var doubles: [Double] { map(Double.init) }
}
