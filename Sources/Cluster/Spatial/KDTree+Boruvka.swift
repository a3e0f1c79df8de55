import Backend

/// Borůvka's minimum spanning tree over a k-d tree (Borůvka 1926; the k-d tree search as in March,
/// Ram and Gray 2010 and McInnes and Healy 2017, "Accelerated hierarchical density clustering").
///
/// Each round every component finds its lightest edge to another component and all those edges
/// join the tree, so at most `log2 n` rounds run. An edge's key is `(w, min(a, b), max(a, b))`
/// with `w` the Euclidean distance or the mutual reachability `max(|a - b|, core_a, core_b)`
/// (compared as distances, not squares, as scikit-learn and SciPy do); the keys are a strict total
/// order, so the result is a minimum spanning tree (no cycles even where weights tie) and does not
/// depend on the search order.
///
/// A component's lightest edge is searched from its points in increasing core distance, each
/// search bounded by the best key found so far for the component: a k-d node is skipped when every
/// point in it belongs to the component, or when `max(box distance, core_a, min core of the node)`
/// with the node's smallest index already loses to the best key; the component's remaining points
/// are skipped once their core distance alone loses. Components are searched in parallel.
///
/// Weights are summed in Double as the brute force does, so the edge weights (the merge heights)
/// equal brute-force Prim's. Where weights tie, Prim may choose a different but equally light
/// tree; the merge heights and the clusters at every height are the same either way.
extension KDTree {
    func boruvkaEdges(coreDistances: [Double]?, progress: (Int) -> Void = { _ in }) -> [(a: Int, b: Int, height: Double)] {
        let n = count
        guard n > 1 else { return [] }
        let nodes = nodeCount
        var core = [Double](repeating: 0, count: n) // per tree position
        if let coreDistances { for p in 0 ..< n { core[p] = coreDistances[Int(order[p])] } }
        var minCore = [Double](repeating: .infinity, count: nodes), minIndex = [Int32](repeating: .max, count: nodes)
        for node in stride(from: nodes - 1, through: 0, by: -1) { // children were created after their parents
            if left[node] < 0 {
                for p in Int(start[node]) ..< Int(end[node]) {
                    minCore[node] = min(minCore[node], core[p])
                    minIndex[node] = min(minIndex[node], order[p])
                }
            } else {
                let (l, r) = (Int(left[node]), Int(right[node]))
                minCore[node] = min(minCore[l], minCore[r]); minIndex[node] = min(minIndex[l], minIndex[r])
            }
        }
        var components = LowestRootSets(n) // over original indices; roots are component ids
        var edges: [(a: Int, b: Int, height: Double)] = []
        edges.reserveCapacity(n - 1)
        var component = [Int32](repeating: 0, count: n) // per tree position
        var nodeComponent = [Int32](repeating: 0, count: nodes) // -1: mixed
        while edges.count < n - 1 {
            for p in 0 ..< n { component[p] = Int32(components.find(Int(order[p]))) }
            for node in stride(from: nodes - 1, through: 0, by: -1) {
                if left[node] < 0 {
                    let first = component[Int(start[node])]
                    nodeComponent[node] = (Int(start[node]) ..< Int(end[node])).allSatisfy { component[$0] == first } ? first : -1
                } else {
                    let (l, r) = (nodeComponent[Int(left[node])], nodeComponent[Int(right[node])])
                    nodeComponent[node] = l == r ? l : -1
                }
            }
            // Members of each component, by increasing core distance (position order on ties).
            var members = (0 ..< n).map(Int32.init)
            members.sort { (component[Int($0)], core[Int($0)], $0) < (component[Int($1)], core[Int($1)], $1) }
            var groups: [Range<Int>] = []
            var g = 0
            while g < n {
                var h = g + 1
                while h < n && component[Int(members[h])] == component[Int(members[g])] { h += 1 }
                groups.append(g ..< h)
                g = h
            }
            var lightest = [EdgeKey](repeating: .none, count: groups.count)
            withStorage { s in
                lightest.withUnsafeMutableBufferPointer { out in
                    parallelFor(groups.count, grain: 1) { range in
                        var frontier = NodeQueue()
                        for group in range {
                            var best = EdgeKey.none
                            for m in groups[group] {
                                let t = Int(members[m])
                                let coreT = core[t]
                                if coreT > best.weight { break } // every later member's core is at least as large
                                searchOtherComponent(from: t, s: s, coreT: coreT, core: core, component: component,
                                                     nodeComponent: nodeComponent, minCore: minCore, minIndex: minIndex,
                                                     best: &best, frontier: &frontier)
                            }
                            out[group] = best
                        }
                    }
                }
            }
            var joined = false
            for key in lightest where key.a >= 0 {
                guard components.union(Int(key.a), Int(key.b)) else { continue } // chosen by both of its components
                edges.append((Int(key.a), Int(key.b), key.weight))
                joined = true
            }
            precondition(joined, "Borůvka: no edge between \(groups.count) components")
            progress(edges.count)
        }
        return edges
    }

    /// Lowers `best` to the lightest key from tree position `t` to a point of another component,
    /// best first over the nodes.
    private func searchOtherComponent(from t: Int, s: Storage, coreT: Double, core: [Double], component: [Int32],
                                      nodeComponent: [Int32], minCore: [Double], minIndex: [Int32],
                                      best: inout EdgeKey, frontier: inout NodeQueue) {
        let q = s.points + t * dim
        let own = component[t], i = order[t]
        /// Whether a key `(w, min(i, j), max(i, j))` with `w >= bound` and `j >= lowest` can beat `best`.
        @inline(__always) func mayBeat(_ bound: Double, _ lowest: Int32) -> Bool {
            bound < best.weight || (bound == best.weight && EdgeKey(bound, i, lowest) < best)
        }
        frontier.removeAll()
        let rootBound = max(s.minSquaredDistance(q, 0).squareRoot(), coreT, minCore[0])
        frontier.push(rootBound, 0)
        while let (bound, node32) = frontier.pop() {
            let node = Int(node32)
            guard mayBeat(bound, minIndex[node]) else {
                if bound > best.weight { break } // every later node's bound is at least this one
                continue
            }
            if s.left[node] < 0 {
                for p in Int(s.start[node]) ..< Int(s.end[node]) where component[p] != own {
                    let w = max(s.squaredDistance(q, p).squareRoot(), coreT, core[p])
                    let key = EdgeKey(w, i, order[p])
                    if key < best { best = key }
                }
                continue
            }
            for child in [Int(s.left[node]), Int(s.right[node])] where nodeComponent[child] != own {
                let b = max(s.minSquaredDistance(q, child).squareRoot(), coreT, minCore[child])
                if mayBeat(b, minIndex[child]) { frontier.push(b, Int32(child)) }
            }
        }
    }
}

/// An edge and its Borůvka key `(weight, min end, max end)`, compared lexicographically.
struct EdgeKey: Comparable {
    var weight: Double
    /// Original indices, `a < b`; -1 for no edge.
    var a: Int32, b: Int32
    static let none = EdgeKey(weight: .infinity, a: -1, b: -1)
    init(weight: Double, a: Int32, b: Int32) { (self.weight, self.a, self.b) = (weight, a, b) }
    init(_ weight: Double, _ i: Int32, _ j: Int32) { (self.weight, a, b) = (weight, min(i, j), max(i, j)) }
    static func < (x: EdgeKey, y: EdgeKey) -> Bool {
        if x.a < 0 { return false }
        if y.a < 0 { return true }
        return (x.weight, x.a, x.b) < (y.weight, y.a, y.b)
    }
}

/// A binary min-heap of candidate edges keyed by `(weight, point, joined)`.
struct EdgeHeap {
    struct Entry {
        var weight: Double
        /// The point the edge reaches.
        var point: Int32
        /// Tie-breaker after the point (earlier wins).
        var joined: Int32
        /// The point it comes from.
        var from: Int32
        @inline(__always) static func < (a: Entry, b: Entry) -> Bool {
            (a.weight, a.point, a.joined) < (b.weight, b.point, b.joined)
        }
    }
    private var items: [Entry] = []

    mutating func push(_ e: Entry) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i] < items[parent] else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return top }
        items[0] = last
        var i = 0
        while true {
            let (l, r) = (2 * i + 1, 2 * i + 2)
            var smallest = i
            if l < items.count && items[l] < items[smallest] { smallest = l }
            if r < items.count && items[r] < items[smallest] { smallest = r }
            if smallest == i { break }
            items.swapAt(i, smallest)
            i = smallest
        }
        return top
    }
}
