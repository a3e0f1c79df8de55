import Backend

/// The mutual k-NN graph of Dalmia and Sia (2021), "Clustering with UMAP: why and how connectivity
/// matters": an edge `i -> j` of the k-NN graph is kept only when `j -> i` is one too, which cuts the
/// bridges that hubs and noise points build between clusters; a point left without any neighbour
/// but itself is reconnected to its nearest neighbour (their "adjacent neighbours" variant), so no
/// point is isolated. Rows keep their ascending order; removed entries become index -1 at
/// distance +infinity at the end of the row.
enum MutualNeighbours {
    static func graph(from g: NeighbourGraph) -> (graph: NeighbourGraph, kept: Int, reconnected: Int) {
        let n = g.rows, k = g.k
        var sets = [Set<Int32>](repeating: [], count: n)
        for i in 0 ..< n { sets[i] = Set(g.neighbours(of: i)) }
        var indices = [Int32](repeating: -1, count: n * k), distances = [Float](repeating: .infinity, count: n * k)
        var kept = 0, reconnected = 0
        for i in 0 ..< n {
            var slot = 0
            for q in 0 ..< k {
                let j = g.indices[i * k + q]
                guard j >= 0 else { continue }
                let isSelf = Int(j) == i
                guard isSelf || sets[Int(j)].contains(Int32(i)) else { continue }
                indices[i * k + slot] = j
                distances[i * k + slot] = g.distances[i * k + q]
                slot += 1
                if !isSelf { kept += 1 }
            }
            let others = (0 ..< slot).filter { Int(indices[i * k + $0]) != i }.count
            if others == 0, let nearest = (0 ..< k).first(where: { g.indices[i * k + $0] >= 0 && Int(g.indices[i * k + $0]) != i }) {
                indices[i * k + slot] = g.indices[i * k + nearest]
                distances[i * k + slot] = g.distances[i * k + nearest]
                reconnected += 1
            }
        }
        return (NeighbourGraph(rows: n, k: k, indices: indices, distances: distances), kept, reconnected)
    }
}
