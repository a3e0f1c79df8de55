/// Nearest-row search in bounded memory, built from the distance and argmin ops.
extension ComputeBackend {
    /// Rows of the distance block processed at once so that it holds at most `budgetBytes`
    /// (`[chunk, yRows]` floats), at least one row, at most `rows`.
    public static func nearestChunkRows(rows: Int, yRows: Int, budgetBytes: Int = 64 << 20) -> Int {
        max(1, min(rows, budgetBytes / max(1, yRows * MemoryLayout<Float>.stride)))
    }

    /// For each of the `rows` rows of `x [rows, dim]`: the index of the nearest row of `y [yRows, dim]`
    /// in squared Euclidean distance (Int32 in `indices`, lowest index on ties) and that squared
    /// distance (in `minima`).
    ///
    /// Memory beyond the inputs and outputs: the two norm vectors and one `[chunkRows, yRows]`
    /// distance block (default: 64 MiB worth of rows), whatever `rows` is. Callers that search the
    /// same `x` repeatedly (K-means) pass its row norms in `xNorms` so they are computed once.
    public func nearestRows(x: Buffer, rows: Int, y: Buffer, yRows: Int, dim: Int,
                            indices: Buffer, minima: Buffer, chunkRows: Int? = nil, xNorms knownNorms: Buffer? = nil) throws {
        precondition(x.count >= rows * dim && y.count >= yRows * dim, "nearestRows: x or y smaller than rows*dim")
        precondition(indices.count >= rows && minima.count >= rows, "nearestRows: outputs smaller than rows")
        precondition(yRows >= 1 && dim >= 1, "nearestRows: need at least one candidate row and one dimension")
        guard rows > 0 else { return }
        let chunk = max(1, min(rows, chunkRows ?? Self.nearestChunkRows(rows: rows, yRows: yRows)))
        let xNorms: Buffer
        if let knownNorms {
            precondition(knownNorms.count >= rows, "nearestRows: xNorms holds \(knownNorms.count), needs \(rows)")
            xNorms = knownNorms
        } else {
            xNorms = try makeBuffer(count: rows)
            try rowSquaredNorms(x, offset: 0, rows: rows, cols: dim, into: xNorms, outOffset: 0)
        }
        let yNorms = try makeBuffer(count: yRows)
        try rowSquaredNorms(y, offset: 0, rows: yRows, cols: dim, into: yNorms, outOffset: 0)
        let block = try makeBuffer(count: chunk * yRows)
        var start = 0
        while start < rows {
            let n = min(chunk, rows - start)
            try squaredDistances(x: x, xOffset: start * dim, xNorms: xNorms, xNormsOffset: start, rows: n,
                                 y: y, yNorms: yNorms, yRows: yRows, dim: dim, into: block)
            try rowArgmin(block, rows: n, cols: yRows, indices: indices, indicesOffset: start,
                          minima: minima, minimaOffset: start)
            start += n
        }
    }
}
