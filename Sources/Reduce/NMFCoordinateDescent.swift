import Backend
import CBLAS
import CIntrinsics

/// NMF's coordinate descent (scikit-learn's `_fit_coordinate_descent`; Cichocki and Phan 2009, Hsieh
/// and Dhillon 2011) without shuffling or regularisation, optionally with the repeated sweeps of
/// accelerated HALS (Gillis and Glineur 2012, "Accelerated multiplicative updates and hierarchical
/// ALS algorithms for nonnegative matrix factorization", Neural Computation 24(4)).
///
/// Per iteration, for each component `t` in turn, every entry of column `t` of `W` moves to
/// `max(0, W_it - (W (H H^T) - X H^T)_it / (H H^T)_tt)` (with the columns already updated), then the
/// same for the rows of `H` with `W^T W` and `W^T X`. A row of `W` depends only on its own row of
/// `X H^T`, so the sweep runs row by row (the same arithmetic as scikit-learn's column order); with
/// `innerSweepsW` > 1 each row is swept again from the same `X H^T` (the expensive product) until a
/// sweep moves it by at most `innerTolerance` times its first (the same for `H`'s columns). Stops
/// when the summed size of an iteration's first steps falls to `tolerance` times the first
/// iteration's, or after `maxIterations`.
///
/// `X` is read once per iteration: each block of rows gives its `X_b H^T`, its rows are swept, and
/// its share `W_b^T X_b` of the next half-step is added while `X_b` is still in cache. On the CPU
/// backend with AVX2 or AVX-512 the two products are `skinny_products.h`'s kernels (no BLAS packing
/// of `X`) and blocks run across the cores, their shares of `W^T X` added in block order, so the
/// result does not depend on the number of cores; elsewhere the products run on the backend.
extension NMF {
    /// Runs the iterations on `W` and `H` (uploaded back when done); returns the iterations run.
    static func coordinateDescent<B: ComputeBackend>(_ xHost: [Float], _ x: B.Buffer, _ wBuffer: B.Buffer, _ hBuffer: B.Buffer,
                                                     rows n: Int, dim d: Int, configuration c: Configuration, backend: B,
                                                     progress: (Int, Int) -> Void) throws -> Int {
        let k = c.components
        var w = try backend.floats(wBuffer).map(Double.init), h = try backend.floats(hBuffer).map(Double.init)
        let fused = B.self == CPUBackend.self && fmnist_skinny_products_available() != 0
        let block = max(1, min(n, c.rowsPerBlock ?? (B.self == CPUBackend.self ? 2048 : n)))
        let sweeps = RowSweeps(k: k, most: c.innerSweepsW, tolerance: c.innerTolerance)
        let hSweeps = RowSweeps(k: k, most: c.innerSweepsH, tolerance: c.innerTolerance)
        // The backend route's products, allocated once for all iterations.
        let xht = fused ? nil : try backend.makeBuffer(count: block * k), wtx = fused ? nil : try backend.makeBuffer(count: k * d)
        var firstViolation = 0.0, iterations = 0
        for iteration in 1 ... c.maxIterations {
            // W from X H^T and H H^T; W^T X for the H half-step on the way.
            var ht = [Double](repeating: 0, count: d * k) // H^T [d, k] for the Gram and the H sweep
            for t in 0 ..< k { for j in 0 ..< d { ht[j * k + t] = h[t * d + j] } }
            let gramH = gram(ht, rows: d, k: k)
            var violation: Double, wtxValues: [Float]
            if let xht, let wtxBuffer = wtx {
                (violation, wtxValues) = try backendWHalfStep(x, wBuffer, hBuffer, xht: xht, wtx: wtxBuffer, rows: n, dim: d, h: h.map(Float.init),
                                                              w: &w, gram: gramH, sweeps: sweeps, rowsPerBlock: block, backend: backend)
            } else {
                (violation, wtxValues) = fusedWHalfStep(xHost, rows: n, dim: d, h: h.map(Float.init), w: &w, gram: gramH, sweeps: sweeps,
                                                        rowsPerBlock: block)
            }
            // H: target (W^T X)^T [d, k], Gram W^T W.
            var target = [Float](repeating: 0, count: d * k)
            for t in 0 ..< k { for j in 0 ..< d { target[j * k + t] = wtxValues[t * d + j] } }
            let gramW = gram(w, rows: n, k: k)
            violation += ht.withUnsafeMutableBufferPointer { hSweeps.sweep($0.baseAddress!, rows: d, gram: gramW, target: target) }
            for t in 0 ..< k { for j in 0 ..< d { h[t * d + j] = ht[j * k + t] } }
            iterations = iteration
            progress(iteration, c.maxIterations)
            if iteration == 1 { firstViolation = violation }
            if firstViolation == 0 || violation / firstViolation <= c.tolerance { break }
        }
        try backend.upload(w.map(Float.init), to: wBuffer)
        try backend.upload(h.map(Float.init), to: hBuffer)
        return iterations
    }

    /// The `W` half-step with the products on the backend, block by block: `X_b H^T`, the sweeps of
    /// the block's rows on the host, then `W_b^T X_b` added into `W^T X` on the backend. Returns the
    /// summed first steps and `W^T X [k, d]`.
    /// `xht [block, k]` and `wtx [k, d]` are the caller's scratch.
    static func backendWHalfStep<B: ComputeBackend>(_ x: B.Buffer, _ wBuffer: B.Buffer, _ hBuffer: B.Buffer, xht: B.Buffer, wtx: B.Buffer,
                                                    rows n: Int, dim d: Int, h: [Float], w: inout [Double], gram: [Double], sweeps: RowSweeps,
                                                    rowsPerBlock block: Int, backend: B) throws -> (Double, [Float]) {
        let k = sweeps.k
        try backend.upload(h, to: hBuffer)
        var wBlock = [Float](repeating: 0, count: block * k), violation = 0.0
        for lower in stride(from: 0, to: n, by: block) {
            let rows = min(block, n - lower)
            try backend.gemm(x, aOffset: lower * d, hBuffer, bOffset: 0, into: xht, cOffset: 0, m: rows, n: k, k: d,
                             transA: false, transB: true, alpha: 1, beta: 0)
            let target = try backend.floats(xht, offset: 0, count: rows * k)
            violation += w.withUnsafeMutableBufferPointer { sweeps.sweep($0.baseAddress! + lower * k, rows: rows, gram: gram, target: target) }
            for e in 0 ..< rows * k { wBlock[e] = Float(w[lower * k + e]) }
            try wBlock.withUnsafeBufferPointer { try backend.upload(UnsafeBufferPointer(rebasing: $0[0 ..< rows * k]), to: wBuffer, offset: lower * k) }
            try backend.gemm(wBuffer, aOffset: lower * k, x, bOffset: lower * d, into: wtx, cOffset: 0, m: k, n: d, k: rows,
                             transA: true, transB: false, alpha: 1, beta: lower == 0 ? 0 : 1)
        }
        return (violation, try backend.floats(wtx))
    }

    /// The `W` half-step on the CPU with `skinny_products.h`'s kernels: blocks of `rowsPerBlock` rows
    /// across the cores, each in pieces of 256 rows (`X_b H^T`, the sweeps, `W_b^T X_b` into the block's
    /// own share of `W^T X` while the piece is in cache); the shares are then added in block order.
    /// Returns the summed first steps (in row order) and `W^T X [k, d]`.
    static func fusedWHalfStep(_ x: [Float], rows n: Int, dim d: Int, h: [Float], w: inout [Double], gram: [Double], sweeps: RowSweeps,
                               rowsPerBlock block: Int) -> (Double, [Float]) {
        let k = sweeps.k, blocks = (n + block - 1) / block, piece = 256
        var shares = [Float](repeating: 0, count: blocks * k * d), steps = [Double](repeating: 0, count: n)
        x.withUnsafeBufferPointer { x in
            h.withUnsafeBufferPointer { h in
                w.withUnsafeMutableBufferPointer { w in
                    shares.withUnsafeMutableBufferPointer { shares in
                        steps.withUnsafeMutableBufferPointer { steps in
                            parallelFor(blocks, grain: 1) { range in
                                var target = [Float](repeating: 0, count: piece * k), rowsF = [Float](repeating: 0, count: piece * k)
                                for b in range {
                                    let share = shares.baseAddress! + b * k * d
                                    for lower in stride(from: b * block, to: min(n, (b + 1) * block), by: piece) {
                                        let rows = min(piece, min(n, (b + 1) * block) - lower)
                                        let xb = x.baseAddress! + lower * d, wb = w.baseAddress! + lower * k
                                        fmnist_rows_times_transposed(xb, rows, d, h.baseAddress!, k, &target)
                                        sweeps.sweepInPlace(wb, rows: rows, gram: gram, target: target, steps: steps.baseAddress! + lower)
                                        for e in 0 ..< rows * k { rowsF[e] = Float(wb[e]) }
                                        fmnist_add_transposed_times_rows(xb, rows, d, rowsF, k, share)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var wtx = [Float](repeating: 0, count: k * d)
        for b in 0 ..< blocks { for e in 0 ..< k * d { wtx[e] += shares[b * k * d + e] } }
        return (steps.reduce(0, +), wtx)
    }

    /// `a^T a` for `a [rows, k]` (row-major), in Double.
    static func gram(_ a: [Double], rows: Int, k: Int) -> [Double] {
        var g = [Double](repeating: 0, count: k * k)
        a.withUnsafeBufferPointer { av in
            g.withUnsafeMutableBufferPointer { gv in
                cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(k), Int32(rows), 1, av.baseAddress!, Int32(k),
                            av.baseAddress!, Int32(k), 0, gv.baseAddress!, Int32(k))
            }
        }
        return g
    }
}

/// Coordinate-descent sweeps over the rows of `a [rows, k]` (row-major) given `gram [k, k]` and
/// `target [rows, k]`: in each row, component by component,
/// `a_it <- max(0, a_it - (sum_r a_ir gram_rt - target_it) / gram_tt)`, repeated up to `most` times
/// per row until a sweep moves the row by at most `tolerance` times its first (the step size of a
/// sweep is the summed absolute change). Rows are independent, so the result does not depend on
/// how they are grouped; eight run at a time (`sweepEightRows`).
struct RowSweeps: Sendable {
    let k: Int
    let most: Int
    let tolerance: Double

    /// Sweeps all rows across the cores; returns the summed first-sweep step sizes, in row order.
    func sweep(_ a: UnsafeMutablePointer<Double>, rows: Int, gram: [Double], target: [Float]) -> Double {
        var steps = [Double](repeating: 0, count: rows)
        steps.withUnsafeMutableBufferPointer { steps in
            target.withUnsafeBufferPointer { target in
                parallelFor(rows, grain: max(16, 16_384 / max(1, k * k))) { range in
                    sweepInPlace(a + range.lowerBound * k, rows: range.count, gram: gram, target: target.baseAddress! + range.lowerBound * k,
                                 steps: steps.baseAddress! + range.lowerBound)
                }
            }
        }
        return steps.reduce(0, +)
    }

    /// Sweeps `rows` rows on the calling thread; `steps[i]` gets row `i`'s first-sweep step size.
    func sweepInPlace(_ a: UnsafeMutablePointer<Double>, rows: Int, gram: [Double], target: UnsafePointer<Float>,
                      steps: UnsafeMutablePointer<Double>) {
        gram.withUnsafeBufferPointer { gram in
            let g = gram.baseAddress!
            withUnsafeTemporaryAllocation(of: Double.self, capacity: 16 * k + 16) { scratch in
                let lanes = scratch.baseAddress!, saved = lanes + 8 * k, latest = saved + 8 * k, first = latest + 8
                var i = 0
                while i + 8 <= rows {
                    let group = a + i * k, groupTarget = target + i * k
                    NMF.sweepEightRows(group, k: k, gram: g, target: groupTarget, lanes: lanes, steps: first)
                    // Rows that have stopped are swept along with the others and then put back.
                    var done = 1
                    var moving = (0 ..< 8).reduce(0) { $0 | (first[$1] > tolerance * first[$1] ? 1 << $1 : 0) }
                    while done < most && moving != 0 {
                        for l in 0 ..< 8 where moving & (1 << l) == 0 { (saved + l * k).update(from: group + l * k, count: k) }
                        NMF.sweepEightRows(group, k: k, gram: g, target: groupTarget, lanes: lanes, steps: latest)
                        for l in 0 ..< 8 {
                            if moving & (1 << l) == 0 { (group + l * k).update(from: saved + l * k, count: k) }
                            else if latest[l] <= tolerance * first[l] { moving &= ~(1 << l) }
                        }
                        done += 1
                    }
                    for l in 0 ..< 8 { steps[i + l] = first[l] }
                    i += 8
                }
                for i in i ..< rows {
                    let row = a + i * k, rowTarget = target + i * k
                    let step = NMF.sweepRow(row, k: k, gram: g, target: rowTarget)
                    var done = 1, last = step
                    while done < most && last > tolerance * step {
                        last = NMF.sweepRow(row, k: k, gram: g, target: rowTarget)
                        done += 1
                    }
                    steps[i] = step
                }
            }
        }
    }
}

extension NMF {
    /// `sweep`'s update of one row; returns its summed step size.
    @inline(__always)
    static func sweepRow(_ row: UnsafeMutablePointer<Double>, k: Int, gram: UnsafePointer<Double>, target: UnsafePointer<Float>) -> Double {
        var step = 0.0
        for t in 0 ..< k {
            let hess = gram[t * k + t]
            guard hess > 0 else { continue }
            var grad = -Double(target[t])
            for r in 0 ..< k { grad += row[r] * gram[r * k + t] }
            let next = max(0, row[t] - grad / hess)
            step += abs(row[t] - next)
            row[t] = next
        }
        return step
    }

    /// `sweepRow` for the eight rows at `rows` (stride `k`) at once: they are copied into `lanes [k, 8]`
    /// (column `l` is row `l`) and each row's gradient is summed in its own variable, so eight
    /// independent multiply-add chains are in flight instead of one (4x faster than row by row on
    /// the dev VM); every row's arithmetic is `sweepRow`'s, in the same order, so the results are
    /// bit for bit the same. `steps[l]` gets row `l`'s step size.
    @inline(__always)
    static func sweepEightRows(_ rows: UnsafeMutablePointer<Double>, k: Int, gram: UnsafePointer<Double>, target: UnsafePointer<Float>,
                               lanes: UnsafeMutablePointer<Double>, steps: UnsafeMutablePointer<Double>) {
        for r in 0 ..< k { for l in 0 ..< 8 { lanes[r * 8 + l] = rows[l * k + r] } }
        var (s0, s1, s2, s3, s4, s5, s6, s7) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        for t in 0 ..< k {
            let hess = gram[t * k + t]
            guard hess > 0 else { continue }
            var g0 = -Double(target[t]), g1 = -Double(target[k + t]), g2 = -Double(target[2 * k + t]), g3 = -Double(target[3 * k + t])
            var g4 = -Double(target[4 * k + t]), g5 = -Double(target[5 * k + t]), g6 = -Double(target[6 * k + t])
            var g7 = -Double(target[7 * k + t])
            for r in 0 ..< k {
                let g = gram[r * k + t], lane = lanes + r * 8
                g0 += lane[0] * g
                g1 += lane[1] * g
                g2 += lane[2] * g
                g3 += lane[3] * g
                g4 += lane[4] * g
                g5 += lane[5] * g
                g6 += lane[6] * g
                g7 += lane[7] * g
            }
            let lane = lanes + t * 8
            let n0 = max(0, lane[0] - g0 / hess)
            let n1 = max(0, lane[1] - g1 / hess)
            let n2 = max(0, lane[2] - g2 / hess)
            let n3 = max(0, lane[3] - g3 / hess)
            let n4 = max(0, lane[4] - g4 / hess)
            let n5 = max(0, lane[5] - g5 / hess)
            let n6 = max(0, lane[6] - g6 / hess)
            let n7 = max(0, lane[7] - g7 / hess)
            s0 += abs(lane[0] - n0)
            s1 += abs(lane[1] - n1)
            s2 += abs(lane[2] - n2)
            s3 += abs(lane[3] - n3)
            s4 += abs(lane[4] - n4)
            s5 += abs(lane[5] - n5)
            s6 += abs(lane[6] - n6)
            s7 += abs(lane[7] - n7)
            lane[0] = n0
            lane[1] = n1
            lane[2] = n2
            lane[3] = n3
            lane[4] = n4
            lane[5] = n5
            lane[6] = n6
            lane[7] = n7
        }
        for r in 0 ..< k { for l in 0 ..< 8 { rows[l * k + r] = lanes[r * 8 + l] } }
        steps[0] = s0; steps[1] = s1; steps[2] = s2; steps[3] = s3; steps[4] = s4; steps[5] = s5; steps[6] = s6; steps[7] = s7
    }

}
