import Backend
import CBLAS
import Foundation
import XCTest

/// Finite differences in Double: for a scalar `L` built from each op's Double reference forward, the
/// central difference `(L(v + h) - L(v - h)) / 2h` at sampled entries must match the gradient the
/// backend's backward op computes.
final class GradientCheckTests: XCTestCase {
    let h = 1e-4

    /// Compares `analytic` with central differences of `loss` at `samples` entries of `values`.
    func check(_ what: String, values: [Double], analytic: [Float], samples: Int = 12, seed: UInt64,
               loss: ([Double]) -> Double, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(values.count, analytic.count, what, file: file, line: line)
        var generator = SeededGenerator(seed: seed)
        for _ in 0 ..< samples {
            let i = Int.random(in: 0 ..< values.count, using: &generator)
            var plus = values, minus = values
            plus[i] += h; minus[i] -= h
            let numeric = (loss(plus) - loss(minus)) / (2 * h)
            XCTAssertEqual(Double(analytic[i]), numeric, accuracy: 1e-3 * max(0.1, abs(numeric)),
                           "\(what): d/d[\(i)] analytic \(analytic[i]) vs numeric \(numeric)", file: file, line: line)
        }
    }

    /// `sum(y * r)` for a fixed random `r`: its gradient with respect to `y` is `r`.
    func projection(_ r: [Float]) -> ([Double]) -> Double {
        { y in zip(y, r).reduce(0.0) { $0 + $1.0 * Double($1.1) } }
    }

    func testConvolutionGradients() throws {
        for backend in availableBackends() { try convolution(backend) }
    }

    private func convolution<B: ComputeBackend>(_ backend: B) throws {
        let g = try Conv2DGeometry(batch: 2, inChannels: 3, inHeight: 6, inWidth: 5, outChannels: 4, kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        let (x, w, b, r) = (randomFloats(g.inputCount, seed: 1), randomFloats(g.weightCount, seed: 2),
                            randomFloats(g.outChannels, seed: 3), randomFloats(g.outputCount, seed: 4))
        let ws = try ConvolutionWorkspace(backend: backend, geometry: g)
        let (xb, wb, rb) = (try backend.makeBuffer(x), try backend.makeBuffer(w), try backend.makeBuffer(r))
        let (dx, dw, db) = (try backend.makeBuffer(count: g.inputCount), try backend.makeBuffer(count: g.weightCount), try backend.makeBuffer(count: g.outChannels))
        try backend.conv2dBackwardData(rb, weight: wb, into: dx, workspace: ws)
        try backend.conv2dBackwardWeights(xb, rb, weightGradient: dw, biasGradient: db, workspace: ws)
        let L = projection(r)
        check("\(backend.name) conv dx", values: x.doubles, analytic: try backend.floats(dx), seed: 1) { L(TrainingReference.conv2d($0, w.doubles, b.doubles, g)) }
        check("\(backend.name) conv dw", values: w.doubles, analytic: try backend.floats(dw), seed: 2) { L(TrainingReference.conv2d(x.doubles, $0, b.doubles, g)) }
        check("\(backend.name) conv db", values: b.doubles, analytic: try backend.floats(db), samples: 4, seed: 3) { L(TrainingReference.conv2d(x.doubles, w.doubles, $0, g)) }
    }

    func testTransposedConvolutionGradients() throws {
        for backend in availableBackends() { try transposed(backend) }
    }

    private func transposed<B: ComputeBackend>(_ backend: B) throws {
        let t = try ConvTranspose2DGeometry(batch: 2, inChannels: 3, inHeight: 4, inWidth: 3, outChannels: 2, kernel: (3, 3),
                                            stride: (2, 2), padding: (1, 1), outputPadding: (1, 1))
        let (x, w, b, r) = (randomFloats(t.inputCount, seed: 5), randomFloats(t.weightCount, seed: 6),
                            randomFloats(t.outChannels, seed: 7), randomFloats(t.outputCount, seed: 8))
        let ws = try ConvolutionWorkspace(backend: backend, geometry: t.adjoint)
        let (xb, wb, rb) = (try backend.makeBuffer(x), try backend.makeBuffer(w), try backend.makeBuffer(r))
        let (dx, dw, db) = (try backend.makeBuffer(count: t.inputCount), try backend.makeBuffer(count: t.weightCount), try backend.makeBuffer(count: t.outChannels))
        try backend.convTranspose2dBackwardData(rb, weight: wb, into: dx, geometry: t, workspace: ws)
        try backend.convTranspose2dBackwardWeights(xb, rb, weightGradient: dw, biasGradient: db, geometry: t, workspace: ws)
        let L = projection(r)
        check("\(backend.name) deconv dx", values: x.doubles, analytic: try backend.floats(dx), seed: 4) { L(TrainingReference.convTranspose2d($0, w.doubles, b.doubles, t)) }
        check("\(backend.name) deconv dw", values: w.doubles, analytic: try backend.floats(dw), seed: 5) { L(TrainingReference.convTranspose2d(x.doubles, $0, b.doubles, t)) }
        check("\(backend.name) deconv db", values: b.doubles, analytic: try backend.floats(db), samples: 2, seed: 6) { L(TrainingReference.convTranspose2d(x.doubles, w.doubles, $0, t)) }
    }

    func testMaxPoolGradient() throws {
        for backend in availableBackends() { try maxPool(backend) }
    }

    private func maxPool<B: ComputeBackend>(_ backend: B) throws {
        let g = try Pool2DGeometry(batch: 2, channels: 3, inHeight: 7, inWidth: 6, kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        let (x, r) = (randomFloats(g.inputCount, seed: 9), randomFloats(g.outputCount, seed: 10))
        let (y, indices, dx) = (try backend.makeBuffer(count: g.outputCount), try backend.makeBuffer(count: g.outputCount), try backend.makeBuffer(count: g.inputCount))
        try backend.maxPoolForward(try backend.makeBuffer(x), geometry: g, into: y, indices: indices)
        try backend.maxPoolBackward(try backend.makeBuffer(r), indices: indices, geometry: g, into: dx)
        check("\(backend.name) max-pool dx", values: x.doubles, analytic: try backend.floats(dx), samples: 30, seed: 7) {
            self.projection(r)(TrainingReference.maxPool($0, g).values)
        }
    }

    func testLossGradients() throws {
        for backend in availableBackends() { try losses(backend) }
    }

    private func losses<B: ComputeBackend>(_ backend: B) throws {
        let (rows, classes) = (5, 4)
        let z = randomFloats(rows * classes, in: -3 ... 3, seed: 11)
        let labels: [Int32] = [0, 3, 1, 1, 2]
        let (grad, loss) = (try backend.makeBuffer(count: rows * classes), try backend.makeBuffer(count: 1))
        try backend.softmaxCrossEntropy(logits: try backend.makeBuffer(z), labels: try backend.makeBuffer(labels), rows: rows, classes: classes,
                                        gradient: grad, loss: loss)
        check("\(backend.name) cross-entropy", values: z.doubles, analytic: try backend.floats(grad), seed: 8) {
            TrainingReference.softmaxCrossEntropy($0, labels, rows: rows, classes: classes).loss
        }
        let p = randomFloats(9, in: 0.05 ... 0.95, seed: 12), t = randomFloats(9, in: 0 ... 1, seed: 13)
        let g9 = try backend.makeBuffer(count: 9)
        try backend.meanSquaredError(prediction: try backend.makeBuffer(p), target: try backend.makeBuffer(t), count: 9, gradient: g9, loss: loss)
        let targets = t.doubles
        check("\(backend.name) MSE", values: p.doubles, analytic: try backend.floats(g9), seed: 9) { v in
            var s = 0.0
            for (pi, ti) in zip(v, targets) { s += (pi - ti) * (pi - ti) }
            return s / 9
        }
        try backend.binaryCrossEntropy(prediction: try backend.makeBuffer(p), target: try backend.makeBuffer(t), count: 9, gradient: g9, loss: loss)
        check("\(backend.name) BCE", values: p.doubles, analytic: try backend.floats(g9), seed: 10) { v in
            var s = 0.0
            for (pi, ti) in zip(v, t.doubles) { s -= ti * log(pi) + (1 - ti) * log(1 - pi) }
            return s / 9
        }
    }

    /// NT-Xent's gradient against central differences of a plain Double evaluation of its formula
    /// (normalise, cosine similarities over the temperature, softmax over the other rows); one row
    /// is scaled far below and one far above unit length, where the normalisation's projection matters.
    func testNTXentGradient() throws {
        for backend in availableBackends() { try ntXent(backend) }
    }

    private func ntXent<B: ComputeBackend>(_ backend: B) throws {
        do {
            let (rows, dims, temperature) = (6, 4, 0.2)
            var z = randomFloats(rows * dims, in: -1 ... 1, seed: 21)
            for c in 0 ..< dims { z[c] *= 0.01; z[dims + c] *= 30 }
            let gradient = try backend.makeBuffer(count: rows * dims)
            _ = try backend.ntXent(embeddings: try backend.makeBuffer(z), rows: rows, dims: dims, temperature: Float(temperature), gradient: gradient)
            check("\(backend.name) NT-Xent", values: z.doubles, analytic: try backend.floats(gradient), samples: 24, seed: 22) { v in
                let u = (0 ..< rows).map { i -> [Double] in
                    let row = Array(v[(i * dims) ..< ((i + 1) * dims)])
                    let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    return row.map { $0 / norm }
                }
                var loss = 0.0
                for i in 0 ..< rows {
                    let s = (0 ..< rows).map { j in zip(u[i], u[j]).reduce(0) { $0 + $1.0 * $1.1 } / temperature }
                    let others = (0 ..< rows).filter { $0 != i }.map { exp(s[$0]) }.reduce(0, +)
                    loss += log(others) - s[(i + rows / 2) % rows]
                }
                return loss / Double(rows)
            }
        }
    }

    /// NT-Xent's rows are evaluated across the cores (each exponential once): the loss and gradient
    /// are the bits of the plain one-row-after-another loop below (each exponential twice, the loss
    /// summed as it goes), at a batch of 40 images (80 views: several pieces of rows on two or more threads).
    func testNTXentRowsAcrossCoresGiveTheSerialLoopsBits() throws {
        let (rows, dims, temperature) = (80, 7, Float(0.3))
        let z = randomFloats(rows * dims, in: -2 ... 2, seed: 31)
        let (loss, gradient) = serialNTXent(z, rows: rows, dims: dims, temperature: Double(temperature))
        for backend in availableBackends() { try ntXentBits(backend, z, rows: rows, dims: dims, temperature: temperature, loss, gradient) }
    }

    private func ntXentBits<B: ComputeBackend>(_ backend: B, _ z: [Float], rows: Int, dims: Int, temperature: Float,
                                               _ loss: Float, _ gradient: [Float]) throws {
        let g = try backend.makeBuffer(count: rows * dims)
        let value = try backend.ntXent(embeddings: try backend.makeBuffer(z), rows: rows, dims: dims, temperature: temperature, gradient: g)
        XCTAssertEqual(value.bitPattern, loss.bitPattern, "\(backend.name): loss \(value) against \(loss)")
        let values = try backend.floats(g)
        let differing = (0 ..< gradient.count).filter { values[$0].bitPattern != gradient[$0].bitPattern }
        XCTAssertEqual(differing.count, 0, "\(backend.name): gradient entries differ from the serial loop's, first at \(differing.first ?? -1)")
    }

    /// `ComputeBackend.ntXent` as it was written before its rows went across the cores.
    private func serialNTXent(_ values: [Float], rows n: Int, dims d: Int, temperature t: Double) -> (Float, [Float]) {
        var u = [Double](repeating: 0, count: n * d), length = [Double](repeating: 0, count: n)
        for i in 0 ..< n {
            var squares = 0.0
            for c in 0 ..< d { squares += Double(values[i * d + c]) * Double(values[i * d + c]) }
            length[i] = max(squares.squareRoot(), 1e-12)
            for c in 0 ..< d { u[i * d + c] = Double(values[i * d + c]) / length[i] }
        }
        var s = [Double](repeating: 0, count: n * n)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(n), Int32(d), 1 / t, u, Int32(d), u, Int32(d), 0, &s, Int32(n))
        var loss = 0.0
        for i in 0 ..< n {
            let partner = (i + n / 2) % n
            var largest = -Double.infinity
            for j in 0 ..< n where j != i { largest = max(largest, s[i * n + j]) }
            var total = 0.0
            for j in 0 ..< n where j != i { total += exp(s[i * n + j] - largest) }
            loss += largest + log(total) - s[i * n + partner]
            for j in 0 ..< n { s[i * n + j] = j == i ? 0 : exp(s[i * n + j] - largest) / total }
            s[i * n + partner] -= 1
        }
        var symmetric = [Double](repeating: 0, count: n * n)
        for i in 0 ..< n { for j in 0 ..< n { symmetric[i * n + j] = s[i * n + j] + s[j * n + i] } }
        var du = [Double](repeating: 0, count: n * d)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(d), Int32(n), 1 / (t * Double(n)), symmetric, Int32(n),
                    u, Int32(d), 0, &du, Int32(d))
        var dz = [Float](repeating: 0, count: n * d)
        for i in 0 ..< n {
            var along = 0.0
            for c in 0 ..< d { along += u[i * d + c] * du[i * d + c] }
            for c in 0 ..< d { dz[i * d + c] = Float((du[i * d + c] - u[i * d + c] * along) / length[i]) }
        }
        return (Float(loss / Double(n)), dz)
    }

    func testStudentTClusteringGradients() throws {
        for backend in availableBackends() { try studentT(backend) }
    }

    /// DEC's KL loss for a fixed target: its gradient with respect to the codes and to the centroids.
    private func studentT<B: ComputeBackend>(_ backend: B) throws {
        let (rows, dims, clusters) = (6, 3, 4)
        for alpha in [1.0, 0.6] {
            let z = randomFloats(rows * dims, in: -2 ... 2, seed: 21), mu = randomFloats(clusters * dims, in: -2 ... 2, seed: 22)
            var p = randomFloats(rows * clusters, in: 0.05 ... 1, seed: 23).doubles
            for i in 0 ..< rows {
                let total = p[(i * clusters) ..< ((i + 1) * clusters)].reduce(0, +)
                for j in 0 ..< clusters { p[i * clusters + j] /= total }
            }
            let target = p.map(Float.init)
            let (dz, dmu) = (try backend.makeBuffer(count: rows * dims), try backend.makeBuffer(count: clusters * dims))
            try backend.studentTClustering(codes: try backend.makeBuffer(z), centroids: try backend.makeBuffer(mu), rows: rows, dims: dims,
                                           clusters: clusters, alpha: Float(alpha), assignments: try backend.makeBuffer(count: rows * clusters),
                                           target: try backend.makeBuffer(target), loss: nil, codesGradient: dz, centroidsGradient: dmu)
            let t = target.doubles
            check("\(backend.name) Student's t dz (alpha \(alpha))", values: z.doubles, analytic: try backend.floats(dz), seed: 11) {
                TrainingReference.studentT($0, mu.doubles, target: t, rows: rows, dims: dims, clusters: clusters, alpha: alpha).loss
            }
            check("\(backend.name) Student's t dmu (alpha \(alpha))", values: mu.doubles, analytic: try backend.floats(dmu), seed: 12) {
                TrainingReference.studentT(z.doubles, $0, target: t, rows: rows, dims: dims, clusters: clusters, alpha: alpha).loss
            }
        }
    }

    func testActivationGradients() throws {
        for backend in availableBackends() { try activations(backend) }
    }

    private func activations<B: ComputeBackend>(_ backend: B) throws {
        // Keep inputs away from relu's kink so the central difference is defined.
        let x = randomFloats(50, in: -3 ... 3, seed: 14).map { abs($0) < 0.01 ? 0.5 : $0 }
        let r = randomFloats(50, seed: 15)
        let functions: [(Activation, UnaryFunction, (Double) -> Double)] = [
            (.relu, .relu, { max($0, 0) }), (.sigmoid, .sigmoid, { 1 / (1 + exp(-$0)) }), (.tanh, .tanh, { tanh($0) }),
        ]
        for (activation, function, f) in functions {
            let (xb, y, dx) = (try backend.makeBuffer(x), try backend.makeBuffer(count: 50), try backend.makeBuffer(count: 50))
            try backend.map(function, xb, into: y, count: 50)
            try backend.activationGradient(activation, output: y, gradient: try backend.makeBuffer(r), into: dx, count: 50)
            check("\(backend.name) \(activation) gradient", values: x.doubles, analytic: try backend.floats(dx), seed: 11) { v in
                zip(v, r).reduce(0.0) { $0 + f($1.0) * Double($1.1) }
            }
        }
    }
}
