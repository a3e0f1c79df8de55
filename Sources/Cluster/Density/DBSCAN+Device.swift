import Backend

extension DBSCAN {
    /// DBSCAN's passes as radius queries on the backend: each block of squared distances (one GEMM)
    /// is reduced where it was computed by `rowCountWithin`, `rowColumnsWithin` and
    /// `rowMinLabelWithin`, so on a GPU no distance block comes back — only the n neighbour counts,
    /// each block's CSR lists of links between core points (joined on the host by union-find), and
    /// the border labels. Only the first pass measures every pair; the core points are then
    /// gathered into their own matrix, so the links are searched among the core points alone
    /// (`[block, cores]` blocks) and the border points against the core points alone: about
    /// `1 + 2 c (1 - c)` passes' work for a core share `c` instead of three.
    static func fitWithRadiusQueries<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, configuration c: Configuration,
                                                        backend: B, progress: (String, Int, Int) -> Void) throws -> Result {
        let radius = Float(c.eps * c.eps)
        let blockBytes = 128 << 20
        /// Squared distances from `rows` rows of `queries` (from `first`) to all `targets`, block by
        /// block, then `body(first row, rows, block)`.
        func eachBlock(_ pass: String, queries: (B.Buffer, B.Buffer, count: Int), targets: (B.Buffer, B.Buffer, count: Int),
                       _ body: (Int, Int, B.Buffer) throws -> Void) throws {
            let (q, qNorms, count) = queries, (t, tNorms, cols) = targets
            guard count > 0, cols > 0 else { return }
            let block = max(1, min(count, c.blockRows ?? blockBytes / (4 * cols)))
            let distances = try backend.makeBuffer(count: block * cols)
            for start in stride(from: 0, to: count, by: block) {
                let rows = min(block, count - start)
                try backend.squaredDistances(x: q, xOffset: start * d, xNorms: qNorms, xNormsOffset: start, rows: rows,
                                             y: t, yNorms: tNorms, yRows: cols, dim: d, into: distances)
                try body(start, rows, distances)
                progress(pass, start + rows, count)
            }
        }
        /// `values [count, d]` on the backend, with their squared norms.
        func matrix(_ values: [Float], count: Int) throws -> (B.Buffer, B.Buffer, count: Int) {
            let points = try backend.makeBuffer(values.isEmpty ? [0] : values), norms = try backend.makeBuffer(count: max(1, count))
            if count > 0 { try backend.rowSquaredNorms(points, offset: 0, rows: count, cols: d, into: norms, outOffset: 0) }
            return (points, norms, count)
        }
        /// The rows `indices` of `x` as such a matrix.
        func matrix(_ indices: [Int]) throws -> (B.Buffer, B.Buffer, count: Int) {
            try matrix(indices.flatMap { x[($0 * d) ..< (($0 + 1) * d)] }, count: indices.count)
        }
        func upload(_ values: [Int32], to buffer: B.Buffer) throws {
            try values.withUnsafeBufferPointer { try backend.upload($0, to: buffer, offset: 0) }
        }

        // 1. Neighbour counts over all pairs: the point itself always counts, whatever rounding gave
        // its distance.
        let all = try matrix(x, count: n)
        let counts = try backend.makeBuffer(count: n)
        try eachBlock("neighbour counts", queries: all, targets: all) { start, rows, distances in
            try backend.rowCountWithin(distances, rows: rows, cols: n, radius: radius, columnMask: nil, columns: .others,
                                       rowBase: start, counts: counts, countsOffset: start)
        }
        let isCore = try backend.ints(counts).map { Int($0) + 1 >= c.minSamples }
        let coreIndices = (0 ..< n).filter { isCore[$0] }, borderIndices = (0 ..< n).filter { !isCore[$0] }
        let cores = try matrix(coreIndices)

        // 2. Links from each core point to the later core points (in core order), as CSR lists per block.
        var sets = LowestRootSets(n)
        let blockRows = max(1, min(max(1, coreIndices.count), c.blockRows ?? blockBytes / (4 * max(1, coreIndices.count))))
        let blockCounts = try backend.makeBuffer(count: blockRows), offsets = try backend.makeBuffer(count: blockRows + 1)
        var lists = try backend.makeBuffer(count: 1)
        try eachBlock("core links", queries: cores, targets: cores) { start, rows, distances in
            let m = coreIndices.count
            try backend.rowCountWithin(distances, rows: rows, cols: m, radius: radius, columnMask: nil, columns: .later,
                                       rowBase: start, counts: blockCounts, countsOffset: 0)
            let rowCounts = try backend.ints(blockCounts, offset: 0, count: rows)
            var pointers = [Int32](repeating: 0, count: rows + 1)
            for r in 0 ..< rows { pointers[r + 1] = pointers[r] + rowCounts[r] }
            let total = Int(pointers[rows])
            guard total > 0 else { return }
            if lists.count < total { lists = try backend.makeBuffer(count: total) }
            try upload(pointers, to: offsets)
            try backend.rowColumnsWithin(distances, rows: rows, cols: m, radius: radius, columnMask: nil, columns: .later,
                                         rowBase: start, offsets: offsets, into: lists)
            let links = try backend.ints(lists, offset: 0, count: total)
            for r in 0 ..< rows where pointers[r] < pointers[r + 1] {
                for t in Int(pointers[r]) ..< Int(pointers[r + 1]) {
                    sets.union(coreIndices[start + r], coreIndices[Int(links[t])])
                }
            }
        }
        var labels = numberClusters(isCore: isCore) { sets.find($0) }

        // 3. Border points: the lowest-numbered cluster among their core neighbours (the rows are not
        // the columns' points, so every column counts).
        guard !coreIndices.isEmpty, !borderIndices.isEmpty else { return Result(labels: labels, isCore: isCore) }
        let coreLabels = try backend.makeBuffer(count: coreIndices.count), border = try backend.makeBuffer(count: borderIndices.count)
        try upload(coreIndices.map { Int32(labels[$0]) }, to: coreLabels)
        try eachBlock("border points", queries: try matrix(borderIndices), targets: cores) { start, rows, distances in
            try backend.rowMinLabelWithin(distances, rows: rows, cols: coreIndices.count, radius: radius, labels: coreLabels, columns: .all,
                                          rowBase: start, into: border, outOffset: start)
        }
        for (p, label) in try backend.ints(border).enumerated() where label >= 0 { labels[borderIndices[p]] = Int64(label) }
        return Result(labels: labels, isCore: isCore)
    }
}
