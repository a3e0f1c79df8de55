@testable import Backend
import XCTest

/// GEMM on every backend against the Double reference: odd sizes, all transposes, alpha/beta, offsets.
final class GemmParityTests: XCTestCase {
    func testGemmOddSizesAllTransposes() throws {
        for backend in availableBackends() { try gemmOddSizes(backend) }
    }

    private func gemmOddSizes<B: ComputeBackend>(_ backend: B) throws {
        // The last two are thin with a long K: the GPU kernels split K there.
        let shapes = [(1, 1, 1), (7, 7, 7), (33, 7, 1), (1, 257, 33), (33, 33, 257), (257, 33, 7), (65, 129, 17),
                      (7, 9, 3001), (33, 17, 1025)]
        var seed: UInt64 = 1
        for (m, n, k) in shapes {
            for transA in [false, true] {
                for transB in [false, true] {
                    seed += 1
                    let a = randomFloats(m * k, seed: seed), b = randomFloats(k * n, seed: seed + 100)
                    let c = randomFloats(m * n, seed: seed + 200)
                    let (alpha, beta): (Float, Float) = seed % 2 == 0 ? (1, 0) : (-0.75, 0.5)
                    let (da, db, dc) = (try backend.makeBuffer(a), try backend.makeBuffer(b), try backend.makeBuffer(c))
                    try backend.gemm(da, db, into: dc, m: m, n: n, k: k, transA: transA, transB: transB, alpha: alpha, beta: beta)
                    let expected = Reference.gemm(a, b, c, m: m, n: n, k: k, transA: transA, transB: transB, alpha: alpha, beta: beta)
                    assertClose(try backend.floats(dc), expected, tolerance: 1e-6,
                                "\(backend.name) gemm \(m)x\(n)x\(k) tA=\(transA) tB=\(transB) alpha=\(alpha) beta=\(beta)")
                }
            }
        }
    }

    /// Split-K cut into hundreds of slices (as on a GPU with 132 compute units, for a convolution's weight gradient:
    /// 32 x 9 outputs, a K of 100,352 at batch 128): every transpose against the reference, and the slices' partial sums added
    /// in a fixed order, so a repeat gives the same bits.
    func testSplitKWithManySlices() throws {
        let devices = [sharedOpenCLOtherStyle, try? sharedOpenCL.get()].compactMap { $0 }.filter(\.usesGPUKernels)
        guard let device = devices.first else { throw XCTSkip("no OpenCL device to run the GPU kernels") }
        device.splitKComputeUnits = 400
        defer { device.splitKComputeUnits = nil }
        let (m, n, k) = (32, 9, 100_352)
        let t = device.gemmStrategy.tiling(m: m, n: n, computeUnits: device.info.computeUnits)
        XCTAssertEqual(device.splitKSlices(m: m, n: n, k: k, tiling: t), min(800, k / 256, SplitK.maximumSlices))
        let a = randomFloats(m * k, seed: 41), b = randomFloats(k * n, seed: 42)
        XCTAssertEqual(device.splitKReduceLanes(slices: device.splitKSlices(m: m, n: n, k: k, tiling: t)), 64,
                       "the slices are added by many lanes per output")
        let c = randomFloats(m * n, seed: 43)
        for (transA, transB, alpha, beta) in [(false, true, Float(1), Float(0)), (true, false, -0.75, 0.5)] {
            let (da, db, dc) = (try device.makeBuffer(a), try device.makeBuffer(b), try device.makeBuffer(c))
            try device.gemm(da, db, into: dc, m: m, n: n, k: k, transA: transA, transB: transB, alpha: alpha, beta: beta)
            let expected = Reference.gemm(a, b, c, m: m, n: n, k: k, transA: transA, transB: transB, alpha: alpha, beta: beta)
            let first = try device.floats(dc)
            assertClose(first, expected, tolerance: 1e-6, "split-K gemm \(m)x\(n)x\(k) tA=\(transA) tB=\(transB) beta=\(beta)")
            try c.withUnsafeBufferPointer { try device.upload($0, to: dc, offset: 0) }
            try device.gemm(da, db, into: dc, m: m, n: n, k: k, transA: transA, transB: transB, alpha: alpha, beta: beta)
            XCTAssertEqual(try device.floats(dc).map(\.bitPattern), first.map(\.bitPattern), "a repeat gives the same bits")
        }
        // Lanes from a plain loop (fewer than eight slices) to 64, each output's sum exact with whole numbers.
        XCTAssertEqual([1, 7, 8, 16, 263, 512, 4096].map { device.splitKReduceLanes(slices: $0) }, [1, 1, 2, 4, 64, 64, 64])
        for units in [3, 40, 700] {
            device.splitKComputeUnits = units
            let (m, n, k) = (5, 3, 40_000)
            let a = (0 ..< m * k).map { Float($0 % 3) - 1 }, b = (0 ..< k * n).map { Float($0 % 5) - 2 }
            let dc = try device.makeBuffer(count: m * n)
            try device.gemm(try device.makeBuffer(a), try device.makeBuffer(b), into: dc, m: m, n: n, k: k, transA: false, transB: false,
                            alpha: 1, beta: 0)
            let expected = Reference.gemm(a, b, [Float](repeating: 0, count: m * n), m: m, n: n, k: k, transA: false, transB: false,
                                          alpha: 1, beta: 0)
            XCTAssertEqual(try device.floats(dc).map(Double.init), expected, "\(units) compute units: exact sums")
        }
    }

    /// The tiled kernel in every layout and a few tile shapes, forced on the OpenCL device: each passes the odd-size
    /// suite, and the blocked layout (float4 reads of the local tiles) and the prefetching tile loop give bit for bit
    /// the strided layout's products and distances, which add the same terms in the same order.
    func testTiledKernelLayoutsAgree() throws {
        guard case .success(let device) = sharedOpenCL else { throw XCTSkip("no OpenCL device") }
        for (tm, tn, tk, w) in [(64, 32, 16, 4), (128, 128, 8, 8)] {
            var outputs: [[Float]] = []
            for (blocked, prefetch) in [(false, false), (true, false), (true, true), (false, true)] {
                let tiling = GemmTiling(tileM: tm, tileN: tn, tileK: tk, workM: w, workN: w, blocked: blocked, prefetch: prefetch)
                let backend = try OpenCLBackend(deviceIndex: device.info.index, kernelStyle: .gpu, gemmTiling: tiling)
                XCTAssertEqual(backend.gemmStrategy, .tiled(small: tiling, large: tiling))
                // The odd-size suite (every transpose: four programs each) on one variant of each new path per tile.
                if tm == 64 ? (blocked != prefetch) : (blocked && prefetch) { try gemmOddSizes(backend) }
                let (m, n, k) = (131, 77, 45)
                let a = randomFloats(m * k, seed: 71), b = randomFloats(n * k, seed: 72)
                let (da, db, dc) = (try backend.makeBuffer(a), try backend.makeBuffer(b), try backend.makeBuffer(count: m * n))
                try backend.gemm(da, db, into: dc, m: m, n: n, k: k, transA: false, transB: true, alpha: 1, beta: 0)
                let (xn, yn, d) = (try backend.makeBuffer(count: m), try backend.makeBuffer(count: n), try backend.makeBuffer(count: m * n))
                try backend.rowSquaredNorms(da, offset: 0, rows: m, cols: k, into: xn, outOffset: 0)
                try backend.rowSquaredNorms(db, offset: 0, rows: n, cols: k, into: yn, outOffset: 0)
                try backend.squaredDistances(x: da, xOffset: 0, xNorms: xn, xNormsOffset: 0, rows: m, y: db, yNorms: yn, yRows: n,
                                             dim: k, into: d)
                outputs.append(try backend.floats(dc) + backend.floats(d))
            }
            for (index, variant) in ["blocked", "blocked prefetch", "prefetch"].enumerated() {
                XCTAssertTrue(outputs[index + 1] == outputs[0], "\(tm)x\(tn)x\(tk)/\(w)x\(w): \(variant) and strided differ")
            }
        }
        XCTAssertEqual(GemmTiling(parsing: "64,64,16,4,4,prefetch,blocked"),
                       GemmTiling(tileM: 64, tileN: 64, tileK: 16, workM: 4, workN: 4, blocked: true, prefetch: true))
        XCTAssertEqual(GemmTiling(parsing: "64,64,16,4,4,blocked,prefetch")?.parseable, "64,64,16,4,4,blocked,prefetch")
        XCTAssertEqual(GemmTiling(parsing: "32,32,8,2,2,prefetch")?.prefetch, true)
        XCTAssertNil(GemmTiling(parsing: "64,64,16,4,4,prefetch,prefetch"))
        XCTAssertNil(GemmTiling(parsing: "64,64,16,4,4,"))
        XCTAssertEqual(GemmTiling(parsing: "128,128,8,8,8,blocked"), GemmTiling(tileM: 128, tileN: 128, tileK: 8, workM: 8, workN: 8, blocked: true))
        XCTAssertEqual(GemmTiling(parsing: "64,64,16,4,4"), GemmTiling(tileM: 64, tileN: 64, tileK: 16, workM: 4, workN: 4))
        XCTAssertNil(GemmTiling(parsing: "64,64,16,4,4,b"))
        XCTAssertFalse(GemmTiling(tileM: 64, tileN: 64, tileK: 16, workM: 2, workN: 2, blocked: true).fits(maxThreads: 1024, localBytes: 1 << 16),
                       "the blocked layout reads float4s: 2 outputs per work-item cannot")
    }

    func testGemmLargeSquare() throws {
        for backend in availableBackends() { try gemmLarge(backend) }
    }

    private func gemmLarge<B: ComputeBackend>(_ backend: B) throws {
        let n = 300
        let a = randomFloats(n * n, seed: 7), b = randomFloats(n * n, seed: 8)
        let c = try backend.makeBuffer(count: n * n)
        try backend.gemm(try backend.makeBuffer(a), try backend.makeBuffer(b), into: c, m: n, n: n, k: n)
        let expected = Reference.gemm(a, b, [], m: n, n: n, k: n, transA: false, transB: false, alpha: 1, beta: 0)
        assertClose(try backend.floats(c), expected, tolerance: 1e-6, "\(backend.name) gemm 300^3")
    }

    /// `beta == 0` must not read C: NaN already in C must not leak into the result.
    func testBetaZeroIgnoresGarbageInC() throws {
        for backend in availableBackends() { try betaZero(backend) }
    }

    private func betaZero<B: ComputeBackend>(_ backend: B) throws {
        let (m, n, k) = (9, 5, 3)
        let a = randomFloats(m * k, seed: 3), b = randomFloats(k * n, seed: 4)
        let c = try backend.makeBuffer([Float](repeating: .nan, count: m * n))
        try backend.gemm(try backend.makeBuffer(a), try backend.makeBuffer(b), into: c, m: m, n: n, k: k)
        let expected = Reference.gemm(a, b, [], m: m, n: n, k: k, transA: false, transB: false, alpha: 1, beta: 0)
        assertClose(try backend.floats(c), expected, tolerance: 1e-6, "\(backend.name) gemm beta 0 over NaN")
    }

    /// Offsets select sub-matrices inside larger buffers; elements outside the output stay untouched.
    func testGemmOffsets() throws {
        for backend in availableBackends() { try gemmOffsets(backend) }
    }

    private func gemmOffsets<B: ComputeBackend>(_ backend: B) throws {
        let (m, n, k) = (13, 11, 6)
        let (aOff, bOff, cOff) = (5, 17, 3)
        let a = randomFloats(aOff + m * k, seed: 11), b = randomFloats(bOff + k * n, seed: 12)
        let sentinel: Float = 42
        let c = [Float](repeating: sentinel, count: cOff + m * n + 4)
        let dc = try backend.makeBuffer(c)
        try backend.gemm(try backend.makeBuffer(a), aOffset: aOff, try backend.makeBuffer(b), bOffset: bOff,
                         into: dc, cOffset: cOff, m: m, n: n, k: k, transA: false, transB: false, alpha: 2, beta: 0)
        let out = try backend.floats(dc)
        let expected = Reference.gemm(Array(a[aOff...]), Array(b[bOff...]), [], m: m, n: n, k: k,
                                      transA: false, transB: false, alpha: 2, beta: 0)
        assertClose(Array(out[cOff ..< cOff + m * n]), expected, tolerance: 1e-6, "\(backend.name) gemm with offsets")
        XCTAssertEqual(Array(out[..<cOff]), [Float](repeating: sentinel, count: cOff), "\(backend.name): wrote before C")
        XCTAssertEqual(Array(out[(cOff + m * n)...]), [Float](repeating: sentinel, count: 4), "\(backend.name): wrote past C")
    }
}
