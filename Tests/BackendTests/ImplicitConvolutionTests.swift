@testable import Backend
import XCTest

/// The implicit-GEMM convolution forward step (`gemm_conv_forward`, `ConvolutionForward`) on the GPU kernels forced onto
/// the OpenCL device (PoCL in CI): bit for bit the im2col path's output at every tile shape and geometry, one launch
/// instead of four, and under `automatic` a per-geometry choice timed once, kept and loaded like a GEMM tile.
final class ImplicitConvolutionTests: TemporaryDirectoryTestCase {
    private func open(_ forward: ConvolutionForward, tuning: GemmTuning = .off, tiling: GemmTiling? = nil,
                      profiling: Bool = false) throws -> OpenCLBackend {
        guard case .success(let shared) = sharedOpenCL else { throw XCTSkip("no OpenCL device") }
        let backend = try OpenCLBackend(deviceIndex: shared.info.index, kernelStyle: .gpu, gemmTiling: tiling, profiling: profiling,
                                        gemmTuning: tuning, gemmTuningDirectory: directory)
        backend.convolutionForward = forward
        return backend
    }

    /// (batch, in, H, W, out, kernel, stride, padding): the networks' layers at a small batch, and odd ones (a batch
    /// that fills no tile, rectangular kernels and strides, padding on one side only).
    static let shapes: [(Int, Int, Int, Int, Int, (Int, Int), (Int, Int), (Int, Int))] = [
        (3, 1, 28, 28, 32, (3, 3), (1, 1), (1, 1)),
        (2, 32, 14, 14, 64, (3, 3), (1, 1), (1, 1)),
        (3, 1, 28, 28, 32, (3, 3), (2, 2), (1, 1)),
        (2, 32, 14, 14, 64, (3, 3), (2, 2), (1, 1)),
        (5, 3, 9, 7, 5, (3, 2), (2, 1), (1, 0)),
        (1, 2, 5, 6, 3, (5, 6), (1, 1), (0, 0)),
    ]

    /// Four tile shapes (the heuristic's, a small square, a blocked prefetching 128 x 128, a rectangular one), one per
    /// geometry in turn (every pair is one more program to build), with and without a bias: the implicit GEMM writes the im2col
    /// path's bits and matches the Double reference; its only launches are `gemm_conv_forward`.
    func testImplicitForwardIsTheIm2colPathBitForBit() throws {
        let tilings: [GemmTiling?] = [nil, GemmTiling(tileM: 16, tileN: 16, tileK: 16, workM: 2, workN: 2),
                                      GemmTiling(tileM: 128, tileN: 128, tileK: 8, workM: 8, workN: 8, blocked: true, prefetch: true),
                                      GemmTiling(tileM: 32, tileN: 128, tileK: 16, workM: 4, workN: 8, blocked: true)]
        for (which, tiling) in tilings.enumerated() {
            let implicit = try open(.implicit, tiling: tiling, profiling: true), explicit = try open(.im2col, tiling: tiling)
            for (index, s) in Self.shapes.enumerated() where index % tilings.count == which {
                let g = try Conv2DGeometry(batch: s.0, inChannels: s.1, inHeight: s.2, inWidth: s.3, outChannels: s.4, kernel: s.5,
                                           stride: s.6, padding: s.7)
                let seed = UInt64(700 + 10 * index)
                let x = randomFloats(g.inputCount, seed: seed), w = randomFloats(g.weightCount, seed: seed + 1)
                let b = randomFloats(g.outChannels, seed: seed + 2)
                for withBias in [true, false] {
                    var outputs: [[Float]] = []
                    for backend in [implicit, explicit] {
                        let ws = try ConvolutionWorkspace(backend: backend, geometry: g)
                        let y = try backend.makeBuffer(randomFloats(g.outputCount, seed: seed + 3))  // overwritten
                        try backend.conv2dForward(try backend.makeBuffer(x), weight: try backend.makeBuffer(w),
                                                  bias: withBias ? try backend.makeBuffer(b) : nil, into: y, workspace: ws)
                        outputs.append(try backend.floats(y))
                    }
                    let what = "\(g), bias \(withBias), tile \(tiling.map(\.description) ?? "heuristic")"
                    XCTAssertTrue(outputs[0].map(\.bitPattern) == outputs[1].map(\.bitPattern), "\(what): implicit and im2col differ")
                    assertClose(outputs[0], TrainingReference.conv2d(x.doubles, w.doubles, withBias ? b.doubles : nil, g),
                                tolerance: 1e-5, what)
                }
            }
            let launched = Set(try implicit.kernelProfile().rows.map(\.name))
            XCTAssertTrue(launched.contains("gemm_conv_forward"), "\(launched)")
            XCTAssertTrue(launched.isDisjoint(with: ["im2col", "gemm", "swap_leading_axes", "add_bias"]), "\(launched)")
        }
    }

    /// After an implicit forward step the columns hold no patches: the weight gradient builds them (one `im2col`) and is
    /// right. A product the im2col path cuts along K (split-K, another order of the sums) keeps that path even when
    /// `implicit` is asked for, so its bits do not depend on the choice.
    func testWeightGradientAfterAnImplicitStepAndSplitKShapes() throws {
        let backend = try open(.implicit, profiling: true)
        func launches(_ name: String) throws -> Int { try backend.kernelProfile().rows.filter { $0.name == name }.reduce(0) { $0 + $1.count } }
        let g = try Conv2DGeometry(batch: 2, inChannels: 3, inHeight: 9, inWidth: 8, outChannels: 4, kernel: (3, 3), padding: (1, 1))
        let (x, w, b, dy) = (randomFloats(g.inputCount, seed: 801), randomFloats(g.weightCount, seed: 802),
                             randomFloats(g.outChannels, seed: 803), randomFloats(g.outputCount, seed: 804))
        let ws = try ConvolutionWorkspace(backend: backend, geometry: g)
        let (xb, dyb) = (try backend.makeBuffer(x), try backend.makeBuffer(dy))
        let (y, gw, gb) = (try backend.makeBuffer(count: g.outputCount), try backend.makeBuffer(count: g.weightCount),
                           try backend.makeBuffer(count: g.outChannels))
        try backend.conv2dForward(xb, weight: try backend.makeBuffer(w), bias: try backend.makeBuffer(b), into: y, workspace: ws)
        XCTAssertEqual(try launches("im2col"), 0)
        try backend.conv2dBackwardWeights(xb, dyb, weightGradient: gw, biasGradient: gb, workspace: ws)
        assertClose(try backend.floats(gw), TrainingReference.conv2dBackwardWeights(x.doubles, dy.doubles, g), tolerance: 1e-5,
                    "weight gradient after an implicit forward step")
        XCTAssertEqual(try launches("im2col"), 1, "the weight gradient builds the patches the implicit step did not")

        // 4 outputs x 16 positions over 576 terms: one tile, so split-K on this device with many compute units.
        backend.splitKComputeUnits = 64
        let s = try Conv2DGeometry(batch: 1, inChannels: 64, inHeight: 4, inWidth: 4, outChannels: 4, kernel: (3, 3), padding: (1, 1))
        let heuristic = backend.gemmStrategy.tiling(m: s.outChannels, n: s.outHeight * s.outWidth, computeUnits: backend.info.computeUnits)
        XCTAssertGreaterThan(backend.splitKSlices(m: s.outChannels, n: s.outHeight * s.outWidth, k: s.patchSize, tiling: heuristic), 1)
        let (sx, sw) = (randomFloats(s.inputCount, seed: 805), randomFloats(s.weightCount, seed: 806))
        let sy = try backend.makeBuffer(count: s.outputCount)
        try backend.conv2dForward(try backend.makeBuffer(sx), weight: try backend.makeBuffer(sw), bias: nil, into: sy,
                                  workspace: try ConvolutionWorkspace(backend: backend, geometry: s))
        assertClose(try backend.floats(sy), TrainingReference.conv2d(sx.doubles, sw.doubles, nil, s), tolerance: 1e-5, "split-K geometry")
        XCTAssertEqual(try launches("gemm_conv_forward"), 1, "the split-K geometry did not run the implicit GEMM")
        XCTAssertGreaterThan(try launches("gemm_splitk"), 0)
    }

    /// Under `automatic` with tuning on, a geometry's third forward step times the two paths and keeps the faster
    /// (bit for bit the same output on every step either way, the timing runs labelled in the profile); a second
    /// backend loads the choice from the file without timing; a batch split into passes and a backend that does not
    /// tune keep the im2col path untimed.
    func testAutomaticChoiceIsTimedOnceAndKept() throws {
        let g = try Conv2DGeometry(batch: 4, inChannels: 8, inHeight: 10, inWidth: 10, outChannels: 16, kernel: (3, 3), padding: (1, 1))
        let (x, w, b) = (randomFloats(g.inputCount, seed: 901), randomFloats(g.weightCount, seed: 902), randomFloats(g.outChannels, seed: 903))
        func steps(_ backend: OpenCLBackend, count: Int = 4, budgetBytes: Int? = nil) throws -> [[UInt32]] {
            let ws = try ConvolutionWorkspace(backend: backend, geometry: g, budgetBytes: budgetBytes)
            let (xb, wb, bb, y) = (try backend.makeBuffer(x), try backend.makeBuffer(w), try backend.makeBuffer(b),
                                   try backend.makeBuffer(count: g.outputCount))
            return try (0 ..< count).map { _ in
                try backend.conv2dForward(xb, weight: wb, bias: bb, into: y, workspace: ws)
                return try backend.floats(y).map(\.bitPattern)
            }
        }
        let reference = try steps(try open(.im2col))[0]
        assertClose(reference.map(Float.init(bitPattern:)), TrainingReference.conv2d(x.doubles, w.doubles, b.doubles, g), tolerance: 1e-5,
                    "im2col path")

        let first = try open(.automatic, tuning: .on, profiling: true)
        let tuner = try XCTUnwrap(first.gemmTuner)
        tuner.budgetSeconds = 1_000
        for (step, bits) in try steps(first).enumerated() { XCTAssertTrue(bits == reference, "automatic, step \(step)") }
        XCTAssertEqual(tuner.timedConvolutions, [g.description])
        let chosen = try XCTUnwrap(tuner.convolutionChoice(for: g.description))
        let rows = try first.kernelProfile().rows
        XCTAssertTrue(rows.contains { $0.name == "gemm_conv_forward (tuning)" }, "the implicit GEMM was timed")
        let implicitRuns = rows.filter { $0.name == "gemm_conv_forward" }.reduce(0) { $0 + $1.count }
        // Steps 1-3 run the im2col path (the third also times both), a kept implicit choice runs twice more (the third
        // step's own launch and the fourth step).
        XCTAssertEqual(implicitRuns, chosen == .im2col ? 0 : 2, "chosen \(chosen.parseable)")

        let second = try open(.automatic, tuning: .on)
        XCTAssertEqual(second.gemmTuner?.convolutionChoice(for: g.description), chosen, "the second backend loads the choice")
        for (step, bits) in try steps(second).enumerated() { XCTAssertTrue(bits == reference, "loaded choice, step \(step)") }
        XCTAssertEqual(second.gemmTuner?.timedConvolutions, [], "a loaded choice is not timed again")

        try FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let passes = try open(.automatic, tuning: .on)
        for (step, bits) in try steps(passes, budgetBytes: 1).enumerated() { XCTAssertTrue(bits == reference, "passes, step \(step)") }
        XCTAssertEqual(passes.gemmTuner?.timedConvolutions, [], "a batch in several passes keeps the im2col path")
        let untuned = try open(.automatic, tuning: .off, profiling: true)
        _ = try steps(untuned)
        XCTAssertFalse(try untuned.kernelProfile().rows.contains { $0.name.hasPrefix("gemm_conv_forward") },
                       "without tuning automatic is the im2col path")
    }
}
