import Dataset
import Foundation

/// A minimal SVG 1.1 writer for charts: rectangles, lines and monospace text sized to the bitmap
/// font's metrics, so a chart laid out for `Canvas` looks the same as a vector file.
public struct SVGDocument: DrawingSurface {
    public let width: Int, height: Int
    private var elements: [String] = []

    public init(width: Int, height: Int, background: RGB = .white) {
        (self.width, self.height) = (width, height)
        fill(x: 0, y: 0, width: width, height: height, color: background)
    }

    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: RGB) {
        elements.append("<rect x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"\(h)\" fill=\"\(color.hex)\"/>")
    }

    public mutating func drawLine(from a: (Int, Int), to b: (Int, Int), color: RGB) {
        elements.append("<line x1=\"\(a.0)\" y1=\"\(a.1)\" x2=\"\(b.0)\" y2=\"\(b.1)\" stroke=\"\(color.hex)\" stroke-width=\"1\"/>")
    }

    public mutating func drawDot(x: Double, y: Double, radius: Double, color: RGB, opacity: Double) {
        elements.append(String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.2g\" fill=\"%@\" fill-opacity=\"%.2g\"/>",
                               x, y, radius, color.hex, opacity))
    }

    public mutating func drawText(_ text: String, x: Int, y: Int, scale: Int, color: RGB) {
        // The bitmap font is 5x7 on a 6-pixel advance: a monospace font of size 10*scale/1.0 has
        // about that advance; the baseline sits at the glyph's bottom row.
        let size = 10 * scale
        elements.append("<text x=\"\(x)\" y=\(quoted(y + 7 * scale)) font-family=\"monospace\" font-size=\"\(size)\" "
            + "textLength=\"\(Canvas.textWidth(text, scale: scale))\" fill=\"\(color.hex)\">\(Self.escape(text))</text>")
    }

    /// The document as text.
    public var text: String {
        (["<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
          "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">"]
            + elements + ["</svg>", ""]).joined(separator: "\n")
    }

    /// Writes the document atomically.
    public func write(to path: String) throws {
        try AtomicFile.write(Data(text.utf8), to: path)
    }

    private func quoted(_ v: Int) -> String { "\"\(v)\"" }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

extension RGB {
    /// `#rrggbb`.
    public var hex: String { String(format: "#%02x%02x%02x", r, g, b) }
}
