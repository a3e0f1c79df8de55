/// The active clusters of an agglomeration by centroid and size, compact so a scan over them is
/// one contiguous pass: `values [active, dim]` row-major in double precision and, on request, a
/// float copy (`floats`) for bound scans that only need half the memory traffic. Clusters are named
/// by a slot (a member point); merging keeps one slot and moves the last position into the freed one.
struct ActiveCentroids {
    let dim: Int
    private(set) var values: [Double]
    private(set) var floats: [Float]
    private let keepsFloats: Bool
    private(set) var sizes: [Double]
    private(set) var slots: [Int]          // compact position -> slot
    private var positions: [Int]           // slot -> compact position (-1: merged away)

    init(_ x: [Float], rows n: Int, dim d: Int, keepFloatCopy: Bool = false) {
        dim = d
        values = x.map(Double.init)
        (floats, keepsFloats) = (keepFloatCopy ? x : [], keepFloatCopy)
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
            if keepsFloats { floats[pb * d + j] = Float(values[pb * d + j]) }
        }
        sizes[pb] = sa + sb
        let last = slots.count - 1
        if pa != last {
            let moved = slots[last]
            (slots[pa], positions[moved], sizes[pa]) = (moved, pa, sizes[last])
            for j in 0 ..< d {
                values[pa * d + j] = values[last * d + j]
                if keepsFloats { floats[pa * d + j] = floats[last * d + j] }
            }
        }
        slots.removeLast()
        sizes.removeLast()
        values.removeLast(d)
        if keepsFloats { floats.removeLast(d) }
        positions[a] = -1
    }
}
