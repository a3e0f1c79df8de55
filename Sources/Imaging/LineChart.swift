/// A line chart of one series over integer x values (e.g. inertia against k), with axis ticks,
/// dots at the points and the values' range on the y axis.
public struct LineChart: Figure {
    public var title: String
    public var xLabel: String
    public var points: [(x: Int, y: Double)]
    public var color = RGB.categorical[0]
    public var width = 560, height = 300

    public init(title: String, xLabel: String, points: [(x: Int, y: Double)]) {
        (self.title, self.xLabel, self.points) = (title, xLabel, points)
    }

    public func draw<S: DrawingSurface>(on canvas: inout S) {
        canvas.drawText(title, x: 10, y: 8, scale: 2)
        guard let first = points.first else { return }
        let (left, right, top, bottom) = (80, width - 20, 36, height - 40)
        let xs = points.map(\.x), ys = points.map(\.y).filter(\.isFinite)
        let (xMin, xMax) = (xs.min()!, max(xs.max()!, first.x + 1))
        var (yMin, yMax) = (ys.min() ?? 0, ys.max() ?? 1)
        if yMax == yMin { yMin -= 1; yMax += 1 }
        let px = { (x: Int) in left + (x - xMin) * (right - left) / (xMax - xMin) }
        let py = { (y: Double) in bottom - Int((y - yMin) / (yMax - yMin) * Double(bottom - top)) }
        canvas.fill(x: left, y: top, width: 1, height: bottom - top + 1, color: .black)
        canvas.fill(x: left, y: bottom, width: right - left + 1, height: 1, color: .black)
        for y in [yMin, (yMin + yMax) / 2, yMax] {
            let label = Self.format(y)
            canvas.fill(x: left + 1, y: py(y), width: right - left, height: 1, color: .lightGray)
            canvas.drawText(label, x: left - 6 - Canvas.textWidth(label), y: py(y) - 3, scale: 1)
        }
        for x in xs {
            canvas.fill(x: px(x), y: bottom, width: 1, height: 4, color: .black)
            canvas.drawText("\(x)", x: px(x) - Canvas.textWidth("\(x)") / 2, y: bottom + 7, scale: 1)
        }
        canvas.drawText(xLabel, x: (left + right) / 2 - Canvas.textWidth(xLabel), y: bottom + 20, scale: 2)
        let finite = points.filter { $0.y.isFinite }
        for (a, b) in zip(finite, finite.dropFirst()) { canvas.drawLine(from: (px(a.x), py(a.y)), to: (px(b.x), py(b.y)), color: color) }
        for p in finite { canvas.fill(x: px(p.x) - 2, y: py(p.y) - 2, width: 5, height: 5, color: color) }
    }

    static func format(_ v: Double) -> String {
        let magnitude = abs(v)
        if magnitude >= 1e4 || (magnitude < 1e-2 && v != 0) { return String(format: "%.2e", v) }
        return String(format: magnitude >= 100 ? "%.0f" : "%.3f", v)
    }
}

extension Canvas {
    /// A one-pixel line (Bresenham).
    public mutating func drawLine(from a: (Int, Int), to b: (Int, Int), color: RGB) {
        var (x0, y0) = a
        let (x1, y1) = b
        let (dx, dy) = (abs(x1 - x0), -abs(y1 - y0))
        let (sx, sy) = (x0 < x1 ? 1 : -1, y0 < y1 ? 1 : -1)
        var error = dx + dy
        while true {
            set(x: x0, y: y0, color)
            if x0 == x1 && y0 == y1 { break }
            let e2 = 2 * error
            if e2 >= dy { error += dy; x0 += sx }
            if e2 <= dx { error += dx; y0 += sy }
        }
    }
}

import Foundation
