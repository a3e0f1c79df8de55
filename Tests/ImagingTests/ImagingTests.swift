import Dataset
import Foundation
import Imaging
import XCTest

/// PNG round trips and decoding of other PNG kinds (Fixtures/ were written by a 20-line Python
/// encoder with zlib and struct: palette, palette with tRNS, RGBA, 16-bit gray, and a non-PNG).
final class PNGTests: XCTestCase {
    func fixture(_ name: String) throws -> String {
        try XCTUnwrap(Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Fixtures"))
    }

    func testGrayAndRGBRoundTrip() throws {
        let gray = Raster(width: 3, height: 2, channels: 1, pixels: [0, 50, 100, 150, 200, 255])
        XCTAssertEqual(try PNGFile.decode(try PNGFile.encode(gray), name: "gray"), gray)
        let rgb = Raster(width: 2, height: 2, channels: 3, pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255, 12, 34, 56])
        XCTAssertEqual(try PNGFile.decode(try PNGFile.encode(rgb), name: "rgb"), rgb)
        let rgba = Raster(width: 1, height: 2, channels: 4, pixels: [1, 2, 3, 4, 250, 251, 252, 253])
        XCTAssertEqual(try PNGFile.decode(try PNGFile.encode(rgba), name: "rgba"), rgba)
    }

    func testWritesAtomicallyAndReadsBack() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("png-\(getpid()).png").path
        let image = Raster(gray: [0, 0.5, 1, 2, -1, .nan][...], width: 3, height: 2)
        XCTAssertEqual(image.pixels, [0, 128, 255, 255, 0, 0])
        try PNGFile.write(image, to: path)
        XCTAssertEqual(try PNGFile.read(path), image)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)
            .filter { $0.hasPrefix(".png-\(getpid()).png.tmp") }
        XCTAssertEqual(leftovers, [], "temporary file left behind")
        try? FileManager.default.removeItem(atPath: path)
    }

    func testDecodesPaletteAlphaAndSixteenBit() throws {
        let palette = try PNGFile.read(try fixture("palette_3x2.png"))
        XCTAssertEqual(palette.channels, 3)
        XCTAssertEqual(palette.pixels, [255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 255, 0, 255, 0, 255, 0, 0])
        let transparent = try PNGFile.read(try fixture("palette_alpha_3x2.png"))
        XCTAssertEqual(transparent.channels, 4)
        XCTAssertEqual(Array(transparent.pixels.prefix(8)), [255, 0, 0, 255, 0, 255, 0, 128])
        let rgba = try PNGFile.read(try fixture("rgba_2x2.png"))
        XCTAssertEqual(rgba.channels, 4)
        XCTAssertEqual(rgba.width, 2)
        XCTAssertEqual(rgba.pixels[3], 255)
        XCTAssertEqual(rgba.pixels[7], 0)
        let gray = try PNGFile.read(try fixture("gray16_2x1.png"))
        XCTAssertEqual(gray.channels, 1)
        XCTAssertEqual(gray.pixels, [0, 255])
    }

    func testRejectsNonPNGWithTheFileName() throws {
        let path = try fixture("not_a_png.png")
        XCTAssertThrowsError(try PNGFile.read(path)) { XCTAssertTrue("\($0)".contains("not_a_png.png: not a readable PNG"), "\($0)") }
        XCTAssertThrowsError(try PNGFile.read("/nonexistent.png")) { XCTAssertTrue("\($0)".contains("/nonexistent.png: no such file"), "\($0)") }
    }
}

/// A CMYK JPEG (Pillow 11 wrote `Fixtures/cmyk_adobe_8x6.jpg` from an 8 x 6 CMYK gradient, with the
/// Adobe marker and inverted inks as every Adobe file; `cmyk_adobe_8x6.rgb` is Pillow's
/// `convert("RGB")` of it, 144 raw bytes). libjpeg converts CMYK to nothing but CMYK, so this
/// failed with "Unsupported color conversion request".
final class JPEGTests: XCTestCase {
    func testCMYKIsConvertedAsPillowConvertsIt() throws {
        let directory = try XCTUnwrap(Bundle.module.path(forResource: "Fixtures", ofType: nil))
        let raster = try PhotographFile.read(directory + "/cmyk_adobe_8x6.jpg")
        XCTAssertEqual([raster.width, raster.height, raster.channels], [8, 6, 3])
        let expected = try XCTUnwrap(FileManager.default.contents(atPath: directory + "/cmyk_adobe_8x6.rgb"))
        XCTAssertEqual(raster.pixels, [UInt8](expected))
    }
}

final class FigureTests: XCTestCase {
    func testFontCoversPrintableASCII() {
        for code in 32 ... 126 {
            let character = Character(Unicode.Scalar(UInt8(code)))
            let rows = BitmapFont.table[character]
            XCTAssertNotNil(rows, "no glyph for '\(character)'")
            XCTAssertEqual(rows?.count, 7)
            XCTAssertEqual(rows?.contains { $0 != 0 }, code != 32, "glyph '\(character)' ink")
            XCTAssertTrue(rows?.allSatisfy { $0 < 32 } ?? false)
        }
        XCTAssertEqual(BitmapFont.width("ab"), 11)
        XCTAssertEqual(BitmapFont.rows("\u{e9}"), BitmapFont.rows("?"), "unknown characters draw as ?")
    }

    func testTextDrawsInkInsideItsBox() {
        var canvas = Canvas(width: 40, height: 20)
        canvas.drawText("Hi", x: 2, y: 3, scale: 2)
        var inked: [(Int, Int)] = []
        for y in 0 ..< 20 { for x in 0 ..< 40 where canvas.raster.pixels[(y * 40 + x) * 3] == 0 { inked.append((x, y)) } }
        XCTAssertFalse(inked.isEmpty)
        XCTAssertTrue(inked.allSatisfy { $0.0 >= 2 && $0.0 < 2 + BitmapFont.width("Hi") * 2 && $0.1 >= 3 && $0.1 < 3 + 14 })
    }

    func testImageGridPlacesEveryImage() {
        let white = [Float](repeating: 1, count: 4)[...]
        let grid = ImageGrid(rows: [.init(caption: "a", images: [white, white]), .init(caption: "b", images: [white])],
                             imageWidth: 2, imageHeight: 2)
        let raster = grid.render()
        XCTAssertEqual(raster.channels, 3)
        XCTAssertGreaterThan(raster.width, 2 * 2 * 2)
        // The background is white too, so draw black images and count black 4x4 blocks instead.
        let black = [Float](repeating: 0, count: 4)[...]
        let dark = ImageGrid(rows: [.init(caption: "", images: [black, black]), .init(caption: "", images: [black])],
                             imageWidth: 2, imageHeight: 2).render()
        let blackPixels = stride(from: 0, to: dark.pixels.count, by: 3).filter { dark.pixels[$0] == 0 }.count
        XCTAssertEqual(blackPixels, 3 * 16, "three 2x2 images at scale 2")
    }

    /// Image captions longer than the image widen the columns: every caption is drawn whole, and
    /// a blank column of pixels separates each from the next ("T-shirt/toTrouser" once ran together).
    func testImageCaptionsNeverTouch() {
        let gray = [Float](repeating: 0.5, count: 4)[...]
        let names = ["T-shirt/top", "Trouser", "Pullover", "Ankle boot"]
        let grid = ImageGrid(rows: [.init(caption: "", images: Array(repeating: gray, count: 4), imageCaptions: names)],
                             imageWidth: 2, imageHeight: 2)
        let raster = grid.render()
        // The caption strip: rows below the images; columns holding any dark (text) pixel.
        let strip = (2 * 2 + 4 + 4) ..< raster.height
        let inked = (0 ..< raster.width).map { x in strip.contains { y in raster.pixels[(y * raster.width + x) * 3] < 128 } }
        var runs: [Range<Int>] = [], start: Int?
        for x in 0 ... raster.width {
            let ink = x < raster.width && inked[x]
            if ink, start == nil { start = x } else if !ink, let s = start {
                runs.append(s ..< x)
                start = nil
            }
        }
        // Letters within a caption are at most 7 blank columns apart (a space); captions, at least
        // 8 (a gap on each side of the widest). Group the runs accordingly: one group per caption.
        var groups: [Range<Int>] = []
        for run in runs {
            if let last = groups.last, run.lowerBound - last.upperBound < 8 { groups[groups.count - 1] = last.lowerBound ..< run.upperBound } else {
                groups.append(run)
            }
        }
        XCTAssertEqual(groups.count, names.count, "caption groups \(groups)")
        for (group, name) in zip(groups, names) {
            XCTAssertTrue((Canvas.textWidth(name) - 2 ... Canvas.textWidth(name)).contains(group.count), "\(name) is \(group.count) pixels wide: cut?")
        }
    }

    func testColorMapEndsAndBarChartRenders() {
        XCTAssertEqual(ColorMap.viridis.color(0), RGB(68, 1, 84))
        XCTAssertEqual(ColorMap.viridis.color(1), RGB(253, 231, 37))
        XCTAssertEqual(ColorMap.viridis.color(.nan), RGB(68, 1, 84))
        XCTAssertEqual(niceStep(1200), 2000)
        XCTAssertEqual(niceStep(3), 5)
        XCTAssertEqual(niceCeil(5400, step: 2000), 6000)
        let chart = BarChart(title: "t", categories: ["a", "b"], series: [("s", [1, 2])]).render()
        let blue = RGB.categorical[0]
        let bluePixels = stride(from: 0, to: chart.pixels.count, by: 3).filter {
            chart.pixels[$0] == blue.r && chart.pixels[$0 + 1] == blue.g && chart.pixels[$0 + 2] == blue.b
        }.count
        XCTAssertGreaterThan(bluePixels, 100, "bars and legend drawn in the series colour")
    }
}

final class CanvasClippingTests: XCTestCase {
    /// Drawing wholly or partly outside the canvas clips instead of trapping.
    func testDrawingOutsideIsClipped() {
        var canvas = Canvas(width: 10, height: 10)
        canvas.fill(x: 20, y: 20, width: 5, height: 5, color: .black)
        canvas.fill(x: -5, y: -5, width: 3, height: 3, color: .black)
        XCTAssertTrue(canvas.raster.pixels.allSatisfy { $0 == 255 })
        canvas.drawText("a long line of text", x: 5, y: 5, scale: 3)
        canvas.fill(x: 8, y: 8, width: 10, height: 10, color: .black)
        XCTAssertEqual(canvas.raster.pixels[(9 * 10 + 9) * 3], 0)
    }
}

final class ColorBarTests: XCTestCase {
    /// The bar runs from the map's high end at the top to its low end at the bottom, labelled on the right.
    func testColorBarGradientAndLabels() {
        var canvas = Canvas(width: 60, height: 40)
        canvas.drawColorBar(x: 2, y: 2, width: 8, height: 30, map: .viridis, low: "0", high: "9")
        let pixel = { (x: Int, y: Int) -> RGB in
            let at = (y * 60 + x) * 3
            return RGB(canvas.raster.pixels[at], canvas.raster.pixels[at + 1], canvas.raster.pixels[at + 2])
        }
        XCTAssertEqual(pixel(5, 2), ColorMap.viridis.color(1))
        XCTAssertEqual(pixel(5, 31), ColorMap.viridis.color(0))
        let labelInk = (13 ..< 60).contains { x in (0 ..< 40).contains { y in pixel(x, y) == .black } }
        XCTAssertTrue(labelInk, "end labels drawn right of the bar")
    }
}
