import Backend
import Dataset
import Foundation
import XCTest

/// The same numbers as PyTorch 2.11 for the same inputs: TorchFixtures/ holds inputs, weights,
/// outputs and gradients written by `benchmarks/torch/fixtures.py` (run on the GPU machine, which
/// ships PyTorch). Layouts are PyTorch's: Conv2d weight [out, in, kh, kw], ConvTranspose2d weight
/// [in, out, kh, kw], max-pool indices h * W + w within each plane.
final class TorchFixtureTests: XCTestCase {
    func load(_ name: String) throws -> NPYArray {
        let path = try XCTUnwrap(Bundle.module.path(forResource: name, ofType: "npy", inDirectory: "TorchFixtures"), "missing \(name).npy")
        return try NPYArray.read(path)
    }

    func floats(_ name: String) throws -> [Float] { try load(name).floats }

    func testConvolutionMatchesPyTorch() throws {
        for backend in availableBackends() { try convolution(backend) }
    }

    private func convolution<B: ComputeBackend>(_ backend: B) throws {
        let xShape = try load("conv_x").shape, wShape = try load("conv_w").shape
        let g = try Conv2DGeometry(batch: xShape[0], inChannels: xShape[1], inHeight: xShape[2], inWidth: xShape[3], outChannels: wShape[0],
                                   kernel: (wShape[2], wShape[3]), stride: (2, 2), padding: (1, 1))
        XCTAssertEqual([g.batch, g.outChannels, g.outHeight, g.outWidth], try load("conv_y").shape, "output size formula")
        let ws = try ConvolutionWorkspace(backend: backend, geometry: g)
        let (x, w, b, dy) = (try backend.makeBuffer(try floats("conv_x")), try backend.makeBuffer(try floats("conv_w")),
                             try backend.makeBuffer(try floats("conv_b")), try backend.makeBuffer(try floats("conv_dy")))
        let y = try backend.makeBuffer(count: g.outputCount)
        try backend.conv2dForward(x, weight: w, bias: b, into: y, workspace: ws)
        assertClose(try backend.floats(y), try floats("conv_y").doubles, tolerance: 1e-10, "\(backend.name) conv forward vs PyTorch")
        let (dx, dw, db) = (try backend.makeBuffer(count: g.inputCount), try backend.makeBuffer(count: g.weightCount), try backend.makeBuffer(count: g.outChannels))
        try backend.conv2dBackwardData(dy, weight: w, into: dx, workspace: ws)
        try backend.conv2dBackwardWeights(x, dy, weightGradient: dw, biasGradient: db, workspace: ws)
        assertClose(try backend.floats(dx), try floats("conv_dx").doubles, tolerance: 1e-10, "\(backend.name) conv dx vs PyTorch")
        assertClose(try backend.floats(dw), try floats("conv_dw").doubles, tolerance: 1e-10, "\(backend.name) conv dw vs PyTorch")
        assertClose(try backend.floats(db), try floats("conv_db").doubles, tolerance: 1e-10, "\(backend.name) conv db vs PyTorch")
    }

    func testTransposedConvolutionMatchesPyTorch() throws {
        for backend in availableBackends() { try transposed(backend) }
    }

    private func transposed<B: ComputeBackend>(_ backend: B) throws {
        let xShape = try load("deconv_x").shape, wShape = try load("deconv_w").shape
        let t = try ConvTranspose2DGeometry(batch: xShape[0], inChannels: xShape[1], inHeight: xShape[2], inWidth: xShape[3],
                                            outChannels: wShape[1], kernel: (wShape[2], wShape[3]), stride: (2, 2), padding: (1, 1),
                                            outputPadding: (1, 1))
        XCTAssertEqual([t.batch, t.outChannels, t.outHeight, t.outWidth], try load("deconv_y").shape, "output size formula")
        let ws = try ConvolutionWorkspace(backend: backend, geometry: t.adjoint)
        let (x, w, b, dy) = (try backend.makeBuffer(try floats("deconv_x")), try backend.makeBuffer(try floats("deconv_w")),
                             try backend.makeBuffer(try floats("deconv_b")), try backend.makeBuffer(try floats("deconv_dy")))
        let y = try backend.makeBuffer(count: t.outputCount)
        try backend.convTranspose2dForward(x, weight: w, bias: b, into: y, geometry: t, workspace: ws)
        assertClose(try backend.floats(y), try floats("deconv_y").doubles, tolerance: 1e-10, "\(backend.name) deconv forward vs PyTorch")
        let (dx, dw, db) = (try backend.makeBuffer(count: t.inputCount), try backend.makeBuffer(count: t.weightCount), try backend.makeBuffer(count: t.outChannels))
        try backend.convTranspose2dBackwardData(dy, weight: w, into: dx, geometry: t, workspace: ws)
        try backend.convTranspose2dBackwardWeights(x, dy, weightGradient: dw, biasGradient: db, geometry: t, workspace: ws)
        assertClose(try backend.floats(dx), try floats("deconv_dx").doubles, tolerance: 1e-10, "\(backend.name) deconv dx vs PyTorch")
        assertClose(try backend.floats(dw), try floats("deconv_dw").doubles, tolerance: 1e-10, "\(backend.name) deconv dw vs PyTorch")
        assertClose(try backend.floats(db), try floats("deconv_db").doubles, tolerance: 1e-10, "\(backend.name) deconv db vs PyTorch")
    }

    func testMaxPoolMatchesPyTorch() throws {
        for backend in availableBackends() { try maxPool(backend) }
    }

    private func maxPool<B: ComputeBackend>(_ backend: B) throws {
        let s = try load("pool_x").shape
        let g = try Pool2DGeometry(batch: s[0], channels: s[1], inHeight: s[2], inWidth: s[3], kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        let (y, indices, dx) = (try backend.makeBuffer(count: g.outputCount), try backend.makeBuffer(count: g.outputCount), try backend.makeBuffer(count: g.inputCount))
        try backend.maxPoolForward(try backend.makeBuffer(try floats("pool_x")), geometry: g, into: y, indices: indices)
        XCTAssertEqual(try backend.floats(y), try floats("pool_y"), "\(backend.name) max-pool values vs PyTorch")
        XCTAssertEqual(try backend.ints(indices).map(Int64.init), try load("pool_indices").integers, "\(backend.name) max-pool indices vs PyTorch")
        try backend.maxPoolBackward(try backend.makeBuffer(try floats("pool_dy")), indices: indices, geometry: g, into: dx)
        assertClose(try backend.floats(dx), try floats("pool_dx").doubles, tolerance: 1e-12, "\(backend.name) max-pool dx vs PyTorch")
    }

    func testLossesMatchPyTorch() throws {
        for backend in availableBackends() { try losses(backend) }
    }

    private func losses<B: ComputeBackend>(_ backend: B) throws {
        let labels = try XCTUnwrap(try load("xent_labels").integers).map { Int32($0) }
        let (grad, loss) = (try backend.makeBuffer(count: 50), try backend.makeBuffer(count: 1))
        try backend.softmaxCrossEntropy(logits: try backend.makeBuffer(try floats("xent_z")), labels: try backend.makeBuffer(labels),
                                        rows: 5, classes: 10, gradient: grad, loss: loss)
        assertClose(try backend.floats(loss), try floats("xent_loss").doubles, tolerance: 1e-12, "\(backend.name) cross-entropy vs PyTorch")
        assertClose(try backend.floats(grad), try floats("xent_dz").doubles, tolerance: 1e-10, "\(backend.name) cross-entropy gradient vs PyTorch")
        let (p, t) = (try backend.makeBuffer(try floats("loss_p")), try backend.makeBuffer(try floats("loss_t")))
        let g40 = try backend.makeBuffer(count: 40)
        try backend.meanSquaredError(prediction: p, target: t, count: 40, gradient: g40, loss: loss)
        assertClose(try backend.floats(loss), try floats("loss_mse").doubles, tolerance: 1e-12, "\(backend.name) MSE vs PyTorch")
        assertClose(try backend.floats(g40), try floats("loss_dmse").doubles, tolerance: 1e-12, "\(backend.name) MSE gradient vs PyTorch")
        try backend.binaryCrossEntropy(prediction: p, target: t, count: 40, gradient: g40, loss: loss)
        assertClose(try backend.floats(loss), try floats("loss_bce").doubles, tolerance: 1e-12, "\(backend.name) BCE vs PyTorch")
        assertClose(try backend.floats(g40), try floats("loss_dbce").doubles, tolerance: 1e-10, "\(backend.name) BCE gradient vs PyTorch")
    }

    /// SimCLR's NT-Xent (8 projections: 4 images' two views) against PyTorch's normalize, masked
    /// similarity and cross-entropy, loss and gradient.
    func testNTXentMatchesPyTorch() throws {
        for backend in availableBackends() { try ntXent(backend) }
    }

    private func ntXent<B: ComputeBackend>(_ backend: B) throws {
        do {
            let z = try backend.makeBuffer(try floats("ntxent_z")), gradient = try backend.makeBuffer(count: 40)
            let loss = try backend.ntXent(embeddings: z, rows: 8, dims: 5, temperature: 0.5, gradient: gradient)
            assertClose([loss], try floats("ntxent_loss").doubles, tolerance: 1e-12, "\(backend.name) NT-Xent vs PyTorch")
            assertClose(try backend.floats(gradient), try floats("ntxent_dz").doubles, tolerance: 1e-10, "\(backend.name) NT-Xent gradient vs PyTorch")
            XCTAssertEqual(try backend.ntXent(embeddings: z, rows: 8, dims: 5, temperature: 0.5, gradient: nil), loss, "no gradient, same loss")
        }
    }

    func testOptimizersMatchPyTorch() throws {
        for backend in availableBackends() { try optimizers(backend) }
    }

    private func optimizers<B: ComputeBackend>(_ backend: B) throws {
        let count = 50
        let adamGrads = try floats("adam_grads")
        let (p, m, v) = (try backend.makeBuffer(try floats("adam_p0")), try backend.makeBuffer([Float](repeating: 0, count: count)),
                         try backend.makeBuffer([Float](repeating: 0, count: count)))
        for step in 1 ... 3 {
            try backend.adamStep(parameters: p, gradients: try backend.makeBuffer(Array(adamGrads[(step - 1) * count ..< step * count])),
                                 firstMoment: m, secondMoment: v, count: count, settings: AdamSettings(learningRate: 0.01, weightDecay: 0.01), step: step)
        }
        assertClose(try backend.floats(p), try floats("adam_p3").doubles, tolerance: 1e-12, "\(backend.name) Adam vs torch.optim.Adam")
        let sgdGrads = try floats("sgd_grads")
        let (q, buffer) = (try backend.makeBuffer(try floats("sgd_p0")), try backend.makeBuffer(count: count))
        for step in 1 ... 3 {
            try backend.sgdStep(parameters: q, gradients: try backend.makeBuffer(Array(sgdGrads[(step - 1) * count ..< step * count])),
                                momentumBuffer: buffer, count: count,
                                settings: SGDSettings(learningRate: 0.1, momentum: 0.9, weightDecay: 0.001, nesterov: true), firstStep: step == 1)
        }
        assertClose(try backend.floats(q), try floats("sgd_p3").doubles, tolerance: 1e-12, "\(backend.name) SGD vs torch.optim.SGD")
    }
}
