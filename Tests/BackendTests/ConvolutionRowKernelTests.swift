import Backend
import CIntrinsics
import XCTest

/// The CPU backend's AVX-512 and AVX2 im2col, col2im and 2x2 max-pool kernels (`convolution_rows.c`) give
/// the same bits as its scalar loops: every convolution op and the pooling, run with each kernel level this
/// CPU has and with the kernels switched off, on shapes that reach each of the kernels' cases (stride 1 and 2 across,
/// stride 3 down, rows of 1 to 8 outputs taken two at a time, planes wider than one 16-word chunk and wide
/// enough to go back to the loops, padding 0 to 2) and on pooling input with ties and NaNs.
final class ConvolutionRowKernelTests: XCTestCase {
    /// (batch, in, H, W, out, kernel, stride, padding)
    static let shapes: [(Int, Int, Int, Int, Int, (Int, Int), (Int, Int), (Int, Int))] = [
        (3, 32, 14, 14, 8, (3, 3), (2, 2), (1, 1)),   // the conv-AE's conv2: 7 outputs a row, paired
        (2, 1, 28, 28, 4, (3, 3), (2, 2), (1, 1)),    // its conv1: 14 outputs, two chunks of the plane
        (2, 3, 14, 14, 5, (3, 3), (1, 1), (1, 1)),    // the CNN's conv2
        (2, 2, 9, 40, 3, (5, 5), (1, 2), (2, 2)),     // three chunks, kernel 5, padding 2
        (2, 3, 11, 13, 2, (3, 2), (3, 1), (0, 1)),    // stride 3 down, odd sizes
        (1, 2, 5, 5, 3, (1, 1), (1, 1), (0, 0)),      // 1x1
        (1, 2, 4, 1100, 2, (3, 3), (1, 1), (1, 1)),   // too wide for the col2im kernel's lane maps
        (2, 2, 9, 9, 3, (3, 3), (3, 3), (1, 1)),      // stride 3 across: the loops throughout
    ]

    /// The kernel levels this CPU runs: 2 (AVX-512F) and 1 (AVX2), or those of them it has.
    private var levels: [Int32] { [2, 1].filter { fmnist_convolution_rows_use_level($0) == $0 } }

    override func setUpWithError() throws {
        guard fmnist_convolution_rows_available() == 1 else {
            throw XCTSkip("this CPU has neither AVX-512F nor AVX2: the row kernels never run, the scalar loops are tested elsewhere")
        }
    }

    override func tearDown() { _ = fmnist_convolution_rows_use_level(-1) }

    /// Every output of the convolution ops (forward, input gradient, weight and bias gradients, the
    /// transposed convolution's three) under `level`.
    private func convolutionOutputs(level: Int32, shape index: Int) throws -> [[Float]] {
        XCTAssertEqual(fmnist_convolution_rows_use_level(level), level)
        let s = Self.shapes[index], backend = CPUBackend()
        let g = try Conv2DGeometry(batch: s.0, inChannels: s.1, inHeight: s.2, inWidth: s.3, outChannels: s.4,
                                   kernel: s.5, stride: s.6, padding: s.7)
        let seed = UInt64(500 + index * 10)
        let x = try backend.makeBuffer(randomFloats(g.inputCount, seed: seed))
        let w = try backend.makeBuffer(randomFloats(g.weightCount, seed: seed + 1))
        let b = try backend.makeBuffer(randomFloats(g.outChannels, seed: seed + 2))
        let dy = try backend.makeBuffer(randomFloats(g.outputCount, seed: seed + 3))
        let ws = try ConvolutionWorkspace(backend: backend, geometry: g, budgetBytes: nil)
        let y = try backend.makeBuffer(count: g.outputCount), dx = try backend.makeBuffer(count: g.inputCount)
        let dw = try backend.makeBuffer(count: g.weightCount), db = try backend.makeBuffer(count: g.outChannels)
        try backend.conv2dForward(x, weight: w, bias: b, into: y, workspace: ws)
        try backend.conv2dBackwardData(dy, weight: w, into: dx, workspace: ws)
        try backend.conv2dBackwardWeights(x, dy, weightGradient: dw, biasGradient: db, workspace: ws)
        return try [y, dx, dw, db].map { try backend.floats($0) }
    }

    func testConvolutionKernelsMatchTheLoops() throws {
        for index in Self.shapes.indices {
            let scalar = try convolutionOutputs(level: 0, shape: index)
            for level in levels {
                let vector = try convolutionOutputs(level: level, shape: index)
                for (name, (a, b)) in zip(["forward", "input gradient", "weight gradient", "bias gradient"], zip(vector, scalar)) {
                    XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "level \(level), shape \(Self.shapes[index]): \(name) differs")
                }
            }
        }
    }

    private func transposedOutputs(level: Int32) throws -> [[Float]] {
        XCTAssertEqual(fmnist_convolution_rows_use_level(level), level)
        let backend = CPUBackend()
        // The conv-AE's deconv1: 64 channels of 7x7 to 32 of 14x14.
        let t = try ConvTranspose2DGeometry(batch: 2, inChannels: 16, inHeight: 7, inWidth: 7, outChannels: 32, kernel: (3, 3),
                                            stride: (2, 2), padding: (1, 1), outputPadding: (1, 1))
        let x = try backend.makeBuffer(randomFloats(t.inputCount, seed: 41))
        let w = try backend.makeBuffer(randomFloats(t.weightCount, seed: 42))
        let b = try backend.makeBuffer(randomFloats(t.outChannels, seed: 43))
        let dy = try backend.makeBuffer(randomFloats(t.outputCount, seed: 44))
        let ws = try ConvolutionWorkspace(backend: backend, geometry: t.adjoint, budgetBytes: nil)
        let y = try backend.makeBuffer(count: t.outputCount), dx = try backend.makeBuffer(count: t.inputCount)
        let dw = try backend.makeBuffer(count: t.weightCount), db = try backend.makeBuffer(count: t.outChannels)
        try backend.convTranspose2dForward(x, weight: w, bias: b, into: y, geometry: t, workspace: ws)
        try backend.convTranspose2dBackwardData(dy, weight: w, into: dx, geometry: t, workspace: ws)
        try backend.convTranspose2dBackwardWeights(x, dy, weightGradient: dw, biasGradient: db, geometry: t, workspace: ws)
        return try [y, dx, dw, db].map { try backend.floats($0) }
    }

    func testTransposedConvolutionKernelsMatchTheLoops() throws {
        let scalar = try transposedOutputs(level: 0)
        for level in levels {
            for (a, b) in zip(try transposedOutputs(level: level), scalar) {
                XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "level \(level)")
            }
        }
    }

    func testMaxPoolKernelMatchesTheLoop() throws {
        let backend = CPUBackend()
        for (height, width) in [(28, 28), (14, 14), (7, 9), (5, 35)] {
            let g = try Pool2DGeometry(batch: 2, channels: 3, inHeight: height, inWidth: width, kernel: (2, 2))
            // Few distinct values (ties in most windows), a NaN in every seventh place, infinities.
            var values = randomFloats(g.inputCount, seed: UInt64(height * width)).map { ($0 * 3).rounded() }
            for i in stride(from: 3, to: values.count, by: 7) { values[i] = .nan }
            for i in stride(from: 5, to: values.count, by: 11) { values[i] = i % 2 == 0 ? .infinity : -.infinity }
            let x = try backend.makeBuffer(values)
            var results: [([UInt32], [Int32])] = []
            for level in [0] + levels {
                XCTAssertEqual(fmnist_convolution_rows_use_level(level), level)
                let y = try backend.makeBuffer(count: g.outputCount)
                let indices = try backend.makeBuffer([Int32](repeating: -7, count: g.outputCount))
                try backend.maxPoolForward(x, geometry: g, into: y, indices: indices)
                results.append((try backend.floats(y).map(\.bitPattern), try backend.ints(indices)))
            }
            for (level, result) in zip(levels, results.dropFirst()) {
                XCTAssertEqual(result.0, results[0].0, "level \(level), \(height)x\(width): maxima differ")
                XCTAssertEqual(result.1, results[0].1, "level \(level), \(height)x\(width): indices differ")
            }
        }
    }
}
