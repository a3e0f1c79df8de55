import Dataset
import Foundation

/// A key naming an artefact by everything it was computed from: a readable description of the
/// settings and the keys of its inputs, hashed (FNV-1a, 64 bits) into the file name. Changing any
/// setting or any upstream artefact changes the key, so a re-run recomputes exactly what changed.
public struct ArtefactKey: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public init(_ parts: String...) { text = parts.joined(separator: "|") }
    private init(text: String) { self.text = text }

    /// This key extended with more settings or input keys.
    public func with(_ parts: String...) -> ArtefactKey { ArtefactKey(text: ([text] + parts).joined(separator: "|")) }
    public func with(_ key: ArtefactKey) -> ArtefactKey { with("(" + key.text + ")") }

    /// 16 hexadecimal digits of the FNV-1a hash of `text`.
    public var hash: String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return String(h, radix: 16).leftPadded(to: 16)
    }

    public var description: String { text }
}

/// Artefacts of a study kept under `directory/cache`: float matrices and labels as `.npy`, records
/// as JSON, models as safetensors, each named `<name>-<key hash>.<ext>` and written atomically
/// (temporary file, then rename), so an interrupted run never leaves a partial artefact and the
/// next run finds exactly what was finished.
public struct ArtefactCache: Sendable {
    public let directory: String

    public init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// The file an artefact lives in.
    public func path(_ name: String, _ key: ArtefactKey, ext: String) -> String {
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        return "\(directory)/\(safe)-\(key.hash).\(ext)"
    }

    public func exists(_ name: String, _ key: ArtefactKey, ext: String) -> Bool {
        FileManager.default.fileExists(atPath: path(name, key, ext: ext))
    }

    /// A float32 matrix `[rows, dim]`: read from the cache, or computed and stored. `hit` says which.
    public func matrix(_ name: String, _ key: ArtefactKey, hit: inout Bool,
                       compute: () throws -> (values: [Float], rows: Int, dim: Int)) throws -> (values: [Float], rows: Int, dim: Int) {
        let file = path(name, key, ext: "npy")
        if let array = try? NPYArray.read(file), array.shape.count == 2, case .float32(let values) = array.elements {
            hit = true
            return (values, array.shape[0], array.shape[1])
        }
        hit = false
        let m = try compute()
        try NPYArray(shape: [m.rows, m.dim], elements: .float32(m.values)).write(to: file)
        return m
    }

    /// Integer labels `[n]` (int64 `.npy`).
    public func labels(_ name: String, _ key: ArtefactKey, hit: inout Bool, compute: () throws -> [Int64]) throws -> [Int64] {
        let file = path(name, key, ext: "npy")
        if let array = try? NPYArray.read(file), array.shape.count == 1, let values = array.integers {
            hit = true
            return values
        }
        hit = false
        let labels = try compute()
        try NPYArray(shape: [labels.count], elements: .int64(labels)).write(to: file)
        return labels
    }

    /// A JSON record.
    public func record<T: Codable>(_ name: String, _ key: ArtefactKey, hit: inout Bool, compute: () throws -> T) throws -> T {
        let file = path(name, key, ext: "json")
        if let data = FileManager.default.contents(atPath: file), let value = try? JSONDecoder().decode(T.self, from: data) {
            hit = true
            return value
        }
        hit = false
        let value = try compute()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(value), to: file)
        return value
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
