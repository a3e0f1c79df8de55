/// A 2-D scatter of many points coloured by a label (a class or a cluster), legible at 70,000
/// points: small discs blended with low opacity, drawn in point order (so classes interleave and
/// none is always on top), noise (label -1) in light grey underneath or left out (`showNoise`),
/// a legend naming each label with its count. Both axes share one scale, so distances look true.
public struct ScatterChart: Figure {
    public var title: String
    /// `[n, 2]` coordinates.
    public var points: [Float]
    public var labels: [Int]
    /// Legend names by label (`names[label]`); missing names print the number.
    public var names: [String]
    public var showNoise = true
    public var plotSize = 720
    public var dotRadius: Double
    public var opacity: Double

    public init(title: String, points: [Float], labels: [Int], names: [String] = []) {
        precondition(points.count == 2 * labels.count, "ScatterChart: \(points.count) coordinates for \(labels.count) labels")
        (self.title, self.points, self.labels, self.names) = (title, points, labels, names)
        // Fewer points, bigger and more opaque dots.
        let n = Double(max(1, labels.count))
        dotRadius = n > 20_000 ? 1.1 : n > 2_000 ? 1.6 : 2.5
        opacity = n > 20_000 ? 0.35 : n > 2_000 ? 0.6 : 0.85
    }

    private var legendEntries: [(label: Int, count: Int)] {
        var counts: [Int: Int] = [:]
        for l in labels where l >= 0 || showNoise { counts[l, default: 0] += 1 }
        return counts.sorted { ($0.key < 0 ? Int.max : $0.key) < ($1.key < 0 ? Int.max : $1.key) }.map { ($0.key, $0.value) }
    }

    private func name(_ label: Int) -> String {
        label < 0 ? "noise" : label < names.count ? names[label] : "cluster \(label)"
    }

    private var legendWidth: Int { (legendEntries.map { Canvas.textWidth("\(name($0.label)) (\($0.count))", scale: 1) }.max() ?? 0) + 40 }
    public var width: Int { plotSize + 2 * 20 + legendWidth }
    public var height: Int { plotSize + 20 + 40 }

    public static func color(_ label: Int) -> RGB { label < 0 ? RGB(190, 190, 190) : RGB.categorical[label % RGB.categorical.count] }

    public func draw<S: DrawingSurface>(on surface: inout S) {
        let top = 40, left = 20
        surface.drawText(title, x: left, y: 12, scale: 2)
        var xs = (Float.infinity, -Float.infinity), ys = (Float.infinity, -Float.infinity)
        for i in 0 ..< labels.count where labels[i] >= 0 || showNoise {
            xs = (min(xs.0, points[2 * i]), max(xs.1, points[2 * i]))
            ys = (min(ys.0, points[2 * i + 1]), max(ys.1, points[2 * i + 1]))
        }
        let span = Double(max(xs.1 - xs.0, ys.1 - ys.0, 1e-12))
        let inner = Double(plotSize) - 2 * dotRadius - 4
        let offset = (Double(plotSize) - inner) / 2
        func place(_ i: Int) -> (Double, Double) {
            (Double(left) + offset + (Double(points[2 * i] - xs.0) / span) * inner,
             Double(top) + offset + (1 - Double(points[2 * i + 1] - ys.0) / span) * inner)
        }
        surface.drawLine(from: (left, top), to: (left + plotSize, top), color: .lightGray)
        surface.drawLine(from: (left, top + plotSize), to: (left + plotSize, top + plotSize), color: .lightGray)
        surface.drawLine(from: (left, top), to: (left, top + plotSize), color: .lightGray)
        surface.drawLine(from: (left + plotSize, top), to: (left + plotSize, top + plotSize), color: .lightGray)
        if showNoise {
            for i in 0 ..< labels.count where labels[i] < 0 {
                let (x, y) = place(i)
                surface.drawDot(x: x, y: y, radius: dotRadius, color: Self.color(-1), opacity: opacity)
            }
        }
        for i in 0 ..< labels.count where labels[i] >= 0 {
            let (x, y) = place(i)
            surface.drawDot(x: x, y: y, radius: dotRadius, color: Self.color(labels[i]), opacity: opacity)
        }
        let legendX = left + plotSize + 20
        for (row, entry) in legendEntries.enumerated() {
            let y = top + 8 + row * 16
            surface.fill(x: legendX, y: y, width: 10, height: 10, color: Self.color(entry.label))
            surface.drawText("\(name(entry.label)) (\(entry.count))", x: legendX + 16, y: y + 1, scale: 1)
        }
    }
}
