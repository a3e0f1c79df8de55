import Backend
import XCTest

/// Convolution and transposed convolution on every backend against the Double references:
/// odd shapes, stride 1 and 2, padding 0 and 1, output padding 0 and 1, batch 1 and 33, and a
/// workspace budget small enough to force one image per pass.
final class ConvolutionParityTests: XCTestCase {
    /// (batch, in, H, W, out, kernel, stride, padding)
    static let shapes: [(Int, Int, Int, Int, Int, (Int, Int), (Int, Int), (Int, Int))] = [
        (1, 1, 7, 7, 3, (3, 3), (1, 1), (1, 1)),
        (2, 3, 7, 5, 4, (3, 3), (2, 2), (1, 1)),
        (33, 2, 5, 5, 3, (3, 3), (2, 2), (0, 0)),
        (3, 4, 9, 8, 5, (2, 3), (1, 2), (0, 1)),
        (2, 1, 28, 28, 4, (3, 3), (2, 2), (1, 1)),
        (1, 5, 6, 6, 7, (1, 1), (1, 1), (0, 0)),
    ]

    /// The bias gradient on every backend, with small whole numbers so that every order of the additions gives the exact
    /// sum: planes split into blocks of images with a short last block (OpenCL: 10 images of 300 positions, 4 a block),
    /// many images, planes longer than a work-group's four loads, a linear layer's rows (`inner` 1), a single value.
    func testBiasGradientSumsEveryElementOnce() throws {
        for backend in availableBackends() { try biasGradients(backend) }
    }

    private func biasGradients<B: ComputeBackend>(_ backend: B) throws {
        let shapes = [(10, 3, 300), (33, 5, 784), (3, 2, 5_000), (256, 4, 1), (1, 1, 1)]
        for (index, (outer, channels, inner)) in shapes.enumerated() {
            let dy = (0 ..< outer * channels * inner).map { Float(($0 * 7 + index) % 5) - 2 }
            let (dyBuffer, db) = (try backend.makeBuffer(dy), try backend.makeBuffer([Float](repeating: .nan, count: channels)))
            try backend.biasGradient(dyBuffer, outer: outer, channels: channels, inner: inner, into: db)
            XCTAssertEqual(try backend.floats(db).map(Double.init),
                           TrainingReference.biasGradient(dy.doubles, outer: outer, channels: channels, inner: inner),
                           "\(backend.name) \(outer) x \(channels) x \(inner)")
        }
    }

    func testConvolutionForwardAndBackward() throws {
        for backend in availableBackends() { try convolution(backend) }
    }

    private func convolution<B: ComputeBackend>(_ backend: B) throws {
        for (index, s) in Self.shapes.enumerated() {
            let g = try Conv2DGeometry(batch: s.0, inChannels: s.1, inHeight: s.2, inWidth: s.3, outChannels: s.4,
                                       kernel: s.5, stride: s.6, padding: s.7)
            let seed = UInt64(index * 10)
            let x = randomFloats(g.inputCount, seed: seed), w = randomFloats(g.weightCount, seed: seed + 1)
            let b = randomFloats(g.outChannels, seed: seed + 2), dy = randomFloats(g.outputCount, seed: seed + 3)
            let budget: Int? = index == 2 ? 1 : nil  // batch 33: one image per pass
            let ws = try ConvolutionWorkspace(backend: backend, geometry: g, budgetBytes: budget)
            let (dx_, dw_, db_) = (try backend.makeBuffer(x), try backend.makeBuffer(w), try backend.makeBuffer(b))
            let y = try backend.makeBuffer(count: g.outputCount)
            try backend.conv2dForward(dx_, weight: dw_, bias: db_, into: y, workspace: ws)
            assertClose(try backend.floats(y), TrainingReference.conv2d(x.doubles, w.doubles, b.doubles, g), tolerance: 1e-5,
                        "\(backend.name) conv forward \(g)")

            let dyBuffer = try backend.makeBuffer(dy)
            let dx = try backend.makeBuffer([Float](repeating: .nan, count: g.inputCount))
            try backend.conv2dBackwardData(dyBuffer, weight: dw_, into: dx, workspace: ws)
            assertClose(try backend.floats(dx), TrainingReference.conv2dBackwardData(dy.doubles, w.doubles, g), tolerance: 1e-5,
                        "\(backend.name) conv backward data \(g)")

            let gw = try backend.makeBuffer([Float](repeating: .nan, count: g.weightCount))
            let gb = try backend.makeBuffer(count: g.outChannels)
            try backend.conv2dBackwardWeights(dx_, dyBuffer, weightGradient: gw, biasGradient: gb, workspace: ws)
            assertClose(try backend.floats(gw), TrainingReference.conv2dBackwardWeights(x.doubles, dy.doubles, g), tolerance: 1e-5,
                        "\(backend.name) conv backward weights \(g)")
            assertClose(try backend.floats(gb), TrainingReference.biasGradient(dy.doubles, outer: g.batch, channels: g.outChannels,
                                                                               inner: g.outHeight * g.outWidth), tolerance: 1e-6,
                        "\(backend.name) conv bias gradient \(g)")
        }
    }

    /// The generic im2col path (OpenCL) builds a step's patches once: the weight gradient reuses the forward step's
    /// columns, a transposed convolution's input gradient the weight gradient's. A forward step always builds them
    /// (its input buffer may hold a new batch: a first layer's backward step computes no input gradient, so nothing
    /// else overwrote the columns in between), and the input gradient's own columns are never taken for patches.
    func testColumnsAreReusedOnlyWithinAStep() throws {
        guard case .success(let shared) = sharedOpenCL else { throw XCTSkip("no OpenCL device") }
        let backend = try OpenCLBackend(deviceIndex: shared.info.index, profiling: true)
        backend.convolutionForward = .im2col  // the path under test, whatever a GPU's tuner chose before
        func im2colLaunches() throws -> Int { try backend.kernelProfile().rows.filter { $0.name == "im2col" }.reduce(0) { $0 + $1.count } }
        let g = try Conv2DGeometry(batch: 2, inChannels: 3, inHeight: 9, inWidth: 8, outChannels: 4, kernel: (3, 3), stride: (1, 1),
                                   padding: (1, 1))
        let (x1, x2) = (randomFloats(g.inputCount, seed: 501), randomFloats(g.inputCount, seed: 502))
        let (w, b, dy) = (randomFloats(g.weightCount, seed: 503), randomFloats(g.outChannels, seed: 504), randomFloats(g.outputCount, seed: 505))
        let ws = try ConvolutionWorkspace(backend: backend, geometry: g)
        let (xb, wb, bb, dyb) = (try backend.makeBuffer(x1), try backend.makeBuffer(w), try backend.makeBuffer(b), try backend.makeBuffer(dy))
        let (y, gw, gb, dx) = (try backend.makeBuffer(count: g.outputCount), try backend.makeBuffer(count: g.weightCount),
                               try backend.makeBuffer(count: g.outChannels), try backend.makeBuffer(count: g.inputCount))
        func checkWeightGradient(_ x: [Float], _ what: String) throws {
            try backend.conv2dBackwardWeights(xb, dyb, weightGradient: gw, biasGradient: gb, workspace: ws)
            assertClose(try backend.floats(gw), TrainingReference.conv2dBackwardWeights(x.doubles, dy.doubles, g), tolerance: 1e-5, what)
        }

        try backend.conv2dForward(xb, weight: wb, bias: bb, into: y, workspace: ws)
        try checkWeightGradient(x1, "weight gradient from the forward step's columns")
        XCTAssertEqual(try im2colLaunches(), 1, "the weight gradient reuses the forward step's patches")

        try x2.withUnsafeBufferPointer { try backend.upload($0, to: xb, offset: 0) }  // the next batch, same buffer
        try backend.conv2dForward(xb, weight: wb, bias: bb, into: y, workspace: ws)
        assertClose(try backend.floats(y), TrainingReference.conv2d(x2.doubles, w.doubles, b.doubles, g), tolerance: 1e-5,
                    "a forward step on a new batch in the same buffer")
        try checkWeightGradient(x2, "weight gradient of the second batch")
        XCTAssertEqual(try im2colLaunches(), 2)

        try backend.conv2dBackwardData(dyb, weight: wb, into: dx, workspace: ws)  // overwrites the columns
        try checkWeightGradient(x2, "weight gradient after the input gradient overwrote the columns")
        XCTAssertEqual(try im2colLaunches(), 3, "overwritten columns are built again")

        let t = try ConvTranspose2DGeometry(batch: 2, inChannels: 4, inHeight: 5, inWidth: 5, outChannels: 3, kernel: (3, 3),
                                            stride: (2, 2), padding: (1, 1), outputPadding: (1, 1))
        let (tx, tw, tdy) = (randomFloats(t.inputCount, seed: 506), randomFloats(t.weightCount, seed: 507), randomFloats(t.outputCount, seed: 508))
        let tws = try ConvolutionWorkspace(backend: backend, geometry: t.adjoint)
        let (txb, twb, tdyb) = (try backend.makeBuffer(tx), try backend.makeBuffer(tw), try backend.makeBuffer(tdy))
        let (ty, tgw, tdx) = (try backend.makeBuffer(count: t.outputCount), try backend.makeBuffer(count: t.weightCount),
                              try backend.makeBuffer(count: t.inputCount))
        for step in 0 ..< 2 {
            try backend.convTranspose2dForward(txb, weight: twb, bias: nil, into: ty, geometry: t, workspace: tws)
            try backend.convTranspose2dBackwardWeights(txb, tdyb, weightGradient: tgw, biasGradient: nil, geometry: t, workspace: tws)
            try backend.convTranspose2dBackwardData(tdyb, weight: twb, into: tdx, geometry: t, workspace: tws)
            assertClose(try backend.floats(tgw), TrainingReference.conv2dBackwardWeights(tdy.doubles, tx.doubles, t.adjoint), tolerance: 1e-5,
                        "transposed weight gradient, step \(step)")
            assertClose(try backend.floats(tdx), TrainingReference.conv2d(tdy.doubles, tw.doubles, nil, t.adjoint), tolerance: 1e-5,
                        "transposed input gradient from the weight gradient's patches, step \(step)")
            XCTAssertEqual(try im2colLaunches(), 4 + step, "one im2col of dy per transposed backward step")
        }
    }

    /// (batch, in, H, W, out, kernel, stride, padding, output padding)
    static let transposedShapes: [(Int, Int, Int, Int, Int, (Int, Int), (Int, Int), (Int, Int), (Int, Int))] = [
        (2, 3, 4, 4, 2, (3, 3), (2, 2), (1, 1), (1, 1)),
        (1, 6, 7, 7, 3, (3, 3), (2, 2), (1, 1), (1, 1)),
        (33, 2, 3, 3, 1, (3, 3), (2, 2), (1, 1), (0, 0)),
        (2, 2, 5, 4, 3, (3, 2), (1, 1), (0, 0), (0, 0)),
        (1, 2, 3, 5, 2, (2, 3), (2, 1), (0, 1), (1, 0)),
    ]

    func testTransposedConvolutionForwardAndBackward() throws {
        for backend in availableBackends() { try transposed(backend) }
    }

    private func transposed<B: ComputeBackend>(_ backend: B) throws {
        for (index, s) in Self.transposedShapes.enumerated() {
            let t = try ConvTranspose2DGeometry(batch: s.0, inChannels: s.1, inHeight: s.2, inWidth: s.3, outChannels: s.4,
                                                kernel: s.5, stride: s.6, padding: s.7, outputPadding: s.8)
            let seed = UInt64(100 + index * 10)
            let x = randomFloats(t.inputCount, seed: seed), w = randomFloats(t.weightCount, seed: seed + 1)
            let b = randomFloats(t.outChannels, seed: seed + 2), dy = randomFloats(t.outputCount, seed: seed + 3)
            let ws = try ConvolutionWorkspace(backend: backend, geometry: t.adjoint, budgetBytes: index == 2 ? 1 : nil)
            let (xb, wb, bb, dyb) = (try backend.makeBuffer(x), try backend.makeBuffer(w), try backend.makeBuffer(b), try backend.makeBuffer(dy))
            let y = try backend.makeBuffer(count: t.outputCount)
            try backend.convTranspose2dForward(xb, weight: wb, bias: bb, into: y, geometry: t, workspace: ws)
            assertClose(try backend.floats(y), TrainingReference.convTranspose2d(x.doubles, w.doubles, b.doubles, t), tolerance: 1e-5,
                        "\(backend.name) transposed conv forward \(t)")
            let dx = try backend.makeBuffer(count: t.inputCount)
            try backend.convTranspose2dBackwardData(dyb, weight: wb, into: dx, geometry: t, workspace: ws)
            assertClose(try backend.floats(dx), TrainingReference.conv2d(dy.doubles, w.doubles, nil, t.adjoint), tolerance: 1e-5,
                        "\(backend.name) transposed conv backward data \(t)")
            let gw = try backend.makeBuffer(count: t.weightCount), gb = try backend.makeBuffer(count: t.outChannels)
            try backend.convTranspose2dBackwardWeights(xb, dyb, weightGradient: gw, biasGradient: gb, geometry: t, workspace: ws)
            assertClose(try backend.floats(gw), TrainingReference.conv2dBackwardWeights(dy.doubles, x.doubles, t.adjoint), tolerance: 1e-5,
                        "\(backend.name) transposed conv backward weights \(t)")
            assertClose(try backend.floats(gb), TrainingReference.biasGradient(dy.doubles, outer: t.batch, channels: t.outChannels,
                                                                               inner: t.outHeight * t.outWidth), tolerance: 1e-6,
                        "\(backend.name) transposed conv bias gradient \(t)")
        }
    }

    /// `<conv(x), y> = <x, convT(y)>` with the same weights: the transposed convolution is the adjoint.
    func testTransposedConvolutionIsTheAdjoint() throws {
        for backend in availableBackends() { try adjoint(backend) }
    }

    private func adjoint<B: ComputeBackend>(_ backend: B) throws {
        let t = try ConvTranspose2DGeometry(batch: 3, inChannels: 4, inHeight: 7, inWidth: 7, outChannels: 2, kernel: (3, 3),
                                            stride: (2, 2), padding: (1, 1), outputPadding: (1, 1))
        let g = t.adjoint
        let x = randomFloats(g.inputCount, seed: 1), y = randomFloats(g.outputCount, seed: 2), w = randomFloats(g.weightCount, seed: 3)
        let ws = try ConvolutionWorkspace(backend: backend, geometry: g)
        let wb = try backend.makeBuffer(w)
        let convX = try backend.makeBuffer(count: g.outputCount), transposedY = try backend.makeBuffer(count: g.inputCount)
        try backend.conv2dForward(try backend.makeBuffer(x), weight: wb, bias: nil, into: convX, workspace: ws)
        try backend.convTranspose2dForward(try backend.makeBuffer(y), weight: wb, bias: nil, into: transposedY, geometry: t, workspace: ws)
        let left = zip(try backend.floats(convX), y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let right = zip(x, try backend.floats(transposedY)).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        XCTAssertEqual(left, right, accuracy: 1e-4 * max(1, abs(left)), "\(backend.name): <conv x, y> vs <x, convT y>")
        XCTAssertEqual(t.outHeight, 14, "PyTorch: (7 - 1) * 2 - 2 + 3 + 1 = 14")
    }

    /// Sizes follow PyTorch's formulas, and what a user can get wrong throws instead of trapping.
    func testGeometryFormulasAndErrors() throws {
        let conv = try Conv2DGeometry(batch: 1, inChannels: 1, inHeight: 28, inWidth: 28, outChannels: 32, kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        XCTAssertEqual(conv.outHeight, 14)
        let conv2 = try Conv2DGeometry(batch: 1, inChannels: 32, inHeight: 14, inWidth: 14, outChannels: 64, kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        XCTAssertEqual(conv2.outHeight, 7)
        let deconv = try ConvTranspose2DGeometry(batch: 1, inChannels: 32, inHeight: 14, inWidth: 14, outChannels: 1, kernel: (3, 3),
                                                 stride: (2, 2), padding: (1, 1), outputPadding: (1, 1))
        XCTAssertEqual(deconv.outHeight, 28)
        let pool = try Pool2DGeometry(batch: 1, channels: 1, inHeight: 28, inWidth: 28, kernel: (2, 2))
        XCTAssertEqual(pool.outHeight, 14)
        XCTAssertThrowsError(try Conv2DGeometry(batch: 1, inChannels: 1, inHeight: 4, inWidth: 4, outChannels: 1, kernel: (3, 3), stride: (0, 1))) {
            XCTAssertTrue("\($0)".contains("stride 0x1"), "\($0)")
        }
        XCTAssertThrowsError(try Conv2DGeometry(batch: 1, inChannels: 1, inHeight: 2, inWidth: 2, outChannels: 1, kernel: (5, 5))) {
            XCTAssertTrue("\($0)".contains("kernel 5x5 is larger than the padded input 2x2"), "\($0)")
        }
        XCTAssertThrowsError(try ConvTranspose2DGeometry(batch: 1, inChannels: 1, inHeight: 3, inWidth: 3, outChannels: 1, kernel: (3, 3),
                                                         stride: (2, 2), padding: (1, 1), outputPadding: (2, 0))) {
            XCTAssertTrue("\($0)".contains("output padding"), "\($0)")
        }
        XCTAssertThrowsError(try Pool2DGeometry(batch: 1, channels: 1, inHeight: 1, inWidth: 1, kernel: (2, 2)))
    }
}
