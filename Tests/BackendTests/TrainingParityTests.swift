import Backend
import Foundation
import XCTest

/// Max-pooling, losses, optimizer steps, dropout and bias ops on every backend.
final class TrainingParityTests: XCTestCase {
    func testMaxPool() throws {
        for backend in availableBackends() { try maxPool(backend) }
    }

    private func maxPool<B: ComputeBackend>(_ backend: B) throws {
        let cases: [(Int, Int, Int, Int, (Int, Int), (Int, Int)?, (Int, Int))] = [
            (1, 1, 4, 4, (2, 2), nil, (0, 0)), (33, 3, 7, 7, (2, 2), nil, (0, 0)),
            (2, 2, 9, 8, (3, 3), (2, 2), (1, 1)), (2, 3, 28, 28, (2, 2), nil, (0, 0)), (1, 2, 5, 6, (3, 2), (1, 2), (1, 0)),
            (1, 2, 4, 33, (2, 2), nil, (0, 0)),
        ]
        for (index, c) in cases.enumerated() {
            let g = try Pool2DGeometry(batch: c.0, channels: c.1, inHeight: c.2, inWidth: c.3, kernel: c.4, stride: c.5, padding: c.6)
            var x = randomFloats(g.inputCount, seed: UInt64(index))
            if index == 0 { x = x.map { ($0 * 2).rounded() } }  // ties: first in the window wins
            if index == 5 { for i in stride(from: 3, to: x.count, by: 7) { x[i] = .nan } }  // NaN wins, as in PyTorch
            let reference = TrainingReference.maxPool(x.doubles, g)
            let (y, indices) = (try backend.makeBuffer(count: g.outputCount), try backend.makeBuffer(count: g.outputCount))
            try backend.maxPoolForward(try backend.makeBuffer(x), geometry: g, into: y, indices: indices)
            let values = try backend.floats(y).doubles
            XCTAssertTrue(zip(values, reference.values).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }, "\(backend.name) max-pool values \(c)")
            XCTAssertEqual(try backend.ints(indices), reference.indices, "\(backend.name) max-pool indices \(c)")
            let dy = randomFloats(g.outputCount, seed: UInt64(index + 50))
            let dx = try backend.makeBuffer([Float](repeating: .nan, count: g.inputCount))
            try backend.maxPoolBackward(try backend.makeBuffer(dy), indices: indices, geometry: g, into: dx)
            var expected = [Double](repeating: 0, count: g.inputCount)
            let plane = g.inHeight * g.inWidth, outPlane = g.outHeight * g.outWidth
            for o in 0 ..< g.outputCount { expected[(o / outPlane) * plane + Int(reference.indices[o])] += Double(dy[o]) }
            assertClose(try backend.floats(dx), expected, tolerance: 1e-12, "\(backend.name) max-pool backward \(c)")
            XCTAssertEqual(values.filter(\.isNaN).count, reference.values.filter(\.isNaN).count)
        }
    }

    func testStudentTClustering() throws {
        for backend in availableBackends() { try studentT(backend) }
    }

    /// Assignments, loss and both gradients against the Double definitions; the gradients against
    /// `g_ij` written out (finite differences are in GradientCheckTests). Odd sizes, alpha 1 (DEC) and 0.7.
    private func studentT<B: ComputeBackend>(_ backend: B) throws {
        for (rows, dims, clusters, alpha) in [(1, 1, 1, Float(1)), (7, 3, 4, 1), (257, 10, 10, 1), (33, 17, 7, 0.7)] {
            let z = randomFloats(rows * dims, in: -3 ... 3, seed: UInt64(rows)), mu = randomFloats(clusters * dims, in: -3 ... 3, seed: UInt64(dims))
            var p = randomFloats(rows * clusters, in: 0 ... 1, seed: UInt64(clusters)).doubles
            for i in 0 ..< rows {
                if clusters > 1 { p[i * clusters + i % clusters] = 0 }  // zero targets contribute nothing
                let total = p[(i * clusters) ..< ((i + 1) * clusters)].reduce(0, +)
                for j in 0 ..< clusters { p[i * clusters + j] /= total }
            }
            let target = p.map(Float.init)
            let (zb, mub, q, loss) = (try backend.makeBuffer(z), try backend.makeBuffer(mu), try backend.makeBuffer(count: rows * clusters),
                                      try backend.makeBuffer(count: 1))
            let (dz, dmu) = (try backend.makeBuffer(count: rows * dims), try backend.makeBuffer(count: clusters * dims))
            try backend.studentTClustering(codes: zb, centroids: mub, rows: rows, dims: dims, clusters: clusters, alpha: alpha, assignments: q,
                                           target: try backend.makeBuffer(target), loss: loss, codesGradient: dz, centroidsGradient: dmu)
            let a = Double(alpha)
            let reference = TrainingReference.studentT(z.doubles, mu.doubles, target: target.doubles, rows: rows, dims: dims, clusters: clusters, alpha: a)
            let what = "\(backend.name) Student's t \(rows)x\(dims), \(clusters) clusters, alpha \(alpha)"
            assertClose(try backend.floats(q), reference.q, tolerance: 1e-10, "\(what): assignments")
            assertClose(try backend.floats(loss), [reference.loss], tolerance: 1e-10, "\(what): loss")
            var expectedDz = [Double](repeating: 0, count: rows * dims), expectedDmu = [Double](repeating: 0, count: clusters * dims)
            for i in 0 ..< rows {
                for j in 0 ..< clusters {
                    var d2 = 0.0
                    for d in 0 ..< dims { d2 += pow(Double(z[i * dims + d]) - Double(mu[j * dims + d]), 2) }
                    let g = (a + 1) / a * (Double(target[i * clusters + j]) - reference.q[i * clusters + j]) / (1 + d2 / a) / Double(rows)
                    for d in 0 ..< dims {
                        let e = Double(z[i * dims + d]) - Double(mu[j * dims + d])
                        expectedDz[i * dims + d] += g * e
                        expectedDmu[j * dims + d] -= g * e
                    }
                }
            }
            assertClose(try backend.floats(dz), expectedDz, tolerance: 1e-8, "\(what): codes gradient")
            assertClose(try backend.floats(dmu), expectedDmu, tolerance: 1e-8, "\(what): centroids gradient")
            // Assignments alone: no target, nothing else written.
            let q2 = try backend.makeBuffer(count: rows * clusters)
            try backend.studentTClustering(codes: zb, centroids: mub, rows: rows, dims: dims, clusters: clusters, alpha: alpha, assignments: q2,
                                           target: nil, loss: nil, codesGradient: nil, centroidsGradient: nil)
            XCTAssertEqual(try backend.floats(q2), try backend.floats(q), "\(what): assignments without a target")
        }
    }

    func testLosses() throws {
        for backend in availableBackends() { try losses(backend) }
    }

    private func losses<B: ComputeBackend>(_ backend: B) throws {
        for (rows, classes) in [(1, 10), (33, 10), (257, 7), (256, 10)] {
            let z = randomFloats(rows * classes, in: -20 ... 20, seed: UInt64(rows))
            var g = SeededGenerator(seed: UInt64(classes))
            let labels = (0 ..< rows).map { _ in Int32.random(in: 0 ..< Int32(classes), using: &g) }
            let (grad, loss) = (try backend.makeBuffer(count: rows * classes), try backend.makeBuffer(count: 1))
            try backend.softmaxCrossEntropy(logits: try backend.makeBuffer(z), labels: try backend.makeBuffer(labels), rows: rows,
                                            classes: classes, gradient: grad, loss: loss)
            let reference = TrainingReference.softmaxCrossEntropy(z.doubles, labels, rows: rows, classes: classes)
            assertClose(try backend.floats(loss), [reference.loss], tolerance: 1e-10, "\(backend.name) cross-entropy \(rows)x\(classes)")
            assertClose(try backend.floats(grad), reference.gradient, tolerance: 1e-10, "\(backend.name) cross-entropy gradient")
        }
        for count in [1, 7, 257, 100_003] {
            let p = randomFloats(count, in: 0.001 ... 0.999, seed: UInt64(count)), t = randomFloats(count, in: 0 ... 1, seed: UInt64(count + 1))
            let (pb, tb) = (try backend.makeBuffer(p), try backend.makeBuffer(t))
            let (grad, loss) = (try backend.makeBuffer(count: count), try backend.makeBuffer(count: 1))
            try backend.meanSquaredError(prediction: pb, target: tb, count: count, gradient: grad, loss: loss)
            let n = Double(count)
            let mse = zip(p.doubles, t.doubles).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / n
            assertClose(try backend.floats(loss), [mse], tolerance: 1e-10,
                        "\(backend.name) MSE n=\(count)")
            assertClose(try backend.floats(grad), zip(p, t).map { 2 * (Double($0) - Double($1)) / n }, tolerance: 1e-10, "\(backend.name) MSE gradient")
            try backend.binaryCrossEntropy(prediction: pb, target: tb, count: count, gradient: grad, loss: loss)
            var bce = 0.0
            for (pi, ti) in zip(p.doubles, t.doubles) { bce -= ti * log(pi) + (1 - ti) * log(1 - pi) }
            bce /= n
            assertClose(try backend.floats(loss), [bce], tolerance: 1e-10, "\(backend.name) BCE n=\(count)")
            let bceGradient: [Double] = zip(p.doubles, t.doubles).map { pi, ti in (pi - ti) / (pi * (1 - pi)) / n }
            assertClose(try backend.floats(grad), bceGradient,
                        tolerance: 1e-10, "\(backend.name) BCE gradient")
        }
        // PyTorch's BCELoss clamps the logs at -100: a certain, wrong prediction costs 100, not infinity.
        let (grad, loss) = (try backend.makeBuffer(count: 2), try backend.makeBuffer(count: 1))
        try backend.binaryCrossEntropy(prediction: try backend.makeBuffer([Float(0), 1]), target: try backend.makeBuffer([Float(1), 0]),
                                       count: 2, gradient: grad, loss: loss)
        XCTAssertEqual(try backend.floats(loss)[0], 100, accuracy: 1e-4, "\(backend.name) BCE clamp")
        XCTAssertTrue(try backend.floats(grad).allSatisfy(\.isFinite))
    }

    func testAdamAndSGDFollowPyTorch() throws {
        for backend in availableBackends() { try optimizers(backend) }
    }

    private func optimizers<B: ComputeBackend>(_ backend: B) throws {
        let count = 1001
        let p0 = randomFloats(count, seed: 1)
        for decay: Float in [0, 0.01] {
            let settings = AdamSettings(learningRate: 0.01, weightDecay: decay)
            let (p, m, v) = (try backend.makeBuffer(p0), try backend.makeBuffer([Float](repeating: 0, count: count)),
                             try backend.makeBuffer([Float](repeating: 0, count: count)))
            var (rp, rm, rv) = (p0.doubles, [Double](repeating: 0, count: count), [Double](repeating: 0, count: count))
            for step in 1 ... 3 {
                let g = randomFloats(count, seed: UInt64(10 + step))
                try backend.adamStep(parameters: p, gradients: try backend.makeBuffer(g), firstMoment: m, secondMoment: v, count: count,
                                     settings: settings, step: step)
                let (b1, b2) = (Double(settings.beta1), Double(settings.beta2))
                for i in 0 ..< count {
                    let gi = Double(g[i]) + Double(decay) * rp[i]
                    rm[i] = b1 * rm[i] + (1 - b1) * gi
                    rv[i] = b2 * rv[i] + (1 - b2) * gi * gi
                    let mHat = rm[i] / (1 - pow(b1, Double(step))), vHat = rv[i] / (1 - pow(b2, Double(step)))
                    rp[i] -= Double(settings.learningRate) * mHat / (vHat.squareRoot() + Double(settings.epsilon))
                }
            }
            assertClose(try backend.floats(p), rp, tolerance: 1e-10, "\(backend.name) Adam weight decay \(decay)")
            assertClose(try backend.floats(m), rm, tolerance: 1e-10, "\(backend.name) Adam first moment")
        }
        for (momentum, nesterov) in [(Float(0), false), (0.9, false), (0.9, true)] {
            let settings = SGDSettings(learningRate: 0.1, momentum: momentum, dampening: 0, weightDecay: 0.001, nesterov: nesterov)
            let (p, buf) = (try backend.makeBuffer(p0), try backend.makeBuffer(count: count))
            var rp = p0.doubles, rb = [Double](repeating: 0, count: count)
            for step in 1 ... 3 {
                let g = randomFloats(count, seed: UInt64(20 + step))
                try backend.sgdStep(parameters: p, gradients: try backend.makeBuffer(g), momentumBuffer: buf, count: count,
                                    settings: settings, firstStep: step == 1)
                for i in 0 ..< count {
                    var gi = Double(g[i]) + 0.001 * rp[i]
                    if momentum != 0 {
                        rb[i] = step == 1 ? gi : Double(momentum) * rb[i] + gi
                        gi = nesterov ? gi + Double(momentum) * rb[i] : rb[i]
                    }
                    rp[i] -= 0.1 * gi
                }
            }
            assertClose(try backend.floats(p), rp, tolerance: 1e-10, "\(backend.name) SGD momentum \(momentum) nesterov \(nesterov)")
        }
    }

    /// `adamSteps` over eleven tensors of odd sizes (two launches of up to eight on OpenCL, one of them part-filled, and
    /// an empty tensor) gives each tensor's `adamStep` bit for bit, over three steps with weight decay, on every backend.
    func testMultiTensorAdamIsEachTensorsStep() throws {
        for backend in availableBackends() { try multiTensorAdam(backend) }
    }

    private func multiTensorAdam<B: ComputeBackend>(_ backend: B) throws {
        let counts = [1, 1001, 7, 0, 64, 3, 257, 9, 1, 500, 33]
        let settings = AdamSettings(learningRate: 0.01, weightDecay: 0.01)
        func tensors() throws -> [AdamTensor<B.Buffer>] {
            try counts.enumerated().map { index, count in
                AdamTensor(parameters: try backend.makeBuffer(randomFloats(count, seed: UInt64(300 + index))),
                           gradients: try backend.makeBuffer(count: count), firstMoment: try backend.makeBuffer([Float](repeating: 0, count: count)),
                           secondMoment: try backend.makeBuffer([Float](repeating: 0, count: count)), count: count)
            }
        }
        let (together, apart) = (try tensors(), try tensors())
        for step in 1 ... 3 {
            for (index, count) in counts.enumerated() {
                let g = randomFloats(count, seed: UInt64(400 + 10 * step + index))
                for t in [together[index], apart[index]] where count > 0 {
                    try g.withUnsafeBufferPointer { try backend.upload($0, to: t.gradients, offset: 0) }
                }
            }
            try backend.adamSteps(together, settings: settings, step: step)
            for t in apart {
                try backend.adamStep(parameters: t.parameters, gradients: t.gradients, firstMoment: t.firstMoment, secondMoment: t.secondMoment,
                                     count: t.count, settings: settings, step: step)
            }
        }
        for (index, (a, b)) in zip(together, apart).enumerated() where a.count > 0 {
            for (name, x, y) in [("parameters", a.parameters, b.parameters), ("m", a.firstMoment, b.firstMoment), ("v", a.secondMoment, b.secondMoment)] {
                XCTAssertTrue(try backend.floats(x).map(\.bitPattern) == backend.floats(y).map(\.bitPattern),
                              "\(backend.name) tensor \(index) (\(a.count)): \(name) differ")
            }
            XCTAssertNotEqual(try backend.floats(a.parameters), randomFloats(a.count, seed: UInt64(300 + index)), "tensor \(index) moved")
        }
    }

    /// Where the gradient is zero the moments decay geometrically; they pass from normal floats to
    /// zero without ever holding a subnormal (slow on x86), on every backend alike, and the
    /// parameters move exactly as without the flush (each skipped update is below 1e-30).
    func testOptimiserMomentsSkipSubnormals() throws {
        var results: [[Float]] = []
        for backend in availableBackends() { results.append(try decayedMoments(backend)) }
        for other in results.dropFirst() { XCTAssertEqual(other, results[0], "the backends' moments differ") }
    }

    /// Sixty Adam and SGD-momentum steps with zero gradients from moments at 1-8 times the smallest
    /// normal float; returns the final `v` and momentum buffer.
    private func decayedMoments<B: ComputeBackend>(_ backend: B) throws -> [Float] {
        let count = 64
        let start: [Float] = (0 ..< count).map { (i: Int) -> Float in
            let magnitude = Float.leastNormalMagnitude * Float(1 + i % 8)
            return i % 2 == 0 ? magnitude : -magnitude
        }
        let p = try backend.makeBuffer([Float](repeating: 0.5, count: count)), zero = try backend.makeBuffer([Float](repeating: 0, count: count))
        let (m, v, buf) = (try backend.makeBuffer(start), try backend.makeBuffer(start.map(abs)), try backend.makeBuffer(start))
        var sawZero = false
        for step in 1 ... 60 {
            try backend.adamStep(parameters: p, gradients: zero, firstMoment: m, secondMoment: v, count: count,
                                 settings: AdamSettings(), step: step)
            try backend.sgdStep(parameters: p, gradients: zero, momentumBuffer: buf, count: count,
                                settings: SGDSettings(learningRate: 0.1, momentum: 0.9), firstStep: false)
            for (name, buffer) in [("m", m), ("v", v), ("buf", buf)] {
                let values = try backend.floats(buffer)
                XCTAssertFalse(values.contains { $0.isSubnormal }, "\(backend.name) step \(step): subnormal \(name)")
                sawZero = sawZero || values.contains(0)
            }
        }
        XCTAssertTrue(sawZero, backend.name)
        XCTAssertEqual(try backend.floats(m), [Float](repeating: 0, count: count), "\(backend.name): 0.9^60 leaves no normal m")
        XCTAssertEqual(try backend.floats(p), [Float](repeating: 0.5, count: count), "\(backend.name): parameters")
        return try backend.floats(v) + backend.floats(buf)
    }

    /// The same seed gives the same mask on every backend; the kept fraction is 1 - p; kept values
    /// are scaled by 1 / (1 - p).
    func testDropoutIsSeededAndIdenticalAcrossBackends() throws {
        var masks: [[Float]] = []
        for backend in availableBackends() { masks.append(try dropoutMask(backend)) }
        for mask in masks.dropFirst() { XCTAssertEqual(mask, masks[0], "dropout masks differ between backends") }
    }

    private func dropoutMask<B: ComputeBackend>(_ backend: B) throws -> [Float] {
        let count = 100_003, p: Float = 0.25
        let x = randomFloats(count, seed: 4)
        let (y, mask) = (try backend.makeBuffer(count: count), try backend.makeBuffer(count: count))
        try backend.dropout(try backend.makeBuffer(x), into: y, mask: mask, count: count, probability: p, seed: 0xDEAD_BEEF_0042)
        let m = try backend.floats(mask), out = try backend.floats(y)
        let kept = m.filter { $0 != 0 }.count
        XCTAssertEqual(Double(kept) / Double(count), 0.75, accuracy: 0.01, "\(backend.name) kept fraction")
        XCTAssertTrue(m.allSatisfy { $0 == 0 || $0 == 1 / (1 - p) })
        for i in 0 ..< count { XCTAssertEqual(out[i], x[i] * m[i]) }
        let other = try backend.makeBuffer(count: count)
        try backend.dropout(try backend.makeBuffer(x), into: y, mask: other, count: count, probability: p, seed: 1)
        XCTAssertNotEqual(try backend.floats(other), m, "another seed, another mask")
        return m
    }

    func testBiasOps() throws {
        for backend in availableBackends() { try bias(backend) }
    }

    private func bias<B: ComputeBackend>(_ backend: B) throws {
        for (outer, channels, inner) in [(1, 1, 1), (33, 7, 1), (7, 33, 49), (256, 10, 1), (129, 523, 1)] {
            let x = randomFloats(outer * channels * inner, seed: UInt64(outer)), b = randomFloats(channels, seed: UInt64(channels))
            let xb = try backend.makeBuffer(x)
            try backend.addBias(xb, bias: try backend.makeBuffer(b), outer: outer, channels: channels, inner: inner)
            let expected = x.enumerated().map { Double($1) + Double(b[($0 / inner) % channels]) }
            assertClose(try backend.floats(xb), expected, tolerance: 1e-12, "\(backend.name) add bias \(outer)x\(channels)x\(inner)")
            let db = try backend.makeBuffer(count: channels)
            try backend.biasGradient(try backend.makeBuffer(x), outer: outer, channels: channels, inner: inner, into: db)
            assertClose(try backend.floats(db), TrainingReference.biasGradient(x.doubles, outer: outer, channels: channels, inner: inner),
                        tolerance: 1e-6, "\(backend.name) bias gradient \(outer)x\(channels)x\(inner)")
            if inner == 1, backend is CPUBackend {
                // The CPU backend's bias gradient of a linear layer: each channel summed in row order,
                // exactly (its vectorised path keeps the bits of the scalar loop it replaced).
                let rowOrder = (0 ..< channels).map { c in (0 ..< outer).reduce(Float(0)) { $0 + x[$1 * channels + c] } }
                XCTAssertEqual(try backend.floats(db), rowOrder, "\(backend.name) bias gradient \(outer)x\(channels): row-order sums")
            }
        }
    }
}
