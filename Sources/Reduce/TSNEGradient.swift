import Backend
import CFFTW
import Foundation

/// t-SNE's KL gradient `dC/dy_i = 4 (exaggeration sum_j p_ij q_ij Z (y_i - y_j) - sum_j q_ij^2 Z (y_i - y_j))`
/// with `q_ij = w_ij / Z`, `w_ij = 1 / (1 + |y_i - y_j|^2)`, `Z = sum_{k != l} w_kl`, split into the
/// sparse attraction (over the entries of P) and the repulsion, which is either exact (O(n^2)) or
/// FFT-accelerated interpolation (Linderman et al. 2019, FIt-SNE, as openTSNE's
/// `estimate_negative_gradient_fft_2d`): the repulsion and Z are sums of the kernel
/// `K(d) = 1 / (1 + d^2)^2` against the charges `1, y_1, y_2, |y|^2`, evaluated on an equispaced
/// grid (3 Lagrange nodes per box, boxes at most 1 unit wide, at least 50 per axis) by FFT
/// convolution and interpolated back to the points.
enum TSNEGradient {
    /// The attractive term `sum_j p_ij w_ij (y_i - y_j)` into `out [n, 2]` (exaggeration applied by the caller).
    static func attraction(_ p: TSNEAffinities, _ y: [Double], into out: inout [Double]) {
        let n = p.count
        out.withUnsafeMutableBufferPointer { o in
            y.withUnsafeBufferPointer { yv in
                parallelFor(n, grain: 1024) { range in
                    for i in range {
                        var (gx, gy) = (0.0, 0.0)
                        for e in p.rowStart[i] ..< p.rowStart[i + 1] {
                            let j = Int(p.columns[e])
                            let dx = yv[2 * i] - yv[2 * j], dy = yv[2 * i + 1] - yv[2 * j + 1]
                            let w = p.values[e] / (1 + dx * dx + dy * dy)
                            gx += w * dx
                            gy += w * dy
                        }
                        (o[2 * i], o[2 * i + 1]) = (gx, gy)
                    }
                }
            }
        }
    }

    /// The repulsive term `sum_j w_ij^2 (y_i - y_j)` (unnormalised) into `out [n, 2]`, and `Z`, exactly.
    static func exactRepulsion(_ y: [Double], count n: Int, into out: inout [Double]) -> Double {
        var partial = [Double](repeating: 0, count: n)
        out.withUnsafeMutableBufferPointer { o in
            partial.withUnsafeMutableBufferPointer { z in
                parallelFor(n, grain: 64) { range in
                    for i in range {
                        var (gx, gy, s) = (0.0, 0.0, 0.0)
                        for j in 0 ..< n where j != i {
                            let dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1]
                            let w = 1 / (1 + dx * dx + dy * dy)
                            s += w
                            gx += w * w * dx
                            gy += w * w * dy
                        }
                        (o[2 * i], o[2 * i + 1], z[i]) = (gx, gy, s)
                    }
                }
            }
        }
        return partial.reduce(0, +)
    }

    /// The same by FFT-accelerated interpolation.
    static func interpolatedRepulsion(_ y: [Double], count n: Int, into out: inout [Double], nodesPerBox: Int = 3) -> Double {
        var lo = Double.infinity, hi = -Double.infinity
        for v in y { lo = min(lo, v); hi = max(hi, v) }
        let boxes = Self.boxCount(range: hi - lo)
        let boxWidth = max(hi - lo, 1e-12) / Double(boxes)
        let grid = boxes * nodesPerBox
        let spacing = boxWidth / Double(nodesPerBox)
        // Node t of a box sits at (t + 1/2) / nodesPerBox of its width.
        let nodes = (0 ..< nodesPerBox).map { (Double($0) + 0.5) / Double(nodesPerBox) }
        // Each point's box and Lagrange interpolation weights per axis (points across the cores).
        var cell = [Int](repeating: 0, count: 2 * n), weights = [Double](repeating: 0, count: 2 * n * nodesPerBox)
        cell.withUnsafeMutableBufferPointer { cells in
            weights.withUnsafeMutableBufferPointer { w in
                parallelFor(n, grain: 4096) { range in
                    for i in range {
                        for axis in 0 ..< 2 {
                            let position = (y[2 * i + axis] - lo) / boxWidth
                            let box = min(boxes - 1, max(0, Int(position)))
                            cells[2 * i + axis] = box
                            let u = position - Double(box), base = (2 * i + axis) * nodesPerBox
                            for a in 0 ..< nodesPerBox {
                                var v = 1.0
                                for b in 0 ..< nodesPerBox where b != a { v *= (u - nodes[b]) / (nodes[a] - nodes[b]) }
                                w[base + a] = v
                            }
                        }
                    }
                }
            }
        }
        // Charges spread onto the grid: [4, grid, grid] (charges 1, y1, y2, |y|^2), point by point.
        let size = 2 * grid
        var charges = [Double](repeating: 0, count: 4 * grid * grid)
        let plane = grid * grid
        for i in 0 ..< n {
            let (y1, y2) = (y[2 * i], y[2 * i + 1]), squared = y1 * y1 + y2 * y2
            for a in 0 ..< nodesPerBox {
                let gx = cell[2 * i] * nodesPerBox + a, wx = weights[(2 * i) * nodesPerBox + a]
                for b in 0 ..< nodesPerBox {
                    let gy = cell[2 * i + 1] * nodesPerBox + b, w = wx * weights[(2 * i + 1) * nodesPerBox + b]
                    let at = gx * grid + gy
                    charges[at] += w * 1
                    charges[plane + at] += w * y1
                    charges[2 * plane + at] += w * y2
                    charges[3 * plane + at] += w * squared
                }
            }
        }
        // Kernel on the doubled grid (circulant embedding): K at offsets (dx, dy) in node spacings.
        let complexCount = size * (size / 2 + 1)
        // FFTW's allocator: the SIMD alignment its plans assume when executed on new arrays.
        let kernel = fftw_alloc_real(size * size)!, kernelHat = fftw_alloc_complex(complexCount)!
        defer { fftw_free(kernel); fftw_free(kernelHat) }
        for a in 0 ..< size {
            let dx = Double(a < grid ? a : a - size) * spacing
            for b in 0 ..< size {
                let dy = Double(b < grid ? b : b - size) * spacing
                let r = 1 + dx * dx + dy * dy
                kernel[a * size + b] = a == grid || b == grid ? 0 : 1 / (r * r)
            }
        }
        let plans = FFTPlans.shared.plans(size: size)
        fftw_execute_dft_r2c(plans.forward, kernel, kernelHat)
        var potentials = [Double](repeating: 0, count: 4 * grid * grid)
        let normalisation = 1 / Double(size * size)
        // The four charges' convolutions are independent: one per worker (FFTW's execute on new
        // arrays is thread-safe).
        potentials.withUnsafeMutableBufferPointer { out in
            parallelFor(4, grain: 1) { group in for c in group {
                let field = fftw_alloc_real(size * size)!, fieldHat = fftw_alloc_complex(complexCount)!
                defer { fftw_free(field); fftw_free(fieldHat) }
                field.update(repeating: 0, count: size * size)
                for a in 0 ..< grid { for b in 0 ..< grid { field[a * size + b] = charges[(c * grid + a) * grid + b] } }
                fftw_execute_dft_r2c(plans.forward, field, fieldHat)
                for t in 0 ..< complexCount {
                    let (re, im) = (fieldHat[t].0, fieldHat[t].1), (kr, ki) = (kernelHat[t].0, kernelHat[t].1)
                    fieldHat[t] = (re * kr - im * ki, re * ki + im * kr)
                }
                fftw_execute_dft_c2r(plans.backward, fieldHat, field)
                for a in 0 ..< grid { for b in 0 ..< grid { out[(c * grid + a) * grid + b] = field[a * size + b] * normalisation } }
            } }
        }
        // Back to the points; Z and the repulsion from the four potentials.
        var partial = [Double](repeating: 0, count: n)
        out.withUnsafeMutableBufferPointer { o in
            partial.withUnsafeMutableBufferPointer { z in
                parallelFor(n, grain: 2048) { range in
                    for i in range {
                        var phi = (0.0, 0.0, 0.0, 0.0)
                        for a in 0 ..< nodesPerBox {
                            let gx = cell[2 * i] * nodesPerBox + a, wx = weights[(2 * i) * nodesPerBox + a]
                            for b in 0 ..< nodesPerBox {
                                let gy = cell[2 * i + 1] * nodesPerBox + b, w = wx * weights[(2 * i + 1) * nodesPerBox + b]
                                let at = gx * grid + gy
                                phi.0 += w * potentials[at]
                                phi.1 += w * potentials[plane + at]
                                phi.2 += w * potentials[2 * plane + at]
                                phi.3 += w * potentials[3 * plane + at]
                            }
                        }
                        let (y1, y2) = (y[2 * i], y[2 * i + 1])
                        // sum_j K (1 + |y_i - y_j|^2) = sum_j w_ij, the j = i term (1) removed by the caller.
                        z[i] = (1 + y1 * y1 + y2 * y2) * phi.0 - 2 * (y1 * phi.1 + y2 * phi.2) + phi.3
                        (o[2 * i], o[2 * i + 1]) = (y1 * phi.0 - phi.1, y2 * phi.0 - phi.2)
                    }
                }
            }
        }
        return partial.reduce(0, +) - Double(n)
    }

    /// Boxes per axis: one unit wide at most, at least 50, rounded up to a size FFTW transforms
    /// fast (openTSNE's list).
    static func boxCount(range: Double) -> Int {
        let wanted = max(50, Int(range.rounded(.up)))
        let allowed = [50, 55, 60, 65, 70, 75, 80, 85, 90, 96, 100, 110, 120, 130, 140, 150, 175, 200]
        return allowed.first { $0 >= wanted } ?? wanted
    }
}

/// FFTW plans per transform size, made once (planning is slow; execution with new arrays of the
/// same size and alignment reuses them). FFTW's planner is not thread-safe, hence the lock.
final class FFTPlans: @unchecked Sendable {
    static let shared = FFTPlans()
    private var cache: [Int: (forward: fftw_plan, backward: fftw_plan)] = [:]
    private let lock = NSLock()

    func plans(size: Int) -> (forward: fftw_plan, backward: fftw_plan) {
        lock.lock()
        defer { lock.unlock() }
        if let p = cache[size] { return p }
        // Planned on scratch arrays from FFTW's allocator; executed later on others of the same alignment.
        let real = fftw_alloc_real(size * size)!, complex = fftw_alloc_complex(size * (size / 2 + 1))!
        defer { fftw_free(real); fftw_free(complex) }
        let flags = UInt32(FFTW_ESTIMATE)
        let p = (fftw_plan_dft_r2c_2d(Int32(size), Int32(size), real, complex, flags)!,
                 fftw_plan_dft_c2r_2d(Int32(size), Int32(size), complex, real, flags)!)
        cache[size] = p
        return p
    }
}
