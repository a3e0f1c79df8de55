import Dataset
import Imaging
import XCTest

/// The cairo surface draws what the bitmap canvas draws, inside the same boxes.
final class CairoSurfaceTests: XCTestCase {
    private func pixel(_ r: Raster, _ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
        let at = (y * r.width + x) * 3
        return (r.pixels[at], r.pixels[at + 1], r.pixels[at + 2])
    }

    func testShapesImagesAndText() throws {
        var surface = try CairoSurface(width: 120, height: 60)
        surface.fill(x: 2, y: 2, width: 4, height: 3, color: RGB(200, 10, 20))
        // A grayscale image at scale 3: every block takes its value exactly.
        let gray: [Float] = [0, 0.5, 1, 0.25]
        surface.drawGray(gray[...], width: 2, height: 2, x: 10, y: 10, scale: 3)
        surface.drawDot(x: 40.5, y: 20.5, radius: 4, color: .black, opacity: 1)
        surface.drawText("Ankle boot", x: 50, y: 40, scale: 1, color: .black)
        let r = surface.raster()
        XCTAssertEqual(r.width, 120)
        XCTAssertTrue(pixel(r, 3, 3) == (200, 10, 20))
        XCTAssertTrue(pixel(r, 6, 3) == (255, 255, 255), "fill stays inside its rectangle")
        XCTAssertTrue(pixel(r, 10, 10) == (0, 0, 0) && pixel(r, 12, 12) == (0, 0, 0))
        XCTAssertTrue(pixel(r, 14, 11) == (128, 128, 128) && pixel(r, 16, 13) == (255, 255, 255) && pixel(r, 14, 14) == (64, 64, 64))
        XCTAssertTrue(pixel(r, 40, 20) == (0, 0, 0), "the disc's centre is covered")
        // Antialiasing: the disc's rim has pixels between black and white.
        let rim = (34 ... 47).flatMap { x in (14 ... 27).map { y in pixel(r, x, y).0 } }
        XCTAssertTrue(rim.contains { $0 > 20 && $0 < 235 }, "no partially covered pixel at the disc's edge")
        // Text inks pixels, all inside the bitmap font's box (width Canvas.textWidth plus the slack of at most 12 % or
        // 3 px, 7 px cap height + descent).
        let box = Canvas.textWidth("Ankle boot")
        var inked = 0
        for y in 30 ..< 60 {
            for x in 45 ..< 120 where pixel(r, x, y).0 < 128 {
                inked += 1
                XCTAssertTrue(x >= 49 && x <= 50 + max(box * 112 / 100, box + 3) && y >= 38 && y <= 50, "text pixel at (\(x), \(y)) outside its box")
            }
        }
        XCTAssertGreaterThan(inked, 30, "no text drawn")
    }

    func testFiguresRenderAndWrite() throws {
        let chart = LineChart(title: "inertia", xLabel: "k", points: [(2, 5.0), (3, 3.0), (4, 2.5)])
        let png = try chart.cairoPNG()
        let decoded = try PNGFile.decode(png, name: "chart")
        XCTAssertEqual(decoded.width, chart.width)
        XCTAssertEqual(decoded.height, chart.height)
        XCTAssertTrue(decoded.pixels.contains { $0 < 100 }, "the chart drew nothing dark")
        let svg = String(decoding: try chart.cairoSVG(), as: UTF8.self)
        XCTAssertTrue(svg.contains("<svg") && svg.contains("</svg>"))
        XCTAssertThrowsError(try CairoSurface(width: 0, height: 10))
    }
}
