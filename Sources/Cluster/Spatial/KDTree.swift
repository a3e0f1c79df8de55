import Backend

/// A k-d tree over the rows of `x [n, d]` (Friedman, Bentley and Finkel 1977), built as
/// scikit-learn's `KDTree`: each node splits its points at the median of the dimension where they
/// spread most, down to leaves of at most `leafSize` points; every node keeps the bounding box of
/// its points.
///
/// Every distance is summed in Double over the dimensions in order from the float inputs,
/// `sum_t (Double(a_t) - Double(b_t))^2` — the same value `exactSquaredDistance` and the brute-force
/// paths compute — so a query answers exactly what a Double brute force would, ties included. Box
/// bounds are summed the same way from per-dimension gaps that never exceed the true differences
/// (rounding is monotone), so pruning by them never drops a point a brute force would keep.
///
/// Memory: the points in tree order as Double (`8 n d` bytes), the permutation, and `2 d` bounds per
/// node (about `2 n / leafSize` nodes). Built in O(n log^2 n); queries in low dimensions (say
/// `d <= 16`) visit O(log n + output) nodes, degrading towards brute force as `d` grows.
public struct KDTree: Sendable {
    public let count: Int
    public let dim: Int
    public let leafSize: Int
    /// Tree position -> original row.
    public let order: [Int32]
    /// Original row -> tree position.
    public let position: [Int32]
    /// `[count, dim]` points in tree order.
    let points: [Double]
    /// Per node: first and past-the-end tree position of its points; children (-1 for leaves); parent (-1 at the root).
    let start: [Int32], end: [Int32], left: [Int32], right: [Int32], parent: [Int32]
    /// `[nodes, dim]` bounding boxes.
    let lower: [Double], upper: [Double]
    /// For each tree position, the leaf that holds it.
    let leafOf: [Int32]

    public var nodeCount: Int { start.count }

    public init(_ x: [Float], rows n: Int, dim d: Int, leafSize: Int = 32) {
        precondition(x.count == n * d && d >= 1, "KDTree: \(x.count) values for \(n) x \(d)")
        precondition(leafSize >= 1, "KDTree: leaf size \(leafSize)")
        (count, dim, self.leafSize) = (n, d, leafSize)
        var order = (0 ..< n).map(Int32.init)
        var start: [Int32] = [], end: [Int32] = [], left: [Int32] = [], right: [Int32] = [], parent: [Int32] = []
        var lower: [Double] = [], upper: [Double] = []
        var leafOf = [Int32](repeating: 0, count: n)
        // Nodes are created in depth-first order; a work stack holds (node, range).
        func makeNode(_ range: Range<Int>, parent p: Int32) -> Int32 {
            let node = Int32(start.count)
            start.append(Int32(range.lowerBound)); end.append(Int32(range.upperBound))
            left.append(-1); right.append(-1); parent.append(p)
            var lo = [Double](repeating: .infinity, count: d), hi = [Double](repeating: -.infinity, count: d)
            for i in range {
                let row = Int(order[i]) * d
                for t in 0 ..< d { let v = Double(x[row + t]); lo[t] = min(lo[t], v); hi[t] = max(hi[t], v) }
            }
            lower += lo; upper += hi
            return node
        }
        var stack: [(node: Int32, range: Range<Int>)] = []
        if n > 0 { stack.append((makeNode(0 ..< n, parent: -1), 0 ..< n)) }
        while let (node, range) = stack.popLast() {
            guard range.count > leafSize else {
                for i in range { leafOf[i] = node }
                continue
            }
            let box = Int(node) * d
            let split = (0 ..< d).max { upper[box + $0] - lower[box + $0] < upper[box + $1] - lower[box + $1] }!
            let middle = range.lowerBound + range.count / 2
            // Median by sorting the node's rows on the split dimension (ties by row for determinism).
            var slice = Array(order[range])
            slice.sort { (x[Int($0) * d + split], $0) < (x[Int($1) * d + split], $1) }
            order.replaceSubrange(range, with: slice)
            let l = makeNode(range.lowerBound ..< middle, parent: node)
            let r = makeNode(middle ..< range.upperBound, parent: node)
            left[Int(node)] = l; right[Int(node)] = r
            stack.append((r, middle ..< range.upperBound)); stack.append((l, range.lowerBound ..< middle))
        }
        var points = [Double](repeating: 0, count: n * d)
        var position = [Int32](repeating: 0, count: n)
        for (p, row) in order.enumerated() {
            position[Int(row)] = Int32(p)
            for t in 0 ..< d { points[p * d + t] = Double(x[Int(row) * d + t]) }
        }
        (self.order, self.position, self.points) = (order, position, points)
        (self.start, self.end, self.left, self.right, self.parent) = (start, end, left, right, parent)
        (self.lower, self.upper, self.leafOf) = (lower, upper, leafOf)
    }

    /// The point at tree position `p`, as Double coordinates.
    public func point(atPosition p: Int) -> ArraySlice<Double> { points[(p * dim) ..< ((p + 1) * dim)] }

    /// Calls `body` with unsafe views of the tree's arrays (the hot loops index them directly).
    @inline(__always)
    func withStorage<R>(_ body: (Storage) throws -> R) rethrows -> R {
        try points.withUnsafeBufferPointer { p in
            try start.withUnsafeBufferPointer { s in
                try end.withUnsafeBufferPointer { e in
                    try left.withUnsafeBufferPointer { l in
                        try right.withUnsafeBufferPointer { r in
                            try lower.withUnsafeBufferPointer { lo in
                                try upper.withUnsafeBufferPointer { hi in
                                    try body(Storage(dim: dim, points: p.baseAddress!, start: s.baseAddress!, end: e.baseAddress!,
                                                     left: l.baseAddress!, right: r.baseAddress!,
                                                     lower: lo.baseAddress!, upper: hi.baseAddress!))
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Raw views of the tree for the query loops.
    struct Storage {
        let dim: Int
        let points: UnsafePointer<Double>, start: UnsafePointer<Int32>, end: UnsafePointer<Int32>
        let left: UnsafePointer<Int32>, right: UnsafePointer<Int32>
        let lower: UnsafePointer<Double>, upper: UnsafePointer<Double>

        /// `|q - point(p)|^2`, summed in Double in dimension order.
        @inline(__always)
        func squaredDistance(_ q: UnsafePointer<Double>, _ p: Int) -> Double {
            let row = points + p * dim
            var s = 0.0
            for t in 0 ..< dim { let v = q[t] - row[t]; s += v * v }
            return s
        }

        /// A lower bound of `|q - y|^2` over every `y` in the node's box.
        @inline(__always)
        func minSquaredDistance(_ q: UnsafePointer<Double>, _ node: Int) -> Double {
            let lo = lower + node * dim, hi = upper + node * dim
            var s = 0.0
            for t in 0 ..< dim {
                let v = q[t] < lo[t] ? lo[t] - q[t] : (q[t] > hi[t] ? q[t] - hi[t] : 0)
                s += v * v
            }
            return s
        }

        /// An upper bound of `|q - y|^2` over every `y` in the node's box.
        @inline(__always)
        func maxSquaredDistance(_ q: UnsafePointer<Double>, _ node: Int) -> Double {
            let lo = lower + node * dim, hi = upper + node * dim
            var s = 0.0
            for t in 0 ..< dim { let v = max(q[t] - lo[t], hi[t] - q[t]); s += v * v }
            return s
        }
    }

    /// Points within `radius2` (squared Euclidean, inclusive) of `q` (Double coordinates, `dim` of
    /// them), the query point itself included when it is a tree point. Whole nodes inside the ball
    /// are counted without measuring their points.
    public func countWithin(_ q: UnsafePointer<Double>, radius2: Double) -> Int {
        guard count > 0 else { return 0 }
        return withStorage { s in
            var found = 0
            var stack: [Int32] = [0]
            stack.reserveCapacity(64)
            while let node32 = stack.popLast() {
                let node = Int(node32)
                if s.minSquaredDistance(q, node) > radius2 { continue }
                if s.maxSquaredDistance(q, node) <= radius2 { found += Int(s.end[node] - s.start[node]); continue }
                if s.left[node] < 0 {
                    for p in Int(s.start[node]) ..< Int(s.end[node]) where s.squaredDistance(q, p) <= radius2 { found += 1 }
                } else {
                    stack.append(s.right[node]); stack.append(s.left[node])
                }
            }
            return found
        }
    }

    /// Calls `body(tree position, squared distance)` for every point within `radius2` of `q`.
    public func forEachWithin(_ q: UnsafePointer<Double>, radius2: Double, _ body: (Int, Double) -> Void) {
        guard count > 0 else { return }
        withStorage { s in
            var stack: [Int32] = [0]
            stack.reserveCapacity(64)
            while let node32 = stack.popLast() {
                let node = Int(node32)
                if s.minSquaredDistance(q, node) > radius2 { continue }
                if s.left[node] < 0 {
                    for p in Int(s.start[node]) ..< Int(s.end[node]) {
                        let distance = s.squaredDistance(q, p)
                        if distance <= radius2 { body(p, distance) }
                    }
                } else {
                    stack.append(s.right[node]); stack.append(s.left[node])
                }
            }
        }
    }

    /// The `k`-th smallest squared distance from `q` to the tree's points (`k` counted from 1; a tree
    /// point queried with itself has its own 0 first). Nearer children are searched first; a node is
    /// skipped when its box lies no nearer than the `k`-th best so far.
    public func kthSmallestSquaredDistance(_ q: UnsafePointer<Double>, k: Int, heap: inout DoubleMaxHeap) -> Double {
        precondition(k >= 1 && k <= count, "KDTree: k \(k) for \(count) points")
        heap.reset(capacity: k)
        withStorage { s in
            var stack: [(node: Int32, bound: Double)] = [(0, s.minSquaredDistance(q, 0))]
            stack.reserveCapacity(64)
            while let (node32, bound) = stack.popLast() {
                if heap.isFull && bound >= heap.top { continue }
                let node = Int(node32)
                if s.left[node] < 0 {
                    for p in Int(s.start[node]) ..< Int(s.end[node]) { heap.insert(s.squaredDistance(q, p)) }
                    continue
                }
                let (l, r) = (Int(s.left[node]), Int(s.right[node]))
                let (bl, br) = (s.minSquaredDistance(q, l), s.minSquaredDistance(q, r))
                // Push the farther child first so the nearer one is searched next.
                let (near, far) = bl <= br ? ((l, bl), (r, br)) : ((r, br), (l, bl))
                stack.append((Int32(far.0), far.1))
                stack.append((Int32(near.0), near.1))
            }
        }
        return heap.top
    }
}

/// A binary min-heap of k-d nodes keyed by a lower bound (best-first search).
struct NodeQueue {
    private var bounds: [Double] = [], nodes: [Int32] = []
    mutating func removeAll() { bounds.removeAll(keepingCapacity: true); nodes.removeAll(keepingCapacity: true) }

    mutating func push(_ bound: Double, _ node: Int32) {
        bounds.append(bound); nodes.append(node)
        var i = bounds.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard bounds[i] < bounds[parent] else { break }
            bounds.swapAt(i, parent); nodes.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> (bound: Double, node: Int32)? {
        guard let bound = bounds.first else { return nil }
        let node = nodes[0]
        let (lastBound, lastNode) = (bounds.removeLast(), nodes.removeLast())
        guard !bounds.isEmpty else { return (bound, node) }
        bounds[0] = lastBound; nodes[0] = lastNode
        var i = 0
        while true {
            let (l, r) = (2 * i + 1, 2 * i + 2)
            var smallest = i
            if l < bounds.count && bounds[l] < bounds[smallest] { smallest = l }
            if r < bounds.count && bounds[r] < bounds[smallest] { smallest = r }
            if smallest == i { break }
            bounds.swapAt(i, smallest); nodes.swapAt(i, smallest)
            i = smallest
        }
        return (bound, node)
    }
}

/// The `capacity` smallest Doubles seen; `top` is the largest of them (+infinity until full).
public struct DoubleMaxHeap {
    private(set) var capacity = 0
    private var items: [Double] = []
    public init(capacity: Int = 0) { reset(capacity: capacity) }

    var isFull: Bool { items.count == capacity }
    var top: Double { isFull ? items[0] : .infinity }
    mutating func reset(capacity: Int) {
        self.capacity = capacity
        items.removeAll(keepingCapacity: true)
        items.reserveCapacity(capacity)
    }

    mutating func insert(_ value: Double) {
        if items.count < capacity {
            items.append(value)
            var i = items.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard items[parent] < items[i] else { break }
                items.swapAt(parent, i)
                i = parent
            }
        } else if value < items[0] {
            items[0] = value
            var i = 0
            while true {
                let (l, r) = (2 * i + 1, 2 * i + 2)
                var largest = i
                if l < capacity && items[l] > items[largest] { largest = l }
                if r < capacity && items[r] > items[largest] { largest = r }
                if largest == i { break }
                items.swapAt(i, largest)
                i = largest
            }
        }
    }
}
