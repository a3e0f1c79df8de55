/// A labelled matrix of numbers drawn as coloured cells (e.g. a confusion matrix): row labels on
/// the left, column labels above (numbered, with a key), each cell's value printed in it, and a
/// colour bar for the scale.
public struct Heatmap: Figure {
    public var title: String
    public var rowLabels: [String]
    public var values: [[Double]]
    public var map: ColorMap = .blues
    public var cell = 44
    public init(title: String, rowLabels: [String], values: [[Double]]) {
        precondition(values.count == rowLabels.count && values.allSatisfy { $0.count == values.first?.count }, "Heatmap: ragged values")
        (self.title, self.rowLabels, self.values) = (title, rowLabels, values)
    }

    private var columns: Int { values.first?.count ?? 0 }
    private var labelWidth: Int { (rowLabels.enumerated().map { Canvas.textWidth("\($0) \($1)", scale: 2) }.max() ?? 0) + 12 }
    public var width: Int { labelWidth + columns * cell + 90 }
    public var height: Int { 50 + values.count * cell + 20 }

    public func draw<S: DrawingSurface>(on canvas: inout S) {
        let top = 50, left = labelWidth
        canvas.drawText(title, x: 8, y: 8, scale: 2)
        let maxValue = max(1e-12, values.flatMap { $0 }.max() ?? 1)
        for c in 0 ..< columns { canvas.drawText("\(c)", x: left + c * cell + cell / 2 - 5, y: top - 18, scale: 2) }
        for (r, row) in values.enumerated() {
            canvas.drawText("\(r) \(rowLabels[r])", x: 6, y: top + r * cell + cell / 2 - 7, scale: 2)
            for (c, v) in row.enumerated() {
                let t = Float(v / maxValue)
                canvas.fill(x: left + c * cell, y: top + r * cell, width: cell - 1, height: cell - 1, color: map.color(t))
                let text = v == v.rounded() ? "\(Int(v))" : String(format: "%.2f", v)
                let textX: Int = left + c * cell + (cell - Canvas.textWidth(text)) / 2
                let textY: Int = top + r * cell + cell / 2 - 3
                let ink: RGB = t > 0.5 ? .white : .black
                canvas.drawText(text, x: textX, y: textY, scale: 1, color: ink)
            }
        }
        canvas.drawColorBar(x: left + columns * cell + 12, y: top, width: 14, height: values.count * cell, map: map,
                            low: "0", high: maxValue == maxValue.rounded() ? "\(Int(maxValue))" : String(format: "%.2f", maxValue))
    }
}

import Foundation
