/// What a chart draws on: a raster `Canvas` (PNG) or an `SVGDocument` (vector), so one layout
/// gives both formats. Coordinates are pixels from the top-left corner; text is placed by its
/// top-left corner in the 5x7 bitmap font's metrics (`Canvas.textWidth`).
public protocol DrawingSurface {
    var width: Int { get }
    var height: Int { get }
    mutating func fill(x: Int, y: Int, width: Int, height: Int, color: RGB)
    mutating func drawLine(from a: (Int, Int), to b: (Int, Int), color: RGB)
    mutating func drawText(_ text: String, x: Int, y: Int, scale: Int, color: RGB)
}

extension Canvas: DrawingSurface {}

extension DrawingSurface {
    public mutating func drawText(_ text: String, x: Int, y: Int, scale: Int = 1) {
        drawText(text, x: x, y: y, scale: scale, color: .black)
    }
}
