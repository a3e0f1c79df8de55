@testable import Backend
import XCTest

/// The per-shape GEMM tuner (`GemmTuner`) on the GPU kernels forced onto the OpenCL device (PoCL in CI): tuned products
/// are bit for bit the untuned ones, the timing runs never touch the caller's output, the choice is the tile that
/// then runs, and it persists across backends through its file.
final class GemmTuningTests: TemporaryDirectoryTestCase {
    private func open(_ tuning: GemmTuning, profiling: Bool = false, tiling: GemmTiling? = nil) throws -> OpenCLBackend {
        guard case .success(let shared) = sharedOpenCL else { throw XCTSkip("no OpenCL device") }
        return try OpenCLBackend(deviceIndex: shared.info.index, kernelStyle: .gpu, gemmTiling: tiling, profiling: profiling,
                                 gemmTuning: tuning, gemmTuningDirectory: directory)
    }

    /// Three accumulating products (`beta` 1) of one shape, the third of which times the candidates, then three pairwise
    /// distance blocks: the same bits after every call on a tuning and a non-tuning backend; a split-K shape and a shape
    /// made only twice are never timed; the fourth product runs the chosen tile (its work size in the kernel profile).
    func testTunedProductsKeepTheirBitsAndRunTheChosenTile() throws {
        let tuned = try open(.on, profiling: true), plain = try open(.off)
        XCTAssertNil(plain.gemmTuner, "FMNIST_GEMM_TUNE=off")
        let tuner = try XCTUnwrap(tuned.gemmTuner)
        let (m, n, k) = (32, 48, 40)
        let a = randomFloats(m * k, seed: 5), b = randomFloats(k * n, seed: 6), c = randomFloats(m * n, seed: 7)
        var outputs: [[[UInt32]]] = []
        for backend in [tuned, plain] {
            let (da, db, dc) = (try backend.makeBuffer(a), try backend.makeBuffer(b), try backend.makeBuffer(c))
            var steps: [[UInt32]] = []
            for _ in 0 ..< 4 {
                try backend.gemm(da, db, into: dc, m: m, n: n, k: k, transA: false, transB: false, alpha: 0.5, beta: 1)
                steps.append(try backend.floats(dc).map(\.bitPattern))
            }
            let (xn, yn, d) = (try backend.makeBuffer(count: m), try backend.makeBuffer(count: n), try backend.makeBuffer(count: m * n))
            let y = try backend.makeBuffer(randomFloats(n * k, seed: 8))
            try backend.rowSquaredNorms(da, offset: 0, rows: m, cols: k, into: xn, outOffset: 0)
            try backend.rowSquaredNorms(y, offset: 0, rows: n, cols: k, into: yn, outOffset: 0)
            for _ in 0 ..< 3 {
                try backend.squaredDistances(x: da, xOffset: 0, xNorms: xn, xNormsOffset: 0, rows: m, y: y, yNorms: yn, yRows: n,
                                             dim: k, into: d)
                steps.append(try backend.floats(d).map(\.bitPattern))
            }
            // Split-K on this device (7 x 9 outputs over 3,001 terms), then a shape made twice only.
            let (sa, sb, sc) = (try backend.makeBuffer(randomFloats(7 * 3001, seed: 9)), try backend.makeBuffer(randomFloats(3001 * 9, seed: 10)),
                                try backend.makeBuffer(count: 63))
            for _ in 0 ..< 3 { try backend.gemm(sa, sb, into: sc, m: 7, n: 9, k: 3001, transA: false, transB: false, alpha: 1, beta: 0) }
            for _ in 0 ..< 2 { try backend.gemm(da, db, into: dc, m: m, n: n - 1, k: k, transA: true, transB: false, alpha: 1, beta: 0) }
            steps.append(try backend.floats(sc).map(\.bitPattern))
            outputs.append(steps)
        }
        for (step, (tunedBits, plainBits)) in zip(outputs[0], outputs[1]).enumerated() {
            XCTAssertTrue(tunedBits == plainBits, "step \(step): tuned and untuned products differ")
        }
        XCTAssertGreaterThan(tuned.splitKSlices(m: 7, n: 9, k: 3001, tiling: tuned.gemmStrategy.tiling(m: 7, n: 9, computeUnits: tuned.info.computeUnits)), 1,
                             "the split-K shape must split on this device for the test to mean anything")
        XCTAssertEqual(tuner.timedShapes, ["gemm NN 32x48x40", "gemm_distance NT 32x48x40"])

        let shape = GemmTuner.Shape(kernel: "gemm", transA: false, transB: false, m: m, n: n, k: k)
        let chosen = try XCTUnwrap(tuner.choice(for: shape))
        let profile = try tuned.kernelProfile()
        let workSize = "\((n + chosen.tileN - 1) / chosen.tileN * (chosen.tileN / chosen.workN))x"
            + "\((m + chosen.tileM - 1) / chosen.tileM * (chosen.tileM / chosen.workM))"
        XCTAssertTrue(profile.rows.contains { $0.name == "gemm" && $0.shape == workSize },
                      "the chosen tile \(chosen) (work size \(workSize)) never ran: \(profile.rows.map { "\($0.name) \($0.shape)" })")
        XCTAssertTrue(profile.rows.contains { $0.name == "gemm (tuning)" }, "the timing runs are labelled in the profile")
    }

    /// A product whose output is larger than the tuner's scratch limit keeps the heuristic tile without timing (its
    /// timing runs would need a second output of that size on the device); so does one whose timing would take longer
    /// than the tuner's budget. (Limits lowered for the test: 256 MiB and 0.5 s by default.)
    func testOutputsPastTheScratchLimitAndSlowShapesAreNotTimed() throws {
        let tuned = try open(.on)
        let tuner = try XCTUnwrap(tuned.gemmTuner)
        tuner.budgetSeconds = 1_000
        tuner.scratchLimitBytes = 1 << 10
        let (m, n, k) = (32, 32, 2)  // 4 KiB of output
        let (a, b, c) = (try tuned.makeBuffer(randomFloats(m * k, seed: 3)), try tuned.makeBuffer(randomFloats(k * n, seed: 4)),
                         try tuned.makeBuffer(count: m * n))
        let heuristic = tuned.gemmStrategy.tiling(m: m, n: n, computeUnits: tuned.info.computeUnits)
        for _ in 0 ..< 3 { try tuned.gemm(a, b, into: c, m: m, n: n, k: k, transA: false, transB: false, alpha: 1, beta: 0) }
        XCTAssertEqual(tuner.timedShapes, [], "an output past the scratch limit is not timed")
        XCTAssertEqual(tuner.choice(for: GemmTuner.Shape(kernel: "gemm", transA: false, transB: false, m: m, n: n, k: k)), heuristic)

        tuner.scratchLimitBytes = 256 << 20
        tuner.budgetSeconds = 1e-9
        for _ in 0 ..< 3 { try tuned.gemm(a, b, into: c, m: m, n: n - 1, k: k, transA: false, transB: false, alpha: 1, beta: 0) }
        XCTAssertEqual(tuner.timedShapes, [], "a shape whose timing would pass the budget is not timed")
        XCTAssertEqual(tuner.choice(for: GemmTuner.Shape(kernel: "gemm", transA: false, transB: false, m: m, n: n - 1, k: k)),
                       tuned.gemmStrategy.tiling(m: m, n: n - 1, computeUnits: tuned.info.computeUnits))

        tuner.budgetSeconds = 1_000
        for _ in 0 ..< 3 { try tuned.gemm(a, b, into: c, m: m, n: n - 2, k: k, transA: false, transB: false, alpha: 1, beta: 0) }
        XCTAssertEqual(tuner.timedShapes, ["gemm NN 32x30x2"], "within both limits the shape is timed")
    }

    /// Choices persist in the directory's file: a second backend uses them without timing again; a damaged file is
    /// ignored and rewritten; a forced tile shape and a CPU device under `automatic` turn tuning off.
    func testChoicesPersistAndADamagedFileIsReplaced() throws {
        let (m, n, k) = (32, 32, 24)
        let shape = GemmTuner.Shape(kernel: "gemm", transA: true, transB: true, m: m, n: n, k: k)
        func threeProducts(_ backend: OpenCLBackend) throws -> [Float] {
            let (da, db, dc) = (try backend.makeBuffer(randomFloats(m * k, seed: 1)), try backend.makeBuffer(randomFloats(k * n, seed: 2)),
                                try backend.makeBuffer(count: m * n))
            for _ in 0 ..< 3 { try backend.gemm(da, db, into: dc, m: m, n: n, k: k, transA: true, transB: true, alpha: 1, beta: 0) }
            return try backend.floats(dc)
        }
        let first = try open(.on)
        let product = try threeProducts(first)
        XCTAssertEqual(first.gemmTuner?.timedShapes, [shape.key])
        let chosen = try XCTUnwrap(first.gemmTuner?.choice(for: shape))

        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
        XCTAssertEqual(files.count, 1, "one tuning file, no temporary left: \(files)")
        let file = try XCTUnwrap(files.first)
        XCTAssertTrue(file.lastPathComponent.hasPrefix("gemm-tuning-") && file.pathExtension == "json", file.lastPathComponent)

        let second = try open(.on)
        XCTAssertEqual(second.gemmTuner?.choice(for: shape), chosen, "the second backend loads the choice")
        XCTAssertEqual(try threeProducts(second).map(\.bitPattern), product.map(\.bitPattern))
        XCTAssertEqual(second.gemmTuner?.timedShapes, [], "a loaded choice is not timed again")

        try Data("{ not json".utf8).write(to: file)
        let third = try open(.on)
        XCTAssertNil(third.gemmTuner?.choice(for: shape), "a damaged file is ignored")
        XCTAssertEqual(try threeProducts(third).map(\.bitPattern), product.map(\.bitPattern))
        XCTAssertEqual(third.gemmTuner?.timedShapes, [shape.key])
        XCTAssertNotNil(try open(.on).gemmTuner?.choice(for: shape), "the damaged file was replaced by a readable one")

        let forced = GemmTiling(tileM: 32, tileN: 32, tileK: 16, workM: 4, workN: 4)
        XCTAssertNil(try open(.on, tiling: forced).gemmTuner, "a forced tile shape is never overridden")
        let automatic = try open(.automatic)
        XCTAssertEqual(automatic.gemmTuner != nil, automatic.info.isGPU, "automatic tunes on GPUs only")
    }
}
