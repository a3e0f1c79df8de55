/// An IDX array of unsigned bytes (the format of the MNIST and Fashion-MNIST files).
///
/// Layout: two zero bytes, the type code `0x08` (unsigned byte), the number of dimensions `d`, then
/// `d` big-endian 32-bit sizes, then the product of the sizes in bytes, row-major.
public struct IDXFile: Equatable {
    public var dimensions: [Int]
    public var bytes: [UInt8]

    /// Parses `data`; `name` (usually the path) and `expectedDimensions` go into error messages.
    public init(parsing data: [UInt8], name: String, expectedDimensions: Int? = nil) throws {
        guard data.count >= 4 else { throw DataError("\(name): too short for an IDX header (\(data.count) bytes)") }
        guard data[0] == 0, data[1] == 0 else {
            throw DataError("\(name): bad magic number \(hex(data[0 ..< 4])) (an IDX file starts with 00 00)")
        }
        guard data[2] == 0x08 else {
            throw DataError("\(name): IDX element type 0x\(String(data[2], radix: 16)) is not supported (only 0x08, unsigned byte)")
        }
        let rank = Int(data[3])
        if let expectedDimensions, rank != expectedDimensions {
            throw DataError("\(name): bad magic number \(hex(data[0 ..< 4])): \(rank) dimensions, expected \(expectedDimensions)")
        }
        guard rank >= 1 else { throw DataError("\(name): IDX file with 0 dimensions") }
        let headerBytes = 4 + 4 * rank
        guard data.count >= headerBytes else {
            throw DataError("\(name): truncated header: \(data.count) bytes, the \(rank) sizes need \(headerBytes)")
        }
        var dims: [Int] = []
        var total = 1
        for d in 0 ..< rank {
            let at = 4 + 4 * d
            let size = Int(data[at]) << 24 | Int(data[at + 1]) << 16 | Int(data[at + 2]) << 8 | Int(data[at + 3])
            dims.append(size)
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow, product <= Int(Int32.max) else { throw DataError("\(name): dimensions \(dims) are implausibly large") }
            total = product
        }
        let available = data.count - headerBytes
        guard available == total else {
            if available < total {
                throw DataError("\(name): size mismatch at byte \(data.count): dimensions \(dims.map(String.init).joined(separator: "x")) "
                    + "need \(total) data bytes, the file has \(available) (truncated?)")
            }
            throw DataError("\(name): size mismatch at byte \(headerBytes + total): \(available - total) unexpected bytes after the data")
        }
        dimensions = dims
        bytes = Array(data[headerBytes...])
    }
}

private func hex(_ bytes: ArraySlice<UInt8>) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
}
