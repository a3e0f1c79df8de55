import Backend

extension DBSCAN {
    /// DBSCAN from radius queries on a `KDTree` (scikit-learn's own route in low dimensions): the
    /// same three passes as the brute-force path — neighbour counts (whole nodes inside the ball are
    /// counted without measuring their points), links from each core point to its later core
    /// neighbours joined by union-find, the lowest-numbered core neighbour's cluster for each border
    /// point — with squared distances summed in Double and compared with `eps^2` inclusively, as
    /// scikit-learn does. Each pass runs blocks of rows across the cores.
    static func fitWithTree(_ x: [Float], rows n: Int, dim d: Int, configuration c: Configuration,
                            progress: (String, Int, Int) -> Void) -> Result {
        let tree = KDTree(x, rows: n, dim: d)
        let radius2 = c.eps * c.eps
        let block = 8192
        /// Runs `body(row, query point)` for rows `start ..< start + rows` across the cores, block by block.
        func forEachRow(_ pass: String, afterBlock: (Range<Int>) -> Void = { _ in },
                        _ body: (Int, UnsafePointer<Double>) -> Void) {
            tree.points.withUnsafeBufferPointer { points in
                for start in stride(from: 0, to: n, by: block) {
                    let rows = min(block, n - start)
                    parallelFor(rows, grain: 64) { range in
                        for r in range { body(start + r, points.baseAddress! + Int(tree.position[start + r]) * d) }
                    }
                    afterBlock(start ..< start + rows)
                    progress(pass, start + rows, n)
                }
            }
        }
        var isCore = [Bool](repeating: false, count: n)
        isCore.withUnsafeMutableBufferPointer { core in
            forEachRow("neighbour counts") { i, q in core[i] = tree.countWithin(q, radius2: radius2) >= c.minSamples }
        }
        var sets = LowestRootSets(n)
        var links = [[Int32]](repeating: [], count: block)
        links.withUnsafeMutableBufferPointer { blockLinks in
            forEachRow("core links", afterBlock: { range in
                for i in range where isCore[i] {
                    for j in blockLinks[i - range.lowerBound] {
                        sets.union(i, Int(j))
                    }
                    blockLinks[i - range.lowerBound].removeAll(keepingCapacity: true)
                }
            }) { i, q in
                guard isCore[i] else { return }
                var found: [Int32] = []
                tree.forEachWithin(q, radius2: radius2) { p, _ in
                    let j = Int(tree.order[p])
                    if j > i && isCore[j] { found.append(Int32(j)) }
                }
                blockLinks[i % block] = found
            }
        }
        var labels = numberClusters(isCore: isCore) { sets.find($0) }
        labels.withUnsafeMutableBufferPointer { out in
            let coreLabels = UnsafeBufferPointer(out) // read only at core points, which this pass never writes
            forEachRow("border points") { i, q in
                guard !isCore[i] else { return }
                var best = Int64.max
                tree.forEachWithin(q, radius2: radius2) { p, _ in
                    let j = Int(tree.order[p])
                    if isCore[j] { best = min(best, coreLabels[j]) }
                }
                if best != .max { out[i] = best }
            }
        }
        return Result(labels: labels, isCore: isCore)
    }

    /// Cluster labels of the core points, numbered by each component's lowest-index core point
    /// (union-find roots are the minimum of their component); -1 elsewhere.
    static func numberClusters(isCore: [Bool], root: (Int) -> Int) -> [Int64] {
        var clusterOfRoot: [Int: Int64] = [:]
        var labels = [Int64](repeating: -1, count: isCore.count)
        for i in isCore.indices where isCore[i] {
            let r = root(i)
            if clusterOfRoot[r] == nil { clusterOfRoot[r] = Int64(clusterOfRoot.count) }
            labels[i] = clusterOfRoot[r]!
        }
        return labels
    }
}
