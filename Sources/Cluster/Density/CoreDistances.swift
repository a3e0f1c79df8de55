import Backend

/// Core distances for the density methods: the Euclidean distance from each point to its
/// `k`-th nearest point, the point itself counted first (scikit-learn's `kneighbors(X, k)[:, -1]`,
/// so `k = 1` gives 0).
///
/// Candidates come from float32 distance blocks on the backend (`[block, n]` at a time, memory
/// O(block n)); every point whose float distance is within the GEMM's rounding bound of the k-th
/// smallest is then measured again in double precision on the host, so the result is the exact
/// double-precision k-th distance, not the float32 estimate.
///
/// With a `KDTree` (`index`: on the CPU backend in low dimensions, or forced) each point's k-th
/// distance comes from a tree search instead, summed in Double the same way: the same values.
enum CoreDistances {
    static func compute<B: ComputeBackend>(_ x: [Float], rows n: Int, dim d: Int, k: Int, backend: B,
                                           blockRows: Int? = nil, index: NeighbourIndex = .auto) throws -> [Double] {
        precondition(k >= 1 && k <= n, "CoreDistances: k \(k) for \(n) points")
        if index == .kdTree || (index == .auto && B.self == CPUBackend.self && index.usesTree(dim: d)) {
            return fromTree(KDTree(x, rows: n, dim: d), k: k)
        }
        let points = try backend.makeBuffer(x)
        let norms = try backend.makeBuffer(count: n)
        try backend.rowSquaredNorms(points, offset: 0, rows: n, cols: d, into: norms, outOffset: 0)
        let hostNorms = try backend.floats(norms)
        let largestNorm = Double(hostNorms.max() ?? 0)
        let block = max(1, min(n, blockRows ?? (32 << 20) / (4 * n)))
        let distances = try backend.makeBuffer(count: block * n)
        var core = [Double](repeating: 0, count: n)
        for start in stride(from: 0, to: n, by: block) {
            let rows = min(block, n - start)
            try backend.squaredDistances(x: points, xOffset: start * d, xNorms: norms, xNormsOffset: start, rows: rows,
                                         y: points, yNorms: norms, yRows: n, dim: d, into: distances)
            let values = try backend.floats(distances, offset: 0, count: rows * n)
            core.withUnsafeMutableBufferPointer { out in
                values.withUnsafeBufferPointer { v in
                    x.withUnsafeBufferPointer { p in
                        parallelFor(rows, grain: 1) { range in
                            var heap = BoundedMaxHeap(capacity: k)
                            var candidates: [Double] = []
                            for r in range {
                                let i = start + r
                                let row = v.baseAddress! + r * n
                                heap.clear()
                                for j in 0 ..< n { heap.insert(j == i ? 0 : row[j]) }
                                // |error| of |x|^2 + |y|^2 - 2 x.y in float32 is below ~ d * 2^-23 * (|x|^2 + |y|^2); 8x margin.
                                let slack = Float(8 * Double(d + 2) * 0x1p-23 * (Double(hostNorms[i]) + largestNorm))
                                let limit = heap.top + slack
                                candidates.removeAll(keepingCapacity: true)
                                for j in 0 ..< n where j == i || row[j] <= limit {
                                    var sum = 0.0
                                    for c in 0 ..< d { let t = Double(p[i * d + c]) - Double(p[j * d + c]); sum += t * t }
                                    candidates.append(sum)
                                }
                                candidates.sort()
                                out[i] = candidates[k - 1].squareRoot()
                            }
                        }
                    }
                }
            }
        }
        return core
    }
}

extension CoreDistances {
    /// Each point's `k`-th smallest distance (itself first) by tree search, across the cores.
    static func fromTree(_ tree: KDTree, k: Int) -> [Double] {
        var core = [Double](repeating: 0, count: tree.count)
        core.withUnsafeMutableBufferPointer { out in
            tree.points.withUnsafeBufferPointer { points in
                parallelFor(tree.count, grain: 256) { range in
                    var heap = DoubleMaxHeap(capacity: k)
                    for p in range {
                        let distance2 = tree.kthSmallestSquaredDistance(points.baseAddress! + p * tree.dim, k: k, heap: &heap)
                        out[Int(tree.order[p])] = distance2.squareRoot()
                    }
                }
            }
        }
        return core
    }
}

/// The `capacity` smallest values seen; `top` is the largest of them.
struct BoundedMaxHeap {
    let capacity: Int
    private var items: [Float] = []
    init(capacity: Int) { self.capacity = capacity; items.reserveCapacity(capacity) }

    var top: Float { items.first ?? .infinity }
    mutating func clear() { items.removeAll(keepingCapacity: true) }

    mutating func insert(_ value: Float) {
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
