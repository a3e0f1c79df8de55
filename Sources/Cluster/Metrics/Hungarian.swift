/// The assignment problem by the Hungarian algorithm (Kuhn-Munkres, O(n^3) with potentials).
enum Hungarian {
    /// For a `rows x columns` matrix of scores, the column matched to each row (-1 when there are
    /// more rows than columns) so that the sum of matched scores is as large as possible.
    static func maximise(_ scores: [[Int]]) -> [Int] {
        let rows = scores.count, columns = scores.first?.count ?? 0
        guard rows > 0, columns > 0 else { return [Int](repeating: -1, count: rows) }
        let size = max(rows, columns)
        let peak = scores.flatMap { $0 }.max() ?? 0
        // Minimise cost = peak - score on a square matrix padded with zero-score cells.
        var cost = [[Double]](repeating: [Double](repeating: Double(peak), count: size), count: size)
        for i in 0 ..< rows { for j in 0 ..< columns { cost[i][j] = Double(peak - scores[i][j]) } }
        var u = [Double](repeating: 0, count: size + 1), v = [Double](repeating: 0, count: size + 1)
        var p = [Int](repeating: 0, count: size + 1), way = [Int](repeating: 0, count: size + 1)
        for i in 1 ... size {
            p[0] = i
            var j0 = 0
            var minimum = [Double](repeating: .infinity, count: size + 1)
            var used = [Bool](repeating: false, count: size + 1)
            repeat {
                used[j0] = true
                let i0 = p[j0]
                var delta = Double.infinity, j1 = 0
                for j in 1 ... size where !used[j] {
                    let current = cost[i0 - 1][j - 1] - u[i0] - v[j]
                    if current < minimum[j] { minimum[j] = current; way[j] = j0 }
                    if minimum[j] < delta { delta = minimum[j]; j1 = j }
                }
                for j in 0 ... size {
                    if used[j] { u[p[j]] += delta; v[j] -= delta } else { minimum[j] -= delta }
                }
                j0 = j1
            } while p[j0] != 0
            repeat {
                let j1 = way[j0]
                p[j0] = p[j1]
                j0 = j1
            } while j0 != 0
        }
        var assignment = [Int](repeating: -1, count: rows)
        for j in 1 ... size where p[j] >= 1 && p[j] <= rows && j <= columns { assignment[p[j] - 1] = j - 1 }
        return assignment
    }
}
