/// A grouped bar chart: for each category (x axis) one bar per series, with a legend, value axis
/// ticks and category labels written vertically-stacked under each group when they are long.
public struct BarChart: Figure {
    public var title: String
    public var categories: [String]
    /// Series name and one value per category.
    public var series: [(name: String, values: [Double])]
    public var textScale = 2

    public init(title: String, categories: [String], series: [(name: String, values: [Double])]) {
        precondition(series.allSatisfy { $0.values.count == categories.count }, "BarChart: a series does not have one value per category")
        (self.title, self.categories, self.series) = (title, categories, series)
    }

    private var glyph: Int { BitmapFont.glyphHeight * textScale }
    private var barWidth: Int { 12 }
    private var groupGap: Int { 24 }
    private var groupWidth: Int { max(1, series.count) * barWidth + groupGap }
    private var plotHeight: Int { 300 }
    private var plotTop: Int { glyph * 2 + 30 }
    /// The value axis: its top value and tick step.
    private var axis: (top: Double, step: Double) {
        let maxValue = max(1, series.flatMap(\.values).max() ?? 1)
        let step = niceStep(maxValue / 5)
        return (niceCeil(maxValue, step: step), step)
    }
    private var left: Int { Canvas.textWidth(format(axis.top), scale: textScale) + 18 }
    private var labelLines: [[String]] { categories.map { wrap($0) } }

    public var width: Int {
        let legendWidth = (series.map { Canvas.textWidth($0.name, scale: textScale) }.max() ?? 0) + 40
        return left + categories.count * groupWidth + legendWidth + 20
    }
    public var height: Int { plotTop + plotHeight + 12 + (labelLines.map(\.count).max() ?? 1) * (glyph + 4) + 10 }

    public func draw<S: DrawingSurface>(on canvas: inout S) {
        let s = textScale
        let (top, step) = axis
        let labelLines = self.labelLines
        canvas.drawText(title, x: 10, y: 10, scale: s)
        // Value axis with gridlines.
        var tick = 0.0
        while tick <= top + step / 2 {
            let y = plotTop + plotHeight - Int((tick / top) * Double(plotHeight))
            canvas.fill(x: left, y: y, width: categories.count * groupWidth, height: 1, color: .lightGray)
            canvas.drawText(format(tick), x: left - 6 - Canvas.textWidth(format(tick), scale: s), y: y - glyph / 2, scale: s)
            tick += step
        }
        canvas.fill(x: left, y: plotTop, width: 1, height: plotHeight + 1, color: .black)
        canvas.fill(x: left, y: plotTop + plotHeight, width: categories.count * groupWidth, height: 1, color: .black)
        for (c, lines) in labelLines.enumerated() {
            let groupX = left + c * groupWidth + groupGap / 2
            for (k, entry) in series.enumerated() {
                let barHeight = Int((entry.values[c] / top) * Double(plotHeight))
                canvas.fill(x: groupX + k * barWidth, y: plotTop + plotHeight - barHeight, width: barWidth - 1, height: barHeight,
                            color: RGB.categorical[k % RGB.categorical.count])
            }
            for (l, line) in lines.enumerated() {
                let textWidth = Canvas.textWidth(line, scale: 1)
                canvas.drawText(line, x: groupX + (groupWidth - groupGap - textWidth) / 2, y: plotTop + plotHeight + 8 + l * (BitmapFont.glyphHeight + 4))
            }
        }
        let legendX = left + categories.count * groupWidth + 16
        for (k, entry) in series.enumerated() {
            let y = plotTop + k * (glyph + 8)
            canvas.fill(x: legendX, y: y, width: glyph, height: glyph, color: RGB.categorical[k % RGB.categorical.count])
            canvas.drawText(entry.name, x: legendX + glyph + 6, y: y, scale: s)
        }
    }

    /// Category labels split at spaces and slashes into lines of at most 8 characters.
    private func wrap(_ text: String) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true).flatMap({ $0.split(separator: "/").map(String.init) }) {
            if current.isEmpty { current = word } else if current.count + 1 + word.count <= 8 { current += " " + word } else {
                lines.append(current); current = word
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines.isEmpty ? [""] : lines
    }

    private func format(_ value: Double) -> String {
        value >= 1000 && value.truncatingRemainder(dividingBy: 1000) == 0 ? "\(Int(value / 1000))k" : "\(Int(value))"
    }
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
public func niceStep(_ raw: Double) -> Double {
    guard raw > 0 else { return 1 }
    var power = 1.0
    while power * 10 <= raw { power *= 10 }
    while power > raw { power /= 10 }
    for factor in [1.0, 2.0, 5.0, 10.0] where factor * power >= raw { return factor * power }
    return 10 * power
}

/// The smallest multiple of `step` at least `value`.
public func niceCeil(_ value: Double, step: Double) -> Double { (value / step).rounded(.up) * step }
