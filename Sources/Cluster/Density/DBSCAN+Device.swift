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
    ///
    /// The blocks are `|x|^2 + |y|^2 - 2 x.y` in Float (of the centred points), whose rounding can put
    /// a pair on the wrong side of `eps`; scikit-learn decides in Double. So every test runs against
    /// the band `RadiusBand` bounds that rounding by, and only pairs inside it are decided on the host
    /// from the input's own values (`|x_i - x_j|^2` summed in Double, `<= eps^2`, as the k-d tree
    /// route and scikit-learn): counts within the band's lower and upper edges bracket each point's
    /// count, and a point they leave undecided is counted exactly from its candidate list; a core link
    /// found within the upper edge is checked when it would join two clusters; a border point whose
    /// lowest core label differs between the edges is resolved against every core point.
    static func fitWithRadiusQueries<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, configuration c: Configuration,
                                                        backend: B, progress: (String, Int, Int) -> Void) throws -> Result {
        let band = RadiusBand(x, rows: n, dim: d, eps: c.eps)
        let points = band.centred
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
            try matrix(indices.flatMap { points[($0 * d) ..< (($0 + 1) * d)] }, count: indices.count)
        }
        func upload(_ values: [Int32], to buffer: B.Buffer) throws {
            try values.withUnsafeBufferPointer { try backend.upload($0, to: buffer, offset: 0) }
        }

        /// `body(query row, columns)` for every row of `queries`: the `targets` columns whose block value is
        /// within the band's upper edge (a superset of the exact neighbours) and that `columns` allows, as
        /// each block's CSR lists (only the counts, the row pointers and the lists move).
        func listsWithin(_ pass: String, queries: (B.Buffer, B.Buffer, count: Int), targets: (B.Buffer, B.Buffer, count: Int),
                         columns: NeighbourColumns, _ body: (Int, ArraySlice<Int32>) -> Void) throws {
            guard queries.count > 0, targets.count > 0 else { return }
            let block = max(1, min(queries.count, c.blockRows ?? blockBytes / (4 * targets.count)))
            let rowCounts = try backend.makeBuffer(count: block), offsets = try backend.makeBuffer(count: block + 1)
            var lists = try backend.makeBuffer(count: 1)
            try eachBlock(pass, queries: queries, targets: targets) { start, rows, distances in
                try backend.rowCountWithin(distances, rows: rows, cols: targets.count, radius: band.upper, columnMask: nil, columns: columns,
                                           rowBase: start, counts: rowCounts, countsOffset: 0)
                var pointers = [Int32](repeating: 0, count: rows + 1)
                for (r, count) in try backend.ints(rowCounts, offset: 0, count: rows).enumerated() { pointers[r + 1] = pointers[r] + count }
                let total = Int(pointers[rows])
                guard total > 0 else { return }
                if lists.count < total { lists = try backend.makeBuffer(count: total) }
                try upload(pointers, to: offsets)
                try backend.rowColumnsWithin(distances, rows: rows, cols: targets.count, radius: band.upper, columnMask: nil, columns: columns,
                                             rowBase: start, offsets: offsets, into: lists)
                let found = try backend.ints(lists, offset: 0, count: total)
                for r in 0 ..< rows { body(start + r, found[Int(pointers[r]) ..< Int(pointers[r + 1])]) }
            }
        }

        // 1. Neighbour counts over all pairs, within the band's lower and upper edges: the point itself
        // always counts, whatever rounding gave its distance. Where the two leave a point's core status
        // open, its candidates within the upper edge are listed and checked exactly.
        let all = try matrix(points, count: n)
        let surely = try backend.makeBuffer(count: n), possibly = try backend.makeBuffer(count: n)
        try eachBlock("neighbour counts", queries: all, targets: all) { start, rows, distances in
            try backend.rowCountWithin(distances, rows: rows, cols: n, radius: band.lower, columnMask: nil, columns: .others,
                                       rowBase: start, counts: surely, countsOffset: start)
            try backend.rowCountWithin(distances, rows: rows, cols: n, radius: band.upper, columnMask: nil, columns: .others,
                                       rowBase: start, counts: possibly, countsOffset: start)
        }
        var isCore = try backend.ints(surely).map { Int($0) + 1 >= c.minSamples }
        let possible = try backend.ints(possibly)
        let open = (0 ..< n).filter { !isCore[$0] && Int(possible[$0]) + 1 >= c.minSamples }
        // A block with no candidates lists nothing: its open points need another point, so stay non-core.
        try listsWithin("neighbour counts near eps", queries: try matrix(open), targets: all, columns: .all) { r, columns in
            let row = open[r]
            isCore[row] = 1 + columns.count { Int($0) != row && band.within(x, row, Int($0)) } >= c.minSamples
        }
        let coreIndices = (0 ..< n).filter { isCore[$0] }, borderIndices = (0 ..< n).filter { !isCore[$0] }
        let cores = try matrix(coreIndices)

        // 2. Links from each core point to the later core points (in core order), joined by union-find.
        var sets = LowestRootSets(n)
        try listsWithin("core links", queries: cores, targets: cores, columns: .later) { r, links in
            let i = coreIndices[r]
            for link in links {
                // Only a link that would join two clusters needs its exact distance.
                let j = coreIndices[Int(link)]
                if sets.find(i) != sets.find(j) && band.within(x, i, j) { sets.union(i, j) }
            }
        }
        var labels = numberClusters(isCore: isCore) { sets.find($0) }

        // 3. Border points: the lowest-numbered cluster among their core neighbours (the rows are not
        // the columns' points, so every column counts).
        guard !coreIndices.isEmpty, !borderIndices.isEmpty else { return Result(labels: labels, isCore: isCore) }
        let coreLabels = try backend.makeBuffer(count: coreIndices.count), border = try backend.makeBuffer(count: borderIndices.count)
        try upload(coreIndices.map { Int32(labels[$0]) }, to: coreLabels)
        let borderUpper = try backend.makeBuffer(count: borderIndices.count)
        try eachBlock("border points", queries: try matrix(borderIndices), targets: cores) { start, rows, distances in
            try backend.rowMinLabelWithin(distances, rows: rows, cols: coreIndices.count, radius: band.lower, labels: coreLabels, columns: .all,
                                          rowBase: start, into: border, outOffset: start)
            try backend.rowMinLabelWithin(distances, rows: rows, cols: coreIndices.count, radius: band.upper, labels: coreLabels,
                                          columns: .all, rowBase: start, into: borderUpper, outOffset: start)
        }
        let (lowest, lowestPossible) = (try backend.ints(border), try backend.ints(borderUpper))
        for p in 0 ..< borderIndices.count {
            // Equal edges bracket the exact lowest label; otherwise every core point is checked.
            let label = lowest[p] == lowestPossible[p] ? Int64(lowest[p])
                : coreIndices.lazy.filter { band.within(x, borderIndices[p], $0) }.map { labels[$0] }.min() ?? -1
            if label >= 0 { labels[borderIndices[p]] = label }
        }
        return Result(labels: labels, isCore: isCore)
    }
}
