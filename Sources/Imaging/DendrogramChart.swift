/// A dendrogram of a SciPy-form merge tree truncated to its last `leaves - 1` merges (SciPy's
/// `truncate_mode="lastp"`): each leaf is a cluster that exists after the first `n - leaves`
/// merges, drawn at height 0 and captioned with its size and, when given, a caption such as its
/// majority class. Merges are U shapes at their heights; children are drawn left before right.
public struct DendrogramChart: Figure {
    public var title: String
    /// Points in the tree (`n`); cluster ids `>= n` name merges as in SciPy.
    public var points: Int
    /// `(left, right, height, size)` per merge, heights non-decreasing.
    public var merges: [(left: Int, right: Int, height: Double, size: Int)]
    public var leaves: Int
    /// Extra caption per leaf cluster id (e.g. its majority class).
    public var captions: [Int: String]
    public var color = RGB.categorical[0]

    public init(title: String, points: Int, merges: [(left: Int, right: Int, height: Double, size: Int)], leaves: Int,
                captions: [Int: String] = [:]) {
        precondition(merges.count == max(0, points - 1), "DendrogramChart: \(merges.count) merges for \(points) points")
        (self.title, self.points, self.merges, self.leaves, self.captions) = (title, points, merges, max(1, min(leaves, points)), captions)
    }

    /// Leaf cluster ids, left to right.
    public var leafOrder: [Int] {
        guard points > 1 else { return [0] }
        let firstShown = points + (points - leaves) // merges with ids at or above this are drawn
        var order: [Int] = [], stack = [2 * points - 2]
        while let id = stack.popLast() {
            if id < firstShown { order.append(id); continue }
            let m = merges[id - points]
            stack.append(m.right)
            stack.append(m.left)
        }
        return order
    }

    static let leafSpacing = 48, left = 80, top = 40, bottomMargin = 40

    public var width: Int { Self.left + leaves * Self.leafSpacing + 20 }
    public var height: Int { 420 }

    public func draw<S: DrawingSurface>(on canvas: inout S) {
        canvas.drawText(title, x: 10, y: 8, scale: 2)
        let order = leafOrder
        let bottom = height - Self.bottomMargin
        let maxHeight = points > 1 ? max(merges.last!.height, 1e-12) : 1
        let py = { (h: Double) in bottom - Int((h / maxHeight) * Double(bottom - Self.top)) }
        // Axis with three ticks.
        canvas.fill(x: Self.left - 10, y: Self.top, width: 1, height: bottom - Self.top + 1, color: .black)
        for h in [0, maxHeight / 2, maxHeight] {
            let label = LineChart.format(h)
            canvas.fill(x: Self.left - 14, y: py(h), width: 4, height: 1, color: .black)
            canvas.drawText(label, x: Self.left - 16 - Canvas.textWidth(label), y: py(h) - 3, scale: 1)
        }
        var x: [Int: Int] = [:], y: [Int: Int] = [:]
        for (i, id) in order.enumerated() {
            let cx = Self.left + i * Self.leafSpacing + Self.leafSpacing / 2
            (x[id], y[id]) = (cx, bottom)
            let size = id < points ? 1 : merges[id - points].size
            let lines = [captions[id].map { String($0.prefix(7)) }, "(\(size))"].compactMap { $0 }
            for (row, line) in lines.enumerated() {
                canvas.drawText(line, x: cx - Canvas.textWidth(line) / 2, y: bottom + 6 + row * 10, scale: 1)
            }
        }
        guard points > 1 else { return }
        for i in (points - leaves) ..< (points - 1) {
            let m = merges[i], id = points + i
            let (xl, yl, xr, yr) = (x[m.left]!, y[m.left]!, x[m.right]!, y[m.right]!)
            let level = py(m.height)
            canvas.drawLine(from: (xl, yl), to: (xl, level), color: color)
            canvas.drawLine(from: (xl, level), to: (xr, level), color: color)
            canvas.drawLine(from: (xr, level), to: (xr, yr), color: color)
            (x[id], y[id]) = ((xl + xr) / 2, level)
        }
    }
}
