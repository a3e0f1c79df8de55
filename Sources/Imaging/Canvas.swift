/// An RGB drawing surface for figures: filled rectangles, scaled grayscale images, text in the
/// 5x7 bitmap font, and colour bars. Coordinates are pixels from the top-left corner; anything
/// drawn outside the canvas is clipped.
public struct Canvas {
    public private(set) var raster: Raster
    public var width: Int { raster.width }
    public var height: Int { raster.height }

    public init(width: Int, height: Int, background: RGB = .white) {
        raster = Raster(width: width, height: height, channels: 3)
        fill(x: 0, y: 0, width: width, height: height, color: background)
    }

    public mutating func set(x: Int, y: Int, _ color: RGB) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let at = (y * width + x) * 3
        raster.pixels[at] = color.r
        raster.pixels[at + 1] = color.g
        raster.pixels[at + 2] = color.b
    }

    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: RGB) {
        let (x0, x1, y0, y1) = (max(0, x), min(width, x + w), max(0, y), min(height, y + h))
        guard x0 < x1, y0 < y1 else { return }
        for row in y0 ..< y1 {
            for column in x0 ..< x1 { set(x: column, y: row, color) }
        }
    }

    /// Draws a `w x h` grayscale image (values in [0, 1], 0 black) with each pixel a `scale x scale` block.
    public mutating func drawGray(_ values: ArraySlice<Float>, width w: Int, height h: Int, x: Int, y: Int, scale: Int = 1) {
        precondition(values.count == w * h, "drawGray: \(values.count) values for \(w)x\(h)")
        let base = values.startIndex
        for row in 0 ..< h {
            for column in 0 ..< w {
                let v = Raster.byte(values[base + row * w + column])
                fill(x: x + column * scale, y: y + row * scale, width: scale, height: scale, color: RGB(v, v, v))
            }
        }
    }

    /// Draws `text` with its top-left corner at (x, y), each font pixel a `scale x scale` block.
    /// A disc blended over the canvas: each pixel whose centre lies within `radius` of `(x, y)`
    /// becomes `(1 - opacity) old + opacity color`.
    public mutating func drawDot(x: Double, y: Double, radius: Double, color: RGB, opacity: Double) {
        let r = max(0.5, radius), o = min(1, max(0, opacity))
        for py in Int((y - r).rounded(.down)) ... Int((y + r).rounded(.up)) where py >= 0 && py < height {
            for px in Int((x - r).rounded(.down)) ... Int((x + r).rounded(.up)) where px >= 0 && px < width {
                let (dx, dy) = (Double(px) + 0.5 - x, Double(py) + 0.5 - y)
                guard dx * dx + dy * dy <= r * r else { continue }
                let i = (py * width + px) * 3
                func blend(_ old: UInt8, _ new: UInt8) -> UInt8 { UInt8((Double(old) * (1 - o) + Double(new) * o).rounded()) }
                raster.pixels[i] = blend(raster.pixels[i], color.r)
                raster.pixels[i + 1] = blend(raster.pixels[i + 1], color.g)
                raster.pixels[i + 2] = blend(raster.pixels[i + 2], color.b)
            }
        }
    }

    public mutating func drawText(_ text: String, x: Int, y: Int, scale: Int = 1, color: RGB = .black) {
        var cursor = x
        for character in text {
            let rows = BitmapFont.rows(character)
            for (r, bits) in rows.enumerated() {
                for c in 0 ..< BitmapFont.glyphWidth where bits & (1 << (BitmapFont.glyphWidth - 1 - c)) != 0 {
                    fill(x: cursor + c * scale, y: y + r * scale, width: scale, height: scale, color: color)
                }
            }
            cursor += BitmapFont.advance * scale
        }
    }

    /// Width in pixels of `text` drawn at `scale`.
    public static func textWidth(_ text: String, scale: Int = 1) -> Int { BitmapFont.width(text) * scale }

}

/// An 8-bit RGB colour.
public struct RGB: Equatable, Sendable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { (self.r, self.g, self.b) = (r, g, b) }
    public static let white = RGB(255, 255, 255)
    public static let black = RGB(0, 0, 0)
    public static let gray = RGB(128, 128, 128)
    public static let lightGray = RGB(220, 220, 220)

    /// Ten distinct colours for categorical plots (one per Fashion-MNIST class).
    public static let categorical: [RGB] = [
        RGB(31, 119, 180), RGB(255, 127, 14), RGB(44, 160, 44), RGB(214, 39, 40), RGB(148, 103, 189),
        RGB(140, 86, 75), RGB(227, 119, 194), RGB(127, 127, 127), RGB(188, 189, 34), RGB(23, 190, 207),
    ]
}

/// A continuous colour map: `color(t)` for `t` in [0, 1], interpolated linearly between anchors.
public struct ColorMap: Sendable {
    public let anchors: [RGB]
    public init(anchors: [RGB]) { precondition(anchors.count >= 2); self.anchors = anchors }

    public func color(_ t: Float) -> RGB {
        let u = max(0, min(1, t.isFinite ? t : 0)) * Float(anchors.count - 1)
        let i = min(anchors.count - 2, Int(u))
        let f = u - Float(i)
        let (a, b) = (anchors[i], anchors[i + 1])
        let mix = { (p: UInt8, q: UInt8) in UInt8((Float(p) + (Float(q) - Float(p)) * f).rounded()) }
        return RGB(mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b))
    }

    /// Dark blue through green to yellow (anchors sampled from the viridis ramp).
    public static let viridis = ColorMap(anchors: [RGB(68, 1, 84), RGB(59, 82, 139), RGB(33, 145, 140),
                                                    RGB(94, 201, 98), RGB(253, 231, 37)])
    /// White to dark blue, for counts such as confusion matrices.
    public static let blues = ColorMap(anchors: [RGB(247, 251, 255), RGB(107, 174, 214), RGB(8, 48, 107)])
}
