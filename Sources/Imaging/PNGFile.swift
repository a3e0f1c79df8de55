import CPNG
import Dataset
import Foundation

/// PNG reading and writing through libpng's simplified API.
public enum PNGFile {
    /// The PNG encoding of `raster` (8-bit gray, RGB or RGBA).
    public static func encode(_ raster: Raster) throws -> [UInt8] {
        var image = png_image()
        image.version = png_uint_32(FMNIST_PNG_IMAGE_VERSION)
        image.width = png_uint_32(raster.width)
        image.height = png_uint_32(raster.height)
        image.format = raster.channels == 1 ? FMNIST_PNG_FORMAT_GRAY : raster.channels == 3 ? FMNIST_PNG_FORMAT_RGB : FMNIST_PNG_FORMAT_RGBA
        let stride = Int32(raster.width * raster.channels)
        var size: png_alloc_size_t = 0
        let probe = raster.pixels.withUnsafeBytes { pixels in
            png_image_write_to_memory(&image, nil, &size, 0, pixels.baseAddress, stride, nil)
        }
        guard probe != 0, size > 0 else { throw DataError("PNG encoding failed: \(message(image))") }
        var out = [UInt8](repeating: 0, count: Int(size))
        let ok = out.withUnsafeMutableBytes { buffer in
            raster.pixels.withUnsafeBytes { pixels in
                png_image_write_to_memory(&image, buffer.baseAddress, &size, 0, pixels.baseAddress, stride, nil)
            }
        }
        guard ok != 0 else { throw DataError("PNG encoding failed: \(message(image))") }
        return Array(out.prefix(Int(size)))
    }

    /// Writes `raster` to `path` as PNG, atomically.
    public static func write(_ raster: Raster, to path: String) throws {
        try AtomicFile.write(Data(try encode(raster)), to: path)
    }

    /// Decodes PNG bytes (any bit depth and colour type: gray, RGB, RGBA, palette) into 8-bit gray
    /// (for gray images without alpha), RGB, or RGBA (when the image has alpha or a transparent palette).
    public static func decode(_ bytes: [UInt8], name: String) throws -> Raster {
        var image = png_image()
        image.version = png_uint_32(FMNIST_PNG_IMAGE_VERSION)
        let begun = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw DataError("\(name): not a readable PNG: \(message(image))") }
        let source = image.format
        let hasAlpha = source & png_uint_32(PNG_FORMAT_FLAG_ALPHA) != 0
        let hasColor = source & png_uint_32(PNG_FORMAT_FLAG_COLOR) != 0 || source & png_uint_32(PNG_FORMAT_FLAG_COLORMAP) != 0
        let channels = hasAlpha ? 4 : (hasColor ? 3 : 1)
        image.format = channels == 1 ? FMNIST_PNG_FORMAT_GRAY : channels == 3 ? FMNIST_PNG_FORMAT_RGB : FMNIST_PNG_FORMAT_RGBA
        let (width, height) = (Int(image.width), Int(image.height))
        guard width > 0, height > 0, width * height <= 1 << 28 else {
            png_image_free(&image)
            throw DataError("\(name): PNG of \(width)x\(height) pixels is not supported")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        let finished = pixels.withUnsafeMutableBytes {
            png_image_finish_read(&image, nil, $0.baseAddress, Int32(width * channels), nil)
        }
        guard finished != 0 else { throw DataError("\(name): corrupt PNG: \(message(image))") }
        return Raster(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Reads a PNG file (see `decode`).
    public static func read(_ path: String) throws -> Raster {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError(FileManager.default.fileExists(atPath: path) ? "\(path): cannot read the file" : "\(path): no such file")
        }
        return try decode([UInt8](data), name: path)
    }

    private static func message(_ image: png_image) -> String {
        var copy = image.message
        return withUnsafeBytes(of: &copy) { raw in
            let text = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            return text.isEmpty ? "unknown libpng error" : text
        }
    }
}
