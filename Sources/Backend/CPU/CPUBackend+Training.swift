import Foundation

extension CPUBackend {
    public func softmaxCrossEntropy(logits: CPUBuffer, labels: CPUBuffer, rows: Int, classes: Int, gradient: CPUBuffer?,
                                    loss: CPUBuffer) throws {
        precondition(logits.count >= rows * classes && labels.count >= rows && loss.count >= 1, "softmaxCrossEntropy: buffers too small")
        if let gradient { precondition(gradient.count >= rows * classes, "softmaxCrossEntropy: gradient too small") }
        var terms = [Float](repeating: 0, count: rows)
        let z = logits.floats, grad = gradient?.floats
        labels.withInts { label in
            terms.withUnsafeMutableBufferPointer { t in
                parallelFor(rows, grain: 256) { range in
                    for r in range {
                        let row = z + r * classes
                        var m = -Float.infinity
                        for k in 0 ..< classes { m = fmaxf(m, row[k]) }
                        var s: Float = 0
                        for k in 0 ..< classes { s += Foundation.exp(row[k] - m) }
                        let y = Int(label[r]), logS = Foundation.log(s)
                        t[r] = y >= 0 && y < classes ? logS - (row[y] - m) : .nan
                        if let grad {
                            let scale = 1 / Float(rows)
                            for k in 0 ..< classes { grad[r * classes + k] = (Foundation.exp(row[k] - m - logS) - (k == y ? 1 : 0)) * scale }
                        }
                    }
                }
            }
        }
        loss.floats[0] = mean(terms)
    }

    public func meanSquaredError(prediction: CPUBuffer, target: CPUBuffer, count: Int, gradient: CPUBuffer?, loss: CPUBuffer) throws {
        try elementLoss(prediction, target, count: count, gradient: gradient, loss: loss) { p, t in
            let d = p - t
            return (d * d, 2 * d / Float(count))
        }
    }

    public func binaryCrossEntropy(prediction: CPUBuffer, target: CPUBuffer, count: Int, gradient: CPUBuffer?, loss: CPUBuffer) throws {
        try elementLoss(prediction, target, count: count, gradient: gradient, loss: loss) { p, t in
            let term = -(t * fmaxf(Foundation.log(p), -100) + (1 - t) * fmaxf(Foundation.log(1 - p), -100))
            return (term, (p - t) / fmaxf(p * (1 - p), 1e-12) / Float(count))
        }
    }

    /// Per-element `(term, gradient)` into `loss[0] = mean(term)` and `gradient`.
    private func elementLoss(_ prediction: CPUBuffer, _ target: CPUBuffer, count: Int, gradient: CPUBuffer?, loss: CPUBuffer,
                             _ f: (Float, Float) -> (Float, Float)) throws {
        precondition(prediction.count >= count && target.count >= count && loss.count >= 1, "loss: buffers too small")
        if let gradient { precondition(gradient.count >= count, "loss: gradient too small") }
        var terms = [Float](repeating: 0, count: count)
        let p = prediction.floats, t = target.floats, grad = gradient?.floats
        terms.withUnsafeMutableBufferPointer { out in
            parallelFor(count) { range in
                for i in range {
                    let (term, g) = f(p[i], t[i])
                    out[i] = term
                    grad?[i] = g
                }
            }
        }
        loss.floats[0] = mean(terms)
    }

    /// Mean in Double (pairwise-free, but exact enough: terms are non-negative and few million at most).
    private func mean(_ terms: [Float]) -> Float {
        guard !terms.isEmpty else { return .nan }
        return Float(terms.reduce(0.0) { $0 + Double($1) } / Double(terms.count))
    }

    public func adamStep(parameters: CPUBuffer, gradients: CPUBuffer, firstMoment: CPUBuffer, secondMoment: CPUBuffer, count: Int,
                         settings s: AdamSettings, step: Int) throws {
        precondition([parameters.count, gradients.count, firstMoment.count, secondMoment.count].allSatisfy { $0 >= count }, "adamStep: buffers too small")
        let (stepSize, sqrtBias2) = s.biasCorrections(step: step)
        let p = parameters.floats, g = gradients.floats, m = firstMoment.floats, v = secondMoment.floats
        parallelFor(count) { range in
            // Eight parameters at a time, then one at a time: the same operations in the same order on
            // every element (lane-wise IEEE arithmetic, no fused multiply-add), so the same bits.
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                var step = AdamLanes(p: p + i, g: g + i, m: m + i, v: v + i)
                step.update(s, stepSize: stepSize, sqrtBias2: sqrtBias2)
                step.store(p: p + i, m: m + i, v: v + i)
                i += 8
            }
            while i < range.upperBound {
                let gi = s.weightDecay != 0 ? g[i] + s.weightDecay * p[i] : g[i]
                let mi = (m[i] + (1 - s.beta1) * (gi - m[i])).flushedToZero
                let vi = (s.beta2 * v[i] + (1 - s.beta2) * gi * gi).flushedToZero
                m[i] = mi
                v[i] = vi
                p[i] = p[i] - stepSize * (mi / (vi.squareRoot() / sqrtBias2 + s.epsilon))
                i += 1
            }
        }
    }

    public func sgdStep(parameters: CPUBuffer, gradients: CPUBuffer, momentumBuffer: CPUBuffer?, count: Int,
                        settings s: SGDSettings, firstStep: Bool) throws {
        precondition(parameters.count >= count && gradients.count >= count, "sgdStep: buffers too small")
        precondition(s.momentum == 0 || (momentumBuffer?.count ?? 0) >= count, "sgdStep: momentum needs a momentum buffer")
        let p = parameters.floats, g = gradients.floats, buf = momentumBuffer?.floats
        parallelFor(count) { range in
            for i in range {
                var gi = s.weightDecay != 0 ? g[i] + s.weightDecay * p[i] : g[i]
                if s.momentum != 0, let buf {
                    let b = (firstStep ? gi : s.momentum * buf[i] + (1 - s.dampening) * gi).flushedToZero
                    buf[i] = b
                    gi = s.nesterov ? gi + s.momentum * b : b
                }
                p[i] = p[i] - s.learningRate * gi
            }
        }
    }

    public func dropout(_ x: CPUBuffer, into y: CPUBuffer, mask: CPUBuffer, count: Int, probability: Float, seed: UInt64) throws {
        precondition(x.count >= count && y.count >= count && mask.count >= count, "dropout: buffers too small")
        precondition(probability >= 0 && probability < 1, "dropout: probability \(probability) must be in [0, 1)")
        let src = x.floats, dst = y.floats, m = mask.floats
        let key = DropoutHash.key(seed: seed)
        let keep = 1 / (1 - probability)
        parallelFor(count) { range in
            for i in range {
                let scale: Float = DropoutHash.uniform(index: i, key: key) >= probability ? keep : 0
                m[i] = scale
                dst[i] = src[i] * scale
            }
        }
    }
}

/// The counter-based generator behind dropout, shared bit for bit with the OpenCL kernel:
/// `u_i = (mix(i * 0x9E3779B9 ^ key) >> 8) / 2^24` with `key = mix(seedLow ^ mix(seedHigh))` and
/// `mix` the "lowbias32" integer hash.
public enum DropoutHash {
    @inline(__always)
    public static func mix(_ value: UInt32) -> UInt32 {
        var x = value
        x ^= x >> 16; x = x &* 0x7feb_352d; x ^= x >> 15; x = x &* 0x846c_a68b; x ^= x >> 16
        return x
    }

    public static func key(seed: UInt64) -> UInt32 { mix(UInt32(truncatingIfNeeded: seed) ^ mix(UInt32(truncatingIfNeeded: seed >> 32))) }

    @inline(__always)
    public static func uniform(index: Int, key: UInt32) -> Float {
        Float(mix(UInt32(truncatingIfNeeded: index) &* 0x9E37_79B9 ^ key) >> 8) * (1 / 16_777_216)
    }
}

extension CPUBackend {
    /// Rows across the cores (each row's kernel values, assignments, loss term and code gradient in
    /// Double), then the centroid gradient over the clusters from the per-entry weights `g_ij`.
    public func studentTClustering(codes: CPUBuffer, centroids: CPUBuffer, rows: Int, dims: Int, clusters: Int, alpha: Float,
                                   assignments: CPUBuffer, target: CPUBuffer?, loss: CPUBuffer?, codesGradient: CPUBuffer?,
                                   centroidsGradient: CPUBuffer?) throws {
        checkStudentTClustering(codes: codes, centroids: centroids, rows: rows, dims: dims, clusters: clusters, assignments: assignments,
                                target: target, loss: loss, codesGradient: codesGradient, centroidsGradient: centroidsGradient)
        let z = codes.floats, mu = centroids.floats, q = assignments.floats, p = target?.floats, dz = codesGradient?.floats
        let a = Double(alpha), exponent = -(a + 1) / 2, factor = (a + 1) / a / Double(rows)
        var terms = [Double](repeating: 0, count: rows), weights = [Double](repeating: 0, count: p == nil ? 0 : rows * clusters)
        terms.withUnsafeMutableBufferPointer { t in
            weights.withUnsafeMutableBufferPointer { w in
                parallelFor(rows, grain: 64) { range in
                    var kernel = [Double](repeating: 0, count: clusters)
                    for i in range {
                        let zi = z + i * dims
                        var total = 0.0
                        for j in 0 ..< clusters {
                            var d2 = 0.0
                            for d in 0 ..< dims { let e = Double(zi[d]) - Double(mu[j * dims + d]); d2 += e * e }
                            kernel[j] = 1 + d2 / a
                            total += Foundation.pow(kernel[j], exponent)
                        }
                        var term = 0.0
                        for j in 0 ..< clusters {
                            let qij = Foundation.pow(kernel[j], exponent) / total
                            q[i * clusters + j] = Float(qij)
                            guard let p else { continue }
                            let pij = Double(p[i * clusters + j])
                            if pij > 0 { term += pij * (Foundation.log(pij) - Foundation.log(qij)) }
                            w[i * clusters + j] = factor * (pij - qij) / kernel[j]
                        }
                        t[i] = term
                        if let dz {
                            for d in 0 ..< dims {
                                var g = 0.0
                                for j in 0 ..< clusters { g += w[i * clusters + j] * (Double(zi[d]) - Double(mu[j * dims + d])) }
                                dz[i * dims + d] = Float(g)
                            }
                        }
                    }
                }
            }
        }
        if let loss { loss.floats[0] = rows == 0 ? .nan : Float(terms.reduce(0, +) / Double(rows)) }
        if let dmu = centroidsGradient?.floats {
            for j in 0 ..< clusters {
                for d in 0 ..< dims {
                    var g = 0.0
                    for i in 0 ..< rows { g -= weights[i * clusters + j] * (Double(z[i * dims + d]) - Double(mu[j * dims + d])) }
                    dmu[j * dims + d] = Float(g)
                }
            }
        }
    }
}

extension Float {
    /// Zero in place of a subnormal value (|x| < 2^-126). The optimisers' moments decay
    /// geometrically wherever the gradient is zero (dead ReLU units, always-blank pixels), and
    /// arithmetic on subnormals takes a slow microcode path on x86 CPUs: measured on the dense
    /// autoencoder, a fifth of Adam's moments were subnormal after 20 epochs and Adam's step took 75 %
    /// of the epoch. Flushed, a moment stays at zero until a gradient arrives; the parameter update
    /// it would have made is below 1e-33 (`m / eps`), so the trained weights are the same to float
    /// precision. The OpenCL kernels flush the same values, so the backends agree bit for bit.
    @inline(__always) var flushedToZero: Float { abs(self) < .leastNormalMagnitude ? 0 : self }
}

/// Eight consecutive parameters of one Adam step (`CPUBackend.adamStep`), updated lane by lane with
/// exactly the scalar loop's operations: m ← m + (1 − β1)(g − m), v ← β2 v + (1 − β2) g g (both
/// flushed to zero below the smallest normal float), p ← p − stepSize · m / (√v / √(1 − β2^t) + ε).
private struct AdamLanes {
    var p: SIMD8<Float>, g: SIMD8<Float>, m: SIMD8<Float>, v: SIMD8<Float>

    @inline(__always) init(p: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>,
                           v: UnsafeMutablePointer<Float>) {
        self.p = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
        self.g = UnsafeRawPointer(g).loadUnaligned(as: SIMD8<Float>.self)
        self.m = UnsafeRawPointer(m).loadUnaligned(as: SIMD8<Float>.self)
        self.v = UnsafeRawPointer(v).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always) static func flushed(_ x: SIMD8<Float>) -> SIMD8<Float> {
        x.replacing(with: 0, where: (x .< Float.leastNormalMagnitude) .& (x .> -Float.leastNormalMagnitude))
    }

    @inline(__always) mutating func update(_ s: AdamSettings, stepSize: Float, sqrtBias2: Float) {
        let gi = s.weightDecay != 0 ? g + s.weightDecay * p : g
        m = Self.flushed(m + (1 - s.beta1) * (gi - m))
        v = Self.flushed(s.beta2 * v + (1 - s.beta2) * gi * gi)
        p = p - stepSize * (m / (v.squareRoot() / sqrtBias2 + s.epsilon))
    }

    @inline(__always) func store(p: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self.p, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(m).storeBytes(of: self.m, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(v).storeBytes(of: self.v, as: SIMD8<Float>.self)
    }
}
