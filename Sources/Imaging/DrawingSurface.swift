/// What a chart draws on: a raster `Canvas` (PNG) or an `SVGDocument` (vector), so one layout
/// gives both formats. Coordinates are pixels from the top-left corner; text is placed by its
/// top-left corner in the 5x7 bitmap font's metrics (`Canvas.textWidth`).
public protocol DrawingSurface {
    var width: Int { get }
    var height: Int { get }
    mutating func fill(x: Int, y: Int, width: Int, height: Int, color: RGB)
    mutating func drawLine(from a: (Int, Int), to b: (Int, Int), color: RGB)
    mutating func drawText(_ text: String, x: Int, y: Int, scale: Int, color: RGB)
    /// A filled disc centred at `(x, y)`, blended over what is there with `opacity` in (0, 1].
    mutating func drawDot(x: Double, y: Double, radius: Double, color: RGB, opacity: Double)
}

extension Canvas: DrawingSurface {}

extension DrawingSurface {
    public mutating func drawText(_ text: String, x: Int, y: Int, scale: Int = 1) {
        drawText(text, x: x, y: y, scale: scale, color: .black)
    }
}

/// A chart laid out once for any `DrawingSurface`: `render()` rasterises it (PNG), `svg()` writes
/// the same drawing as vector graphics.
public protocol Figure {
    var width: Int { get }
    var height: Int { get }
    func draw<S: DrawingSurface>(on surface: inout S)
}

extension Figure {
    public func render() -> Raster {
        var canvas = Canvas(width: width, height: height)
        draw(on: &canvas)
        return canvas.raster
    }

    public func svg() -> SVGDocument {
        var document = SVGDocument(width: width, height: height)
        draw(on: &document)
        return document
    }
}
