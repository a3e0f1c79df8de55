import Backend

extension DBSCAN {
    /// DBSCAN's passes as radius queries on the backend: each `[block, n]` block of squared
    /// distances (one GEMM) is reduced where it was computed by `rowCountWithin`,
    /// `rowColumnsWithin` and `rowMinLabelWithin`, so on a GPU nothing of size `block x n` comes
    /// back — only the n neighbour counts, each block's CSR lists of links from core points to
    /// later core points (joined on the host by union-find), and the n border labels.
    static func fitWithRadiusQueries<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, configuration c: Configuration,
                                                        backend: B, progress: (String, Int, Int) -> Void) throws -> Result {
        let points = try backend.makeBuffer(x)
        let norms = try backend.makeBuffer(count: n)
        try backend.rowSquaredNorms(points, offset: 0, rows: n, cols: d, into: norms, outOffset: 0)
        let block = max(1, min(n, c.blockRows ?? (128 << 20) / (4 * n)))
        let distances = try backend.makeBuffer(count: block * n)
        let radius = Float(c.eps * c.eps)
        /// Computes each block of distances, then `body(first row, rows)`.
        func eachBlock(_ pass: String, _ body: (Int, Int) throws -> Void) throws {
            for start in stride(from: 0, to: n, by: block) {
                let rows = min(block, n - start)
                try backend.squaredDistances(x: points, xOffset: start * d, xNorms: norms, xNormsOffset: start, rows: rows,
                                             y: points, yNorms: norms, yRows: n, dim: d, into: distances)
                try body(start, rows)
                progress(pass, start + rows, n)
            }
        }
        func upload(_ values: [Int32], to buffer: B.Buffer) throws {
            try values.withUnsafeBufferPointer { try backend.upload($0, to: buffer, offset: 0) }
        }

        // 1. Neighbour counts: the point itself always counts, whatever rounding gave its distance.
        let counts = try backend.makeBuffer(count: n)
        try eachBlock("neighbour counts") { start, rows in
            try backend.rowCountWithin(distances, rows: rows, cols: n, radius: radius, columnMask: nil, columns: .others,
                                       rowBase: start, counts: counts, countsOffset: start)
        }
        let isCore = try backend.ints(counts).map { Int($0) + 1 >= c.minSamples }

        // 2. Links from each core point to its later core neighbours, as CSR lists per block.
        let coreMask = try backend.makeBuffer(count: n)
        try upload(isCore.map { $0 ? 1 : 0 }, to: coreMask)
        var sets = LowestRootSets(n)
        let blockCounts = try backend.makeBuffer(count: block), offsets = try backend.makeBuffer(count: block + 1)
        var lists = try backend.makeBuffer(count: 1)
        try eachBlock("core links") { start, rows in
            try backend.rowCountWithin(distances, rows: rows, cols: n, radius: radius, columnMask: coreMask, columns: .later,
                                       rowBase: start, counts: blockCounts, countsOffset: 0)
            let rowCounts = try backend.ints(blockCounts, offset: 0, count: rows)
            var pointers = [Int32](repeating: 0, count: rows + 1)
            for r in 0 ..< rows { pointers[r + 1] = pointers[r] + (isCore[start + r] ? rowCounts[r] : 0) }
            let total = Int(pointers[rows])
            guard total > 0 else { return }
            if lists.count < total { lists = try backend.makeBuffer(count: total) }
            try upload(pointers, to: offsets)
            try backend.rowColumnsWithin(distances, rows: rows, cols: n, radius: radius, columnMask: coreMask, columns: .later,
                                         rowBase: start, offsets: offsets, into: lists)
            let links = try backend.ints(lists, offset: 0, count: total)
            for r in 0 ..< rows where pointers[r] < pointers[r + 1] {
                for t in Int(pointers[r]) ..< Int(pointers[r + 1]) {
                    sets.union(start + r, Int(links[t]))
                }
            }
        }
        var labels = numberClusters(isCore: isCore) { sets.find($0) }

        // 3. Border points: the lowest-numbered cluster among their core neighbours.
        let coreLabels = try backend.makeBuffer(count: n), border = try backend.makeBuffer(count: n)
        try upload(labels.map { Int32($0) }, to: coreLabels)
        try eachBlock("border points") { start, rows in
            try backend.rowMinLabelWithin(distances, rows: rows, cols: n, radius: radius, labels: coreLabels, columns: .others,
                                          rowBase: start, into: border, outOffset: start)
        }
        for (i, label) in try backend.ints(border).enumerated() where !isCore[i] && label >= 0 { labels[i] = Int64(label) }
        return Result(labels: labels, isCore: isCore)
    }
}
