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

    public init(parsing bytes: [UInt8], name: String) throws {
        guard bytes.count >= 8 else { throw DataError("\(name): not a safetensors file (shorter than its 8-byte header length)") }
        let length = bytes[0 ..< 8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(bytes.count - 8), length <= 100_000_000 else {
            throw DataError("\(name): not a safetensors file (header length \(length) exceeds the file)")
        }
        let headerEnd = 8 + Int(length)
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
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
                throw DataError("\(name): tensor \(key) lacks dtype, shape or data_offsets")
            }
            guard dtype == "F32" else { throw DataError("\(name): tensor \(key) is \(dtype); fmnist reads F32 tensors") }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[1] >= offsets[0],
                  offsets[1] - offsets[0] == 4 * shape.reduce(1, *), headerEnd + offsets[1] <= bytes.count else {
                throw DataError("\(name): tensor \(key) of shape \(shape) has data_offsets \(offsets) that do not fit the file")
            }
            entries.append((key, offsets[0], offsets[1], shape))
        }
        entries.sort { $0.begin < $1.begin }
        tensors = entries.map { e in
            var bits = [UInt32](repeating: 0, count: (e.end - e.begin) / 4)
            bits.withUnsafeMutableBytes { dst in bytes[(headerEnd + e.begin) ..< (headerEnd + e.end)].withUnsafeBytes { dst.copyMemory(from: $0) } }
            return (e.name, Tensor(shape: e.shape, values: bits.map { Float(bitPattern: UInt32(littleEndian: $0)) }))
        }
        self.metadata = metadata
    }
}
