/// A k-d tree over the active centroids of a Ward agglomeration (`ActiveCentroids`), so that the
/// nearest-neighbour chain's query "which cluster is cheapest to merge with `a`" visits only the
/// boxes that could hold a cheaper merge instead of every centroid.
///
/// The bound: merging `a` (size `s_a`, centroid `c_a`) with `b` costs
/// `w = s_a s_b / (s_a + s_b) ||c_a - c_b||^2`, which grows with `s_b`; so over a box whose
/// clusters have at least `s_min` points and whose nearest face is `g` away,
/// `w >= s_a s_min / (s_a + s_min) g^2`. Every term of that bound is computed in Double from gaps
/// that never exceed the true differences (rounding is monotone), and shrunk by a relative 1e-12,
/// so a box is skipped only when none of its clusters could reach the best cost so far — ties
/// included. Costs are computed exactly as the linear scan in `WardClusters` computes them (same
/// Double values, summed in feature order), and the same tie rule picks the winner, so the merges
/// do not depend on whether the tree is used, nor on its shape.
///
/// Dynamic: a merge removes both clusters from their leaves and inserts the merged centroid by
/// descending to the leaf whose box is nearest, widening the boxes on the way (boxes only grow,
/// so they stay valid). `WardClusters` rebuilds the tree when half its clusters are gone, which
/// tightens the boxes and the per-node smallest sizes again. Built as scikit-learn's `KDTree`:
/// split at the median of the widest dimension, leaves of at most `leafSize` clusters.
struct WardCentroidTree {
    let dim: Int
    /// Clusters when built.
    let builtCount: Int
    /// `[nodes, dim]` bounding boxes (never smaller than the live clusters below them).
    private var lower: [Double], upper: [Double]
    private var left: [Int32], right: [Int32]
    /// Per node: no live cluster below it has fewer points.
    private var smallest: [Double]
    /// Per leaf: the slots of its clusters (empty for inner nodes).
    private var buckets: [[Int32]]
    /// Slot -> the leaf holding it (-1: none).
    private var leafOf: [Int32]

    init(_ centroids: ActiveCentroids, slotCount: Int, leafSize: Int = 64) {
        let d = centroids.dim, m = centroids.count
        (dim, builtCount) = (d, m)
        (lower, upper, left, right, smallest, buckets) = ([], [], [], [], [], [])
        leafOf = [Int32](repeating: -1, count: slotCount)
        var order = (0 ..< m).map(Int32.init) // compact positions
        let values = centroids.values, sizes = centroids.sizes
        func makeNode(_ range: Range<Int>) -> Int32 {
            var lo = [Double](repeating: .infinity, count: d), hi = [Double](repeating: -.infinity, count: d)
            var least = Double.infinity
            for i in range {
                let p = Int(order[i])
                for t in 0 ..< d { let v = values[p * d + t]; lo[t] = min(lo[t], v); hi[t] = max(hi[t], v) }
                least = min(least, sizes[p])
            }
            lower += lo; upper += hi
            left.append(-1); right.append(-1); smallest.append(least); buckets.append([])
            return Int32(smallest.count - 1)
        }
        var stack: [(node: Int32, range: Range<Int>)] = m > 0 ? [(makeNode(0 ..< m), 0 ..< m)] : []
        while let (node, range) = stack.popLast() {
            let box = Int(node) * d
            guard range.count > leafSize else {
                buckets[Int(node)] = range.map { Int32(centroids.slots[Int(order[$0])]) }
                for slot in buckets[Int(node)] { leafOf[Int(slot)] = node }
                continue
            }
            let split = (0 ..< d).max { upper[box + $0] - lower[box + $0] < upper[box + $1] - lower[box + $1] }!
            var slice = Array(order[range])
            slice.sort { (values[Int($0) * d + split], $0) < (values[Int($1) * d + split], $1) }
            order.replaceSubrange(range, with: slice)
            let middle = range.lowerBound + range.count / 2
            let l = makeNode(range.lowerBound ..< middle), r = makeNode(middle ..< range.upperBound)
            (left[Int(node)], right[Int(node)]) = (l, r)
            stack.append((r, middle ..< range.upperBound)); stack.append((l, range.lowerBound ..< middle))
        }
    }

    /// Takes `slot`'s cluster out of its leaf.
    mutating func remove(_ slot: Int) {
        let leaf = Int(leafOf[slot])
        guard leaf >= 0, let i = buckets[leaf].firstIndex(of: Int32(slot)) else { return }
        buckets[leaf].swapAt(i, buckets[leaf].count - 1)
        buckets[leaf].removeLast()
        leafOf[slot] = -1
    }

    /// Puts `slot`'s cluster (centroid `point`, `size` points) into the leaf whose box is nearest,
    /// widening every box on the way down to hold it.
    mutating func insert(_ slot: Int, point: UnsafeBufferPointer<Double>, size: Double) {
        guard !smallest.isEmpty else { return }
        let d = dim
        var node = 0
        while true {
            for t in 0 ..< d {
                lower[node * d + t] = min(lower[node * d + t], point[t])
                upper[node * d + t] = max(upper[node * d + t], point[t])
            }
            smallest[node] = min(smallest[node], size)
            guard left[node] >= 0 else { break }
            let (l, r) = (Int(left[node]), Int(right[node]))
            node = gap(point, l) <= gap(point, r) ? l : r
        }
        buckets[node].append(Int32(slot))
        leafOf[slot] = Int32(node)
    }

    /// Squared distance from `point` to `node`'s box, each gap rounded no larger than a true
    /// difference to a point inside.
    private func gap(_ point: UnsafeBufferPointer<Double>, _ node: Int) -> Double {
        var sum = 0.0
        for t in 0 ..< dim {
            let (lo, hi, c) = (lower[node * dim + t], upper[node * dim + t], point[t])
            let g = c < lo ? lo - c : (c > hi ? c - hi : 0)
            sum += g * g
        }
        return sum
    }

    /// The cheapest cluster to merge with the one at compact position `pa` (centroid `centre`,
    /// `sa` points): its compact position and cost. `best` starts the search (the chain's previous
    /// link and its cost, which wins ties); otherwise ties go to the lowest position, as the scan.
    func cheapest(from pa: Int, centre: UnsafeBufferPointer<Double>, size sa: Double, start: (position: Int, cost: Double)?,
                  centroids: ActiveCentroids) -> (position: Int, cost: Double) {
        let d = dim
        var (bestPosition, best) = start ?? (-1, .infinity)
        let startWinsTies = start != nil
        let slack = 1 - 1e-12
        centroids.values.withUnsafeBufferPointer { values in
            centroids.sizes.withUnsafeBufferPointer { sizes in
                centroids.positions.withUnsafeBufferPointer { positions in
                    withUnsafeTemporaryAllocation(of: (Int32, Double).self, capacity: 256) { stack in
                        var top = 0
                        func bound(_ node: Int) -> Double {
                            let s = smallest[node]
                            return gap(centre, node) * (sa * s / (sa + s)) * slack
                        }
                        stack[0] = (0, bound(0))
                        top = 1
                        while top > 0 {
                            top -= 1
                            let (node, lowest) = stack[top]
                            guard lowest <= best else { continue }
                            let n = Int(node)
                            if left[n] < 0 {
                                for slot in buckets[n] {
                                    let p = positions[Int(slot)]
                                    guard p != pa else { continue }
                                    var sum = 0.0
                                    for j in 0 ..< d { let v = centre[j] - values[p * d + j]; sum += v * v }
                                    let cost = sum * (sa * sizes[p] / (sa + sizes[p]))
                                    if cost < best || (cost == best && !(startWinsTies && bestPosition == start!.position)
                                                       && p < bestPosition) {
                                        (best, bestPosition) = (cost, p)
                                    }
                                }
                                continue
                            }
                            let (l, r) = (Int(left[n]), Int(right[n]))
                            let (bl, br) = (bound(l), bound(r))
                            // The nearer child is searched first (pushed last).
                            let near = bl <= br ? (l, bl) : (r, br), far = bl <= br ? (r, br) : (l, bl)
                            if far.1 <= best { stack[top] = (Int32(far.0), far.1); top += 1 }
                            if near.1 <= best { stack[top] = (Int32(near.0), near.1); top += 1 }
                        }
                    }
                }
            }
        }
        return (bestPosition, best)
    }
}
