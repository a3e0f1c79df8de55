import CCairo
import Dataset
import Foundation

/// A `DrawingSurface` drawn by cairo: antialiased lines and discs, real fonts (DejaVu Sans through
/// fontconfig), rendered to a raster (PNG) or to SVG. The layout of a `Figure` is the same as on the
/// bitmap `Canvas`: text is placed by its top-left corner and never drawn wider than the bitmap
/// font's `Canvas.textWidth` plus the gap layouts leave after text (12 %, at least 3 pixels a scale
/// step); a longer string is set at a smaller size, so every label stays inside its box.
public struct CairoSurface: DrawingSurface {
    public let width: Int, height: Int
    private let handle: Handle

    /// The cairo objects, freed with the surface; an SVG surface streams into `svg`.
    private final class Handle {
        let surface: OpaquePointer
        let context: OpaquePointer
        var svgSink: SVGSink?
        init(surface: OpaquePointer) {
            self.surface = surface
            context = cairo_create(surface)
        }
        deinit {
            cairo_destroy(context)
            cairo_surface_destroy(surface)
        }
    }

    public enum Kind { case raster, svg }

    /// A white `width x height` surface.
    public init(width: Int, height: Int, kind: Kind = .raster) throws {
        (self.width, self.height) = (width, height)
        guard width > 0, height > 0, width <= 32_767, height <= 32_767 else {
            throw DataError("figure size \(width) x \(height) is outside cairo's 1 ... 32767 pixels")
        }
        switch kind {
        case .raster:
            handle = Handle(surface: cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height)))
        case .svg:
            let sink = SVGSink()
            let surface = cairo_svg_surface_create_for_stream({ closure, bytes, length in
                let sink = Unmanaged<SVGSink>.fromOpaque(closure!).takeUnretainedValue()
                sink.data.append(bytes!, count: Int(length))
                return CAIRO_STATUS_SUCCESS
            }, Unmanaged.passUnretained(sink).toOpaque(), Double(width), Double(height))!
            handle = Handle(surface: surface)
            handle.svgSink = sink
        }
        guard cairo_surface_status(handle.surface) == CAIRO_STATUS_SUCCESS, cairo_status(handle.context) == CAIRO_STATUS_SUCCESS else {
            throw DataError("cairo could not create a \(width) x \(height) surface")
        }
        cairo_select_font_face(handle.context, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        fill(x: 0, y: 0, width: width, height: height, color: .white)
    }

    private var cr: OpaquePointer { handle.context }

    private func setColor(_ color: RGB, opacity: Double = 1) {
        cairo_set_source_rgba(cr, Double(color.r) / 255, Double(color.g) / 255, Double(color.b) / 255, opacity)
    }

    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: RGB) {
        guard w > 0, h > 0 else { return }
        setColor(color)
        cairo_rectangle(cr, Double(x), Double(y), Double(w), Double(h))
        cairo_fill(cr)
    }

    public mutating func drawLine(from a: (Int, Int), to b: (Int, Int), color: RGB) {
        setColor(color)
        cairo_set_line_width(cr, 1)
        // Pixel centres, so a one-pixel line covers one pixel row or column.
        cairo_move_to(cr, Double(a.0) + 0.5, Double(a.1) + 0.5)
        cairo_line_to(cr, Double(b.0) + 0.5, Double(b.1) + 0.5)
        cairo_stroke(cr)
    }

    public mutating func drawDot(x: Double, y: Double, radius: Double, color: RGB, opacity: Double) {
        setColor(color, opacity: min(1, max(0, opacity)))
        cairo_new_sub_path(cr)
        cairo_arc(cr, x, y, max(0.3, radius), 0, 2 * Double.pi)
        cairo_fill(cr)
    }

    /// The font size (in pixels) at which the bitmap font's capital height (7 pixels a scale step)
    /// is matched by DejaVu Sans (capital height 0.729 em).
    static func fontSize(scale: Int) -> Double { 7 * Double(scale) / 0.729 }

    public mutating func drawText(_ text: String, x: Int, y: Int, scale: Int, color: RGB) {
        guard !text.isEmpty else { return }
        var size = Self.fontSize(scale: scale)
        cairo_set_font_size(cr, size)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        // A little wider than the bitmap font's box (layouts leave a gap after text), so short
        // words keep their size; longer text than that is set smaller.
        let bitmap = Double(max(1, Canvas.textWidth(text, scale: scale)))
        let budget = max(bitmap * 1.12, bitmap + 3 * Double(scale))
        if extents.x_advance > budget {
            size *= budget / extents.x_advance
            cairo_set_font_size(cr, size)
        }
        setColor(color)
        cairo_move_to(cr, Double(x), Double(y + 7 * scale))
        cairo_show_text(cr, text)
    }

    public mutating func drawGray(_ values: ArraySlice<Float>, width w: Int, height h: Int, x: Int, y: Int, scale: Int) {
        precondition(values.count == w * h, "drawGray: \(values.count) values for \(w)x\(h)")
        guard w > 0, h > 0 else { return }
        let image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(w), Int32(h))!
        defer { cairo_surface_destroy(image) }
        cairo_surface_flush(image)
        let stride = Int(cairo_image_surface_get_stride(image))
        let pixels = cairo_image_surface_get_data(image)!
        for row in 0 ..< h {
            let line = (pixels + row * stride).withMemoryRebound(to: UInt32.self, capacity: w) { $0 }
            for column in 0 ..< w {
                let v = UInt32(Raster.byte(values[values.startIndex + row * w + column]))
                line[column] = (v << 16) | (v << 8) | v
            }
        }
        cairo_surface_mark_dirty(image)
        cairo_save(cr)
        cairo_translate(cr, Double(x), Double(y))
        cairo_scale(cr, Double(scale), Double(scale))
        cairo_set_source_surface(cr, image, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
        cairo_rectangle(cr, 0, 0, Double(w), Double(h))
        cairo_fill(cr)
        cairo_restore(cr)
    }

    public mutating func drawImage(_ raster: Raster, x: Int, y: Int) {
        guard raster.width > 0, raster.height > 0 else { return }
        let image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(raster.width), Int32(raster.height))!
        defer { cairo_surface_destroy(image) }
        cairo_surface_flush(image)
        let stride = Int(cairo_image_surface_get_stride(image)), c = raster.channels
        let pixels = cairo_image_surface_get_data(image)!
        for row in 0 ..< raster.height {
            let line = (pixels + row * stride).withMemoryRebound(to: UInt32.self, capacity: raster.width) { $0 }
            for column in 0 ..< raster.width {
                let at = (row * raster.width + column) * c
                let (r, g, b) = c == 1 ? (raster.pixels[at], raster.pixels[at], raster.pixels[at]) : (raster.pixels[at], raster.pixels[at + 1], raster.pixels[at + 2])
                line[column] = (UInt32(r) << 16) | (UInt32(g) << 8) | UInt32(b)
            }
        }
        cairo_surface_mark_dirty(image)
        cairo_set_source_surface(cr, image, Double(x), Double(y))
        cairo_rectangle(cr, Double(x), Double(y), Double(raster.width), Double(raster.height))
        cairo_fill(cr)
    }

    /// The drawing as 8-bit RGB (raster surfaces).
    public func raster() -> Raster {
        cairo_surface_flush(handle.surface)
        var out = Raster(width: width, height: height, channels: 3)
        guard let data = cairo_image_surface_get_data(handle.surface) else { return out }
        let stride = Int(cairo_image_surface_get_stride(handle.surface))
        for row in 0 ..< height {
            let line = (data + row * stride).withMemoryRebound(to: UInt32.self, capacity: width) { $0 }
            for column in 0 ..< width {
                let p = line[column], at = (row * width + column) * 3
                out.pixels[at] = UInt8((p >> 16) & 0xFF)
                out.pixels[at + 1] = UInt8((p >> 8) & 0xFF)
                out.pixels[at + 2] = UInt8(p & 0xFF)
            }
        }
        return out
    }

    /// The SVG document (SVG surfaces); the surface is finished and takes no more drawing.
    public func finishSVG() throws -> Data {
        cairo_surface_finish(handle.surface)
        guard cairo_surface_status(handle.surface) == CAIRO_STATUS_SUCCESS, let sink = handle.svgSink else {
            throw DataError("cairo could not write the SVG document")
        }
        return sink.data
    }
}

/// Collects the bytes cairo's SVG surface streams out.
final class SVGSink {
    var data = Data()
}

extension Figure {
    /// The figure drawn by cairo, as an RGB raster.
    public func cairoRaster() throws -> Raster {
        var surface = try CairoSurface(width: width, height: height)
        draw(on: &surface)
        return surface.raster()
    }

    /// The figure drawn by cairo as an SVG document.
    public func cairoSVG() throws -> Data {
        var surface = try CairoSurface(width: width, height: height, kind: .svg)
        draw(on: &surface)
        return try surface.finishSVG()
    }

    /// The figure drawn by cairo as PNG bytes.
    public func cairoPNG() throws -> [UInt8] { try PNGFile.encode(try cairoRaster()) }

    /// Writes the figure atomically: when `path` ends in `.svg`, as an `SVGDocument` (text stays
    /// text, searchable and set by the viewer's fonts); otherwise as a PNG drawn by cairo.
    public func write(to path: String) throws {
        if path.lowercased().hasSuffix(".svg") { try svg().write(to: path) } else { try AtomicFile.write(Data(try cairoPNG()), to: path) }
    }
}
