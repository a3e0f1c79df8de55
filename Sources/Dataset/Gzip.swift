import CZlib
import Foundation

/// Reading files that may be gzip-compressed.
public enum Gzip {
    /// The bytes of `path`, inflated when the file starts with the gzip magic `1f 8b`.
    public static func readMaybeCompressed(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError("\(path): cannot read the file")
        }
        let bytes = [UInt8](data)
        guard bytes.count >= 2, bytes[0] == 0x1f, bytes[1] == 0x8b else { return bytes }
        return try inflate(bytes, name: path)
    }

    /// Inflates a gzip stream (one or more members) with zlib, straight into the output array
    /// (pre-sized from the last member's ISIZE trailer, bounded by deflate's 1032:1 limit, grown when
    /// that is too small).
    public static func inflate(_ compressed: [UInt8], name: String) throws -> [UInt8] {
        var stream = z_stream()
        // 16 + MAX_WBITS: expect a gzip header and trailer.
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError("\(name): zlib failed to initialise")
        }
        defer { inflateEnd(&stream) }
        let n = compressed.count
        let trailerSize = n >= 4 ? Int(compressed[n - 4]) | Int(compressed[n - 3]) << 8 | Int(compressed[n - 2]) << 16 | Int(compressed[n - 1]) << 24 : 0
        // Deflate expands at most 1032:1, so a larger ISIZE is corrupt: never pre-allocate beyond that.
        var output = [UInt8](repeating: 0, count: max(1 << 16, min(trailerSize + 1, 1032 * n + (1 << 16))))
        var produced = 0
        try compressed.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = uInt(input.count)
            while true {
                if produced == output.count { output += [UInt8](repeating: 0, count: output.count) }
                let room = min(output.count - produced, Int(UInt32.max))
                let status: Int32 = output.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress! + produced
                    stream.avail_out = uInt(room)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                produced += room - Int(stream.avail_out)
                switch status {
                case Z_OK:
                    if stream.avail_in == 0 && stream.avail_out != 0 {
                        throw DataError("\(name): truncated gzip stream (ends after \(produced) decompressed bytes)")
                    }
                case Z_STREAM_END:
                    // Another gzip member may follow (concatenated files); otherwise done.
                    if stream.avail_in == 0 { return }
                    guard inflateReset(&stream) == Z_OK else { throw DataError("\(name): corrupt gzip stream") }
                case Z_BUF_ERROR:
                    if stream.avail_out == 0 { continue }
                    throw DataError("\(name): truncated gzip stream (ends after \(produced) decompressed bytes)")
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    throw DataError("\(name): corrupt gzip data at compressed byte \(Int(stream.total_in)): \(message)")
                }
            }
        }
        output.removeSubrange(produced...)
        return output
    }
}
