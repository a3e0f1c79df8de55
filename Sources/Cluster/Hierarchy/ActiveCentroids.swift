/// The active clusters of an agglomeration by centroid and size, compact so a scan over them is
/// one contiguous pass: `values [active, dim]` row-major in double precision and, on request, a
/// feature-major float copy (`floats [dim, n]`, column `j` of position `p` at `j * n + p`, `n` the
/// original count) for bound scans that take eight centroids at a time in SIMD lanes. Clusters are
/// named by a slot (a member point); merging keeps one slot and moves the last position into the
/// freed one.
struct ActiveCentroids {
    let dim: Int
    private(set) var values: [Double]
    private(set) var floats: [Float]
    private let keepsFloats: Bool
    /// Stride of a feature in `floats` and `columns` (the original count).
    let floatStride: Int
    /// On request, a feature-major copy of `values` (`[dim, n]`, like `floats`) for scans that sum
    /// feature by feature over tiles of centroids.
    private(set) var columns: [Double]
    private let keepsColumns: Bool
    private(set) var sizes: [Double]
    private(set) var slots: [Int]          // compact position -> slot
    private(set) var positions: [Int]      // slot -> compact position (-1: merged away)

    init(_ x: [Float], rows n: Int, dim d: Int, keepFloatCopy: Bool = false, keepColumns: Bool = false) {
        dim = d
        values = x.map(Double.init)
        (keepsFloats, floatStride) = (keepFloatCopy, n)
        floats = [Float](repeating: 0, count: keepFloatCopy ? n * d : 0)
        if keepFloatCopy { for p in 0 ..< n { for j in 0 ..< d { floats[j * n + p] = x[p * d + j] } } }
        keepsColumns = keepColumns
        columns = [Double](repeating: 0, count: keepColumns ? n * d : 0)
        if keepColumns { for p in 0 ..< n { for j in 0 ..< d { columns[j * n + p] = Double(x[p * d + j]) } } }
        sizes = [Double](repeating: 1, count: n)
        slots = Array(0 ..< n)
        positions = Array(0 ..< n)
    }

    var count: Int { slots.count }
    func position(of slot: Int) -> Int { positions[slot] }

    /// Merges the cluster at slot `a` into slot `b` (size-weighted centroid) and frees `a`'s position.
    mutating func merge(_ a: Int, into b: Int) {
        let (pa, pb, d) = (positions[a], positions[b], dim)
        let (sa, sb) = (sizes[pa], sizes[pb])
        for j in 0 ..< d {
            values[pb * d + j] = (sa * values[pa * d + j] + sb * values[pb * d + j]) / (sa + sb)
            if keepsFloats { floats[j * floatStride + pb] = Float(values[pb * d + j]) }
            if keepsColumns { columns[j * floatStride + pb] = values[pb * d + j] }
        }
        sizes[pb] = sa + sb
        let last = slots.count - 1
        if pa != last {
            let moved = slots[last]
            (slots[pa], positions[moved], sizes[pa]) = (moved, pa, sizes[last])
            for j in 0 ..< d {
                values[pa * d + j] = values[last * d + j]
                if keepsFloats { floats[j * floatStride + pa] = floats[j * floatStride + last] }
                if keepsColumns { columns[j * floatStride + pa] = columns[j * floatStride + last] }
            }
        }
        slots.removeLast()
        sizes.removeLast()
        values.removeLast(d)
        positions[a] = -1
    }
}
