import CBLAS
import Foundation

extension ComputeBackend {
    /// SimCLR's NT-Xent loss (Chen et al. 2020, eq. 1) over `rows` = 2B embeddings `z [rows, dims]`
    /// in which rows `i` and `i + B` are the two views of one image:
    ///
    ///     u_i = z_i / max(|z_i|, 1e-12),   s_ij = u_i . u_j / temperature,
    ///     loss = (1 / 2B) sum_i [ log sum_{j != i} exp(s_ij) - s_{i, partner(i)} ]
    ///
    /// (PyTorch: `F.cross_entropy(s.fill_diagonal_(-inf), partner)` on `F.normalize(z)`). With
    /// `gradient`, writes `dloss/dz [rows, dims]` into it: with `G_ij = (softmax_j(s_i) - [j =
    /// partner(i)]) / 2B` (`G_ii = 0`), `dU = (G + G^T) U / temperature` and
    /// `dz_i = (dU_i - u_i (u_i . dU_i)) / |z_i|`.
    ///
    /// Evaluated on the host in double precision (two `dgemm`s of `[2B, 2B, dims]`, the softmax rows
    /// across the cores, each exponential once): for a batch of 256 images that is about 0.03 GFLOP
    /// against the network's several, and the same bits on every backend and any number of cores. On a
    /// device it moves `z` and its gradient (2B x dims floats each way) per call. `fmnist bench --ops
    /// training` times it (`nt-xent`).
    public func ntXent(embeddings z: Buffer, rows n: Int, dims d: Int, temperature: Float, gradient: Buffer?) throws -> Float {
        precondition(n >= 2 && n % 2 == 0 && d >= 1 && z.count >= n * d, "ntXent: need an even number of rows (two views per image)")
        precondition(temperature > 0 && temperature.isFinite, "ntXent: the temperature must be positive")
        if let gradient { precondition(gradient.count >= n * d, "ntXent: gradient buffer too small") }
        let values = try floats(z, offset: 0, count: n * d)
        var u = [Double](repeating: 0, count: n * d), length = [Double](repeating: 0, count: n)
        for i in 0 ..< n {
            var squares = 0.0
            for c in 0 ..< d { squares += Double(values[i * d + c]) * Double(values[i * d + c]) }
            length[i] = max(squares.squareRoot(), 1e-12)
            for c in 0 ..< d { u[i * d + c] = Double(values[i * d + c]) / length[i] }
        }
        let t = Double(temperature), half = n / 2
        var s = [Double](repeating: 0, count: n * n)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(n), Int32(d), 1 / t, u, Int32(d), u, Int32(d), 0, &s, Int32(n))
        // Row i's loss term and row i of G, in place of s's row (only the gradient needs it from here on); the
        // rows across the cores, the terms summed in row order afterwards (the same bits as one loop).
        var terms = [Double](repeating: 0, count: n)
        s.withUnsafeMutableBufferPointer { similarities in
            terms.withUnsafeMutableBufferPointer { rowTerms in
                let base = similarities.baseAddress!, termBase = rowTerms.baseAddress!
                parallelFor(n, grain: 16) { rows in
                    for i in rows { termBase[i] = softmaxRow(base + i * n, row: i, partner: (i + half) % n, count: n) }
                }
            }
        }
        var loss = 0.0
        for term in terms { loss += term }
        loss /= Double(n)
        guard let gradient else { return Float(loss) }
        var symmetric = [Double](repeating: 0, count: n * n)
        s.withUnsafeBufferPointer { g in
            symmetric.withUnsafeMutableBufferPointer { sum in
                let gBase = g.baseAddress!, sumBase = sum.baseAddress!
                parallelFor(n, grain: 16) { rows in
                    for i in rows { for j in 0 ..< n { sumBase[i * n + j] = gBase[i * n + j] + gBase[j * n + i] } }
                }
            }
        }
        var du = [Double](repeating: 0, count: n * d)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(d), Int32(n), 1 / (t * Double(n)), symmetric, Int32(n),
                    u, Int32(d), 0, &du, Int32(d))
        var dz = [Float](repeating: 0, count: n * d)
        for i in 0 ..< n {
            var along = 0.0
            for c in 0 ..< d { along += u[i * d + c] * du[i * d + c] }
            // Below the clamp `u_i = z_i / 1e-12` is linear in z_i, so no projection.
            let clamped = length[i] == 1e-12
            for c in 0 ..< d { dz[i * d + c] = Float((du[i * d + c] - (clamped ? 0 : u[i * d + c] * along)) / length[i]) }
        }
        try dz.withUnsafeBufferPointer { try upload($0, to: gradient, offset: 0) }
        return Float(loss)
    }
}

/// One row of NT-Xent: returns `log sum_{j != i} exp(s_ij) - s_{i, partner}` (with the row's largest
/// value taken out before the exponentials) and overwrites the row with `G_i`: `softmax_j(s_i)` off
/// the diagonal, 0 on it, minus 1 at the partner — each exponential computed once.
private func softmaxRow(_ row: UnsafeMutablePointer<Double>, row i: Int, partner: Int, count n: Int) -> Double {
    var largest = -Double.infinity
    for j in 0 ..< n where j != i { largest = max(largest, row[j]) }
    let partnerValue = row[partner]
    var total = 0.0
    for j in 0 ..< n where j != i {
        let e = exp(row[j] - largest)
        row[j] = e
        total += e
    }
    let term = largest + log(total) - partnerValue
    for j in 0 ..< n where j != i { row[j] /= total }
    row[i] = 0
    row[partner] -= 1
    return term
}
