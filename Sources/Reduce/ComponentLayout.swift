import Dataset
import Foundation

/// UMAP's start for a graph of several connected components (umap-learn's
/// `multi_component_layout` and `component_layout`): each component's own spectral layout, placed
/// around its component's position in a layout of the components.
///
/// - Components are numbered in the order of their lowest point (as SciPy's `connected_components`).
/// - The components' layout: with more than `2 dims` components, the spectral embedding
///   (scikit-learn's `SpectralEmbedding(affinity="precomputed")`: the eigenvectors of the
///   normalised Laplacian of `A = exp(-D^2)` — `D` the distances between the components' centroids
///   in the input, by the UMAP metric, the diagonal ignored — with the second to `dims + 1`-th
///   smallest eigenvalues, each divided by `sqrt(degree)` and its sign set so that its largest
///   magnitude is positive), divided by its largest entry; with fewer, the corners `±e_1 ... ±e_k`
///   (`k = ceil(components / 2)`) in that order.
/// - A component of `s` points sits in a cube of half-side `r` (half the distance from its corner to
///   the nearest other one) around its corner: its spectral layout (`SpectralLayout`) scaled to at
///   most `r`, or uniform random points when `s < 2 dims` or `s <= dims + 1` (and when the
///   spectral layout has too few points, `s <= dims + 5`).
enum ComponentLayout {
    /// Each point's component (`0 ..< count`, numbered by lowest point) and the number of components.
    static func components(_ set: FuzzySimplicialSet) -> (labels: [Int32], count: Int) {
        var labels = [Int32](repeating: -1, count: set.count)
        var count: Int32 = 0
        for root in 0 ..< set.count where labels[root] < 0 {
            labels[root] = count
            var stack = [root]
            while let i = stack.popLast() {
                for e in set.rowStart[i] ..< set.rowStart[i + 1] where labels[Int(set.columns[e])] < 0 {
                    labels[Int(set.columns[e])] = count
                    stack.append(Int(set.columns[e]))
                }
            }
            count += 1
        }
        return (labels, Int(count))
    }

    /// The start `[n, dims]` of the set's points `x [n, d]` whose graph has `components` (from
    /// `components`, at least 2).
    static func layout(_ set: FuzzySimplicialSet, components: (labels: [Int32], count: Int), x: [Float], dim d: Int,
                       metric: UMAP.Metric, dims: Int, seed: UInt64) throws -> [Float] {
        let (labels, count) = components
        precondition(count >= 2, "ComponentLayout: \(count) component")
        let meta = count > 2 * dims ? try centroidLayout(labels: labels, count: count, x: x, dim: d, metric: metric, dims: dims)
                                    : corners(count: count, dims: dims)
        var members = [[Int32]](repeating: [], count: count)
        for (i, c) in labels.enumerated() { members[Int(c)].append(Int32(i)) }
        var rng = SplitMix64(seed: seed ^ 0xC0A7_0E17)
        var out = [Float](repeating: 0, count: set.count * dims)
        for c in 0 ..< count {
            var nearest = Double.infinity
            for o in 0 ..< count where o != c {
                var s = 0.0
                for t in 0 ..< dims { let v = meta[c * dims + t] - meta[o * dims + t]; s += v * v }
                if s > 0 { nearest = min(nearest, s.squareRoot()) }
            }
            let range = nearest.isFinite ? nearest / 2 : 1
            let size = members[c].count
            var local: [Float]?
            if size >= 2 * dims && size > dims + 1 {
                local = try SpectralLayout.compute(set.selecting(members[c]), dims: dims, seed: seed &+ UInt64(c))
            }
            let largest = local.map { Double($0.map(abs).max() ?? 0) } ?? 0
            for (r, i) in members[c].enumerated() {
                for t in 0 ..< dims {
                    let offset = local.map { largest > 0 ? Double($0[r * dims + t]) * range / largest : 0 }
                        ?? (Double(rng.next() >> 11) / Double(1 << 53) * 2 - 1) * range
                    out[Int(i) * dims + t] = Float(meta[c * dims + t] + offset)
                }
            }
        }
        return out
    }

    /// umap-learn's placement of a few components: `e_1, ..., e_k, -e_1, ..., -e_k`, the first `count`.
    static func corners(count: Int, dims: Int) -> [Double] {
        let k = (count + 1) / 2
        var out = [Double](repeating: 0, count: count * dims)
        for c in 0 ..< count { out[c * dims + c % k] = c < k ? 1 : -1 }
        return out
    }

    /// The spectral embedding of the components' centroids (`component_layout`), `[count, dims]`.
    static func centroidLayout(labels: [Int32], count: Int, x: [Float], dim d: Int, metric: UMAP.Metric, dims: Int) throws -> [Double] {
        var centroids = [Double](repeating: 0, count: count * d), sizes = [Double](repeating: 0, count: count)
        for (i, c) in labels.enumerated() {
            sizes[Int(c)] += 1
            for t in 0 ..< d { centroids[Int(c) * d + t] += Double(x[i * d + t]) }
        }
        for c in 0 ..< count { for t in 0 ..< d { centroids[c * d + t] /= sizes[c] } }
        // Affinities exp(-D^2) between centroids, the diagonal ignored (SciPy's normed Laplacian).
        var affinity = [Double](repeating: 0, count: count * count)
        for a in 0 ..< count {
            for b in 0 ..< count where b != a {
                var distance: Double
                switch metric {
                case .euclidean:
                    distance = 0
                    for t in 0 ..< d { let v = centroids[a * d + t] - centroids[b * d + t]; distance += v * v }
                    distance = distance.squareRoot()
                case .cosine:
                    var (dot, na, nb) = (0.0, 0.0, 0.0)
                    for t in 0 ..< d {
                        dot += centroids[a * d + t] * centroids[b * d + t]
                        na += centroids[a * d + t] * centroids[a * d + t]
                        nb += centroids[b * d + t] * centroids[b * d + t]
                    }
                    distance = na > 0 && nb > 0 ? max(0, 1 - dot / (na * nb).squareRoot()) : (na == nb ? 0 : 1)
                }
                affinity[a * count + b] = exp(-distance * distance)
            }
        }
        // Points without affinity (every exp underflowed) count as degree 1, as SciPy's isolated nodes.
        let root = (0 ..< count).map { a -> Double in
            let degree = (0 ..< count).reduce(0.0) { $0 + affinity[a * count + $1] }
            return degree > 0 ? degree.squareRoot() : 1
        }
        // Smallest eigenvalues of L = I - D^-1/2 A D^-1/2 = largest of D^-1/2 A D^-1/2.
        var normalised = affinity
        for a in 0 ..< count { for b in 0 ..< count { normalised[a * count + b] /= root[a] * root[b] } }
        let wanted = min(dims + 1, count)
        let (vectors, _) = try PCA.largestEigenpairs(normalised, order: count, count: wanted)
        var out = [Double](repeating: 0, count: count * dims)
        for axis in 0 ..< dims where axis + 1 < wanted {
            var v = (0 ..< count).map { vectors[(axis + 1) * count + $0] / root[$0] }
            // scikit-learn's deterministic sign: the entry of largest magnitude positive.
            let top = v.indices.max { abs(v[$0]) < abs(v[$1]) }!
            if v[top] < 0 { v = v.map { -$0 } }
            for c in 0 ..< count { out[c * dims + axis] = v[c] }
        }
        let largest = out.max() ?? 1
        return largest > 0 ? out.map { $0 / largest } : out
    }
}
