import CJPEG
import Dataset
import Foundation

/// JPEG reading through libjpeg-turbo (baseline and progressive, gray, YCbCr or CMYK, decoded to RGB).
public enum JPEGFile {
    /// Decodes JPEG bytes into an 8-bit RGB raster; `name` labels the error.
    public static func decode(_ bytes: [UInt8], name: String) throws -> Raster {
        var width: Int32 = 0, height: Int32 = 0
        var message = [CChar](repeating: 0, count: 200)
        let pixels = bytes.withUnsafeBufferPointer { buffer in
            fmnist_jpeg_decode_rgb(buffer.baseAddress, UInt(buffer.count), &width, &height, &message)
        }
        guard let pixels else {
            throw DataError("\(name): not a readable JPEG (\(String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)))")
        }
        defer { free(pixels) }
        let count = Int(width) * Int(height) * 3
        return Raster(width: Int(width), height: Int(height), channels: 3, pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
    }

    /// Whether `bytes` start with the JPEG start-of-image marker.
    public static func looksLikeJPEG(_ bytes: [UInt8]) -> Bool { bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF }
}

/// Reads a PNG or JPEG file (told apart by its first bytes) as a raster.
public enum PhotographFile {
    public static func read(_ path: String) throws -> Raster {
        guard let data = FileManager.default.contents(atPath: path) else { throw DataError("\(path): cannot read the file") }
        let bytes = [UInt8](data)
        if JPEGFile.looksLikeJPEG(bytes) { return try JPEGFile.decode(bytes, name: path) }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return try PNGFile.decode(bytes, name: path) }
        throw DataError("\(path): neither a PNG nor a JPEG file")
    }
}
