import Foundation

/// The safetensors format (Hugging Face): an 8-byte little-endian header length `N`, `N` bytes of
/// JSON `{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
/// "__metadata__": {"key": "value"}}`, then the tensors' little-endian bytes, offsets relative to
/// the end of the header. fmnist reads and writes float32 (`F32`) tensors.
public struct Safetensors: Equatable {
    public struct Tensor: Equatable {
        public var shape: [Int]
        public var values: [Float]
        public init(shape: [Int], values: [Float]) { (self.shape, self.values) = (shape, values) }
    }

    /// Tensors in file order (names as in a PyTorch `state_dict`).
    public var tensors: [(name: String, tensor: Tensor)]
    public var metadata: [String: String]

    public init(tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) {
        (self.tensors, self.metadata) = (tensors, metadata)
    }

    public static func == (a: Safetensors, b: Safetensors) -> Bool {
        a.metadata == b.metadata && a.tensors.map(\.name) == b.tensors.map(\.name) && a.tensors.map(\.tensor) == b.tensors.map(\.tensor)
    }

    /// Tensors by name.
    public var byName: [String: Tensor] { Dictionary(tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a }) }

    /// The file's bytes; the header is padded with spaces to a multiple of 8 bytes.
    public func encoded() throws -> [UInt8] {
        var header: [String: Any] = [:]
        var offset = 0
        for (name, t) in tensors {
            precondition(t.values.count == t.shape.reduce(1, *), "safetensors: \(name) has \(t.values.count) values for shape \(t.shape)")
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.values.count]] as [String: Any]
            offset += 4 * t.values.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while json.count % 8 != 0 { json.append(0x20) }
        var out = [UInt8]()
        out.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out += $0 }
        out += json
        for (_, t) in tensors { t.values.map { $0.bitPattern.littleEndian }.withUnsafeBytes { out += $0 } }
        return out
    }

    /// Writes the file atomically.
    public func write(to path: String) throws { try AtomicFile.write(Data(try encoded()), to: path) }

    /// Reads `path`; errors name the file and what is wrong.
    public static func read(_ path: String) throws -> Safetensors {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError(FileManager.default.fileExists(atPath: path) ? "\(path): cannot read the file" : "\(path): no such file")
        }
        return try Safetensors(parsing: [UInt8](data), name: path)
    }

    /// The dtypes of the safetensors specification, with their sizes in bytes.
    static let dtypeSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8,
    ]

    /// The longest header accepted (the reference implementation's limit is 100 MB).
    public static let maximumHeaderLength = 100_000_000

    /// Parses a whole file. Everything is validated before any tensor is allocated: the header
    /// length against the file, each entry's dtype (known; fmnist reads F32), shape (non-negative,
    /// element count without overflow), and `data_offsets` (ordered, matching shape x dtype size,
    /// inside the data, tensors contiguous without overlap or gap as the specification requires).
    /// Each failure is one `DataError` naming `name` and the field.
    public init(parsing bytes: [UInt8], name: String) throws {
        guard bytes.count >= 8 else { throw DataError("\(name): not a safetensors file (shorter than its 8-byte header length)") }
        let length = bytes[0 ..< 8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(bytes.count - 8), length <= UInt64(Self.maximumHeaderLength) else {
            throw DataError("\(name): not a safetensors file (header length \(length) exceeds the file's \(bytes.count - 8) bytes after it)")
        }
        let headerEnd = 8 + Int(length), dataSize = bytes.count - headerEnd
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes[8 ..< headerEnd])), let header = object as? [String: Any] else {
            throw DataError("\(name): safetensors header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        var entries: [(name: String, begin: Int, end: Int, shape: [Int])] = []
        for (key, value) in header {
            if key == "__metadata__" {
                guard let m = value as? [String: String] else { throw DataError("\(name): __metadata__ must map strings to strings") }
                metadata = m
                continue
            }
            let entry = try Self.entry(key, value, file: name, dataSize: dataSize)
            entries.append((key, entry.begin, entry.end, entry.shape))
        }
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var expected = 0
        for e in entries {
            guard e.begin == expected else {
                throw DataError("\(name): tensor \(e.name) data_offsets begin at \(e.begin), where \(expected) was expected "
                    + (e.begin < expected ? "(it overlaps the tensor before it)" : "(a gap before it)"))
            }
            expected = e.end
        }
        guard expected == dataSize else {
            throw DataError("\(name): the tensors cover \(expected) of the \(dataSize) data bytes after the header")
        }
        tensors = entries.map { e in
            var bits = [UInt32](repeating: 0, count: (e.end - e.begin) / 4)
            bits.withUnsafeMutableBytes { dst in bytes[(headerEnd + e.begin) ..< (headerEnd + e.end)].withUnsafeBytes { dst.copyMemory(from: $0) } }
            return (e.name, Tensor(shape: e.shape, values: bits.map { Float(bitPattern: UInt32(littleEndian: $0)) }))
        }
        self.metadata = metadata
    }

    /// One header entry, checked against the specification and the data's size.
    private static func entry(_ key: String, _ value: Any, file name: String, dataSize: Int) throws -> (begin: Int, end: Int, shape: [Int]) {
        guard let info = value as? [String: Any] else { throw DataError("\(name): tensor \(key) is not a JSON object") }
        guard let dtype = info["dtype"] as? String else { throw DataError("\(name): tensor \(key) has no dtype string") }
        guard let size = dtypeSizes[dtype] else { throw DataError("\(name): tensor \(key) has unknown dtype '\(dtype)'") }
        guard let shape = info["shape"] as? [Int] else { throw DataError("\(name): tensor \(key) has no shape (a list of integers)") }
        guard let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
            throw DataError("\(name): tensor \(key) has no data_offsets (two integers)")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw DataError("\(name): tensor \(key) has a negative dimension in shape \(shape)") }
        var bytes = size
        for dimension in shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= dataSize else {
                throw DataError("\(name): tensor \(key) of shape \(shape) needs more bytes than the file's \(dataSize) data bytes")
            }
            bytes = product
        }
        guard offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] <= dataSize else {
            throw DataError("\(name): tensor \(key) has data_offsets \(offsets) outside the \(dataSize) data bytes")
        }
        guard offsets[1] - offsets[0] == bytes else {
            throw DataError("\(name): tensor \(key) has data_offsets \(offsets) (\(offsets[1] - offsets[0]) bytes) for \(dtype) shape \(shape) (\(bytes) bytes)")
        }
        guard dtype == "F32" else { throw DataError("\(name): tensor \(key) is \(dtype); fmnist reads F32 tensors") }
        return (offsets[0], offsets[1], shape)
    }
}
