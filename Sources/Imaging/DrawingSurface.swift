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
    /// A `w x h` grayscale image (values in [0, 1], 0 black), each pixel a `scale x scale` block.
    mutating func drawGray(_ values: ArraySlice<Float>, width w: Int, height h: Int, x: Int, y: Int, scale: Int)
    /// A raster image (gray, RGB or RGBA, alpha ignored) with its top-left corner at `(x, y)`.
    mutating func drawImage(_ raster: Raster, x: Int, y: Int)
}

extension Canvas: DrawingSurface {}

extension DrawingSurface {
    public mutating func drawText(_ text: String, x: Int, y: Int, scale: Int = 1) {
        drawText(text, x: x, y: y, scale: scale, color: .black)
    }

    /// Pixels drawn as one-pixel rectangles.
    public mutating func drawImage(_ raster: Raster, x: Int, y: Int) {
        let c = raster.channels
        for row in 0 ..< raster.height {
            for column in 0 ..< raster.width {
                let at = (row * raster.width + column) * c
                let color = c == 1 ? RGB(raster.pixels[at], raster.pixels[at], raster.pixels[at])
                    : RGB(raster.pixels[at], raster.pixels[at + 1], raster.pixels[at + 2])
                fill(x: x + column, y: y + row, width: 1, height: 1, color: color)
            }
        }
    }

    /// Pixel blocks drawn as filled rectangles (vector surfaces).
    public mutating func drawGray(_ values: ArraySlice<Float>, width w: Int, height h: Int, x: Int, y: Int, scale: Int) {
        precondition(values.count == w * h, "drawGray: \(values.count) values for \(w)x\(h)")
        for row in 0 ..< h {
            for column in 0 ..< w {
                let v = Raster.byte(values[values.startIndex + row * w + column])
                fill(x: x + column * scale, y: y + row * scale, width: scale, height: scale, color: RGB(v, v, v))
            }
        }
    }

    /// A vertical colour bar (`low` at the bottom, `high` at the top) with its two end values labelled
    /// to the right.
    public mutating func drawColorBar(x: Int, y: Int, width w: Int, height h: Int, map: ColorMap,
                                      low: String, high: String, scale: Int = 1) {
        for row in 0 ..< h {
            let t = h == 1 ? 1 : Float(h - 1 - row) / Float(h - 1)
            fill(x: x, y: y + row, width: w, height: 1, color: map.color(t))
        }
        drawText(high, x: x + w + 3 * scale, y: y, scale: scale)
        drawText(low, x: x + w + 3 * scale, y: y + h - BitmapFont.glyphHeight * scale, scale: scale)
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
