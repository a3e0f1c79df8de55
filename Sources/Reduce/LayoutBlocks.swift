/// A split of a layout's points into a fixed number of blocks of nearby points, by recursive
/// coordinate bisection (Berger and Bokhari 1987): the points are cut at the median of the axis
/// with the largest range (ties by index), and each half again, `levels` times, into `2^levels`
/// blocks whose sizes differ by at most one point.
///
/// UMAP's blocked SGD (`UMAPOptimizer`, `--sgd blocked`) renumbers the points block after block
/// (`order`), so each block is a range of rows, and gives each block to one worker; points close
/// in the starting layout are mostly neighbours in the graph, so most edges stay inside a block
/// (three quarters for UMAP-10 of the 70,000 images with 16 blocks: 1,194,056 of 1,587,634). The
/// split depends only on the layout, never on the number of threads.
struct LayoutBlocks {
    /// The points block after block, each block's in ascending index order: new row `r` is point
    /// `order[r]`.
    let order: [Int32]
    /// Block `b` is rows `bounds[b] ..< bounds[b + 1]` of the renumbering (`count + 1` entries).
    let bounds: [Int]
    var count: Int { bounds.count - 1 }

    /// Blocks of the layout `y [n, dims]`: `2^levels` of them (fewer when `n` is smaller; levels 0...8).
    init(layout y: [Float], rows n: Int, dims: Int, levels: Int) {
        precondition((0 ... 8).contains(levels) && y.count == n * dims, "LayoutBlocks: \(levels) levels for \(y.count) values")
        var levels = levels
        while levels > 0 && (1 << levels) > n { levels -= 1 }
        var groups: [[Int32]] = [(0 ..< Int32(n)).map { $0 }]
        for _ in 0 ..< levels {
            groups = groups.flatMap { group -> [[Int32]] in
                var axis = 0, widest = -Float.infinity
                for c in 0 ..< dims {
                    var lo = Float.infinity, hi = -Float.infinity
                    for i in group { let v = y[Int(i) * dims + c]; lo = min(lo, v); hi = max(hi, v) }
                    if hi - lo > widest { (axis, widest) = (c, hi - lo) }
                }
                let sorted = group.sorted { (y[Int($0) * dims + axis], $0) < (y[Int($1) * dims + axis], $1) }
                let half = sorted.count / 2
                return [Array(sorted[..<half]), Array(sorted[half...])]
            }
        }
        order = groups.flatMap { $0.sorted() }
        bounds = groups.reduce(into: [0]) { $0.append($0.last! + $1.count) }
    }
}
