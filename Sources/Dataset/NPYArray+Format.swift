import Foundation

extension NPYArray {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Reads a `.npy` file; errors name the file and what is wrong.
    public static func read(_ path: String) throws -> NPYArray {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError(FileManager.default.fileExists(atPath: path) ? "\(path): cannot read the file" : "\(path): no such file")
        }
        return try NPYArray(parsing: [UInt8](data), name: path)
    }

    /// Parses `.npy` bytes; `name` goes into error messages.
    public init(parsing bytes: [UInt8], name: String) throws {
        guard bytes.count >= 10, Array(bytes[0 ..< 6]) == Self.magic else {
            throw DataError("\(name): not a .npy file (bad magic; expected \\x93NUMPY)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw DataError("\(name): truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw DataError("\(name): .npy format version \(major).\(bytes[7]) is not supported (1.0-3.0 are)")
        }
        guard headerLength <= bytes.count - headerStart else {
            throw DataError("\(name): truncated .npy header (says \(headerLength) bytes, file has \(bytes.count - headerStart))")
        }
        let headerBytes = bytes[headerStart ..< headerStart + headerLength]
        guard let header = String(bytes: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw DataError("\(name): .npy header is not valid text")
        }
        let fields = try NPYHeader.parse(header, name: name)
        let itemSize: Int
        switch fields.descr {
        case "<f4": itemSize = 4
        case "<f8": itemSize = 8
        case "<i4": itemSize = 4
        case "<i8": itemSize = 8
        case "|u1", "<u1", "u1": itemSize = 1
        default:
            let hint = fields.descr.hasPrefix(">") ? " (big-endian; convert with arr.astype(arr.dtype.newbyteorder('<')))" : ""
            throw DataError("\(name): unsupported dtype '\(fields.descr)'\(hint); supported: <f4, <f8, <i4, <i8, |u1")
        }
        var count = 1
        for d in fields.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, d >= 0, product <= Int(Int32.max) * 8 else { throw DataError("\(name): shape \(fields.shape) is too large") }
            count = product
        }
        let dataStart = headerStart + headerLength
        let expected = count * itemSize
        let available = bytes.count - dataStart
        guard available == expected else {
            throw DataError(available < expected
                ? "\(name): truncated data: shape \(fields.shape) of \(fields.descr) needs \(expected) bytes, the file has \(available)"
                : "\(name): \(available - expected) unexpected bytes after the data of shape \(fields.shape)")
        }
        let payload = bytes[dataStart...]
        let elements: Elements
        switch fields.descr {
        case "<f4": elements = .float32(Self.decode(payload, count: count))
        case "<f8": elements = .float64(Self.decode(payload, count: count))
        case "<i4": elements = .int32(Self.decode(payload, count: count))
        case "<i8": elements = .int64(Self.decode(payload, count: count))
        default: elements = .uint8(Array(payload))
        }
        // Fortran order (what NumPy writes for many scikit-learn results): the same values with the
        // axes reversed; reordered into C order here.
        self.init(shape: fields.shape, elements: fields.fortranOrder ? Self.cOrder(elements, shape: fields.shape) : elements)
    }

    /// Values stored column-major (first index fastest) for `shape`, rearranged row-major.
    static func cOrder(_ elements: Elements, shape: [Int]) -> Elements {
        guard shape.count >= 2 else { return elements }
        let count = shape.reduce(1, *)
        // Column-major strides, then each row-major position's source offset.
        var strides = [Int](repeating: 1, count: shape.count)
        for a in 1 ..< shape.count { strides[a] = strides[a - 1] * shape[a - 1] }
        var source = [Int](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: shape.count)
        for position in 0 ..< count {
            source[position] = zip(index, strides).reduce(0) { $0 + $1.0 * $1.1 }
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        func reorder<T>(_ values: [T]) -> [T] { source.map { values[$0] } }
        switch elements {
        case .float32(let v): return .float32(reorder(v))
        case .float64(let v): return .float64(reorder(v))
        case .int32(let v): return .int32(reorder(v))
        case .int64(let v): return .int64(reorder(v))
        case .uint8(let v): return .uint8(reorder(v))
        }
    }

    /// Little-endian values of type `T` from raw bytes (copied, so alignment does not matter).
    private static func decode<T: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>, count: Int) -> [T] {
        var out = [T](repeating: 0, count: count)
        out.withUnsafeMutableBytes { dst in bytes.withUnsafeBytes { src in dst.copyMemory(from: src) } }
        return out.map { T(littleEndian: $0) }
    }

    private static func decode(_ bytes: ArraySlice<UInt8>, count: Int) -> [Float] {
        (decode(bytes, count: count) as [UInt32]).map { Float(bitPattern: $0) }
    }

    private static func decode(_ bytes: ArraySlice<UInt8>, count: Int) -> [Double] {
        (decode(bytes, count: count) as [UInt64]).map { Double(bitPattern: $0) }
    }

    /// The `.npy` bytes, byte-for-byte as `numpy.save` writes them: version 1.0 (2.0 when the
    /// header exceeds 65535 bytes), header padded with spaces and a newline so the data starts on
    /// a multiple of 64 bytes.
    public func encoded() -> [UInt8] {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '\(elements.descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let version: UInt8 = header.utf8.count + 11 > 65535 ? 2 : 1
        let prefix = version == 1 ? 10 : 12
        let total = prefix + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var out = Self.magic + [version, 0]
        let length = header.utf8.count
        out += version == 1 ? [UInt8(length & 0xff), UInt8(length >> 8)]
            : [UInt8(length & 0xff), UInt8(length >> 8 & 0xff), UInt8(length >> 16 & 0xff), UInt8(length >> 24)]
        out += Array(header.utf8)
        switch elements {
        case .float32(let v): out += Self.littleEndianBytes(v.map(\.bitPattern))
        case .float64(let v): out += Self.littleEndianBytes(v.map(\.bitPattern))
        case .int32(let v): out += Self.littleEndianBytes(v)
        case .int64(let v): out += Self.littleEndianBytes(v)
        case .uint8(let v): out += v
        }
        return out
    }

    private static func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.map(\.littleEndian).withUnsafeBytes { Array($0) }
    }

    /// Writes the array to `path` atomically.
    public func write(to path: String) throws {
        try AtomicFile.write(Data(encoded()), to: path)
    }
}

/// The three fields of a `.npy` header, a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (10, 784), }`.
struct NPYHeader {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    static func parse(_ text: String, name: String) throws -> NPYHeader {
        var scanner = Scanner(Array(text.unicodeScalars), name: name)
        var descr: String?, fortran: Bool?, shape: [Int]?
        try scanner.expect("{")
        while true {
            scanner.skipSpace()
            if scanner.consume("}") { break }
            let key = try scanner.string()
            try scanner.expect(":")
            switch key {
            case "descr": descr = try scanner.string()
            case "fortran_order": fortran = try scanner.bool()
            case "shape": shape = try scanner.tuple()
            default: throw DataError("\(name): unexpected key '\(key)' in the .npy header")
            }
            scanner.skipSpace()
            if scanner.consume(",") { continue }
            try scanner.expect("}")
            break
        }
        guard let descr, let fortran, let shape else {
            throw DataError("\(name): .npy header lacks one of 'descr', 'fortran_order', 'shape'")
        }
        return NPYHeader(descr: descr, fortranOrder: fortran, shape: shape)
    }

    private struct Scanner {
        let chars: [Unicode.Scalar]
        let name: String
        var at = 0
        init(_ chars: [Unicode.Scalar], name: String) { (self.chars, self.name) = (chars, name) }

        mutating func skipSpace() { while at < chars.count, chars[at].properties.isWhitespace { at += 1 } }
        mutating func consume(_ c: Unicode.Scalar) -> Bool {
            skipSpace()
            if at < chars.count, chars[at] == c { at += 1; return true }
            return false
        }
        mutating func expect(_ c: Unicode.Scalar) throws {
            guard consume(c) else { throw DataError("\(name): malformed .npy header (expected '\(c)' at character \(at))") }
        }
        mutating func string() throws -> String {
            skipSpace()
            guard at < chars.count, chars[at] == "'" || chars[at] == "\"" else {
                throw DataError("\(name): malformed .npy header (expected a quoted string at character \(at))")
            }
            let quote = chars[at]
            at += 1
            var out = String.UnicodeScalarView()
            while at < chars.count, chars[at] != quote { out.append(chars[at]); at += 1 }
            try expect(quote)
            return String(out)
        }
        mutating func bool() throws -> Bool {
            skipSpace()
            for (word, value) in [("True", true), ("False", false)] where matches(word) {
                at += word.unicodeScalars.count
                return value
            }
            throw DataError("\(name): malformed .npy header (expected True or False at character \(at))")
        }
        mutating func tuple() throws -> [Int] {
            try expect("(")
            var values: [Int] = []
            while !consume(")") {
                skipSpace()
                var digits = ""
                while at < chars.count, ("0" ... "9").contains(chars[at]) { digits.unicodeScalars.append(chars[at]); at += 1 }
                // Python 2 era files may write 10L.
                if at < chars.count, chars[at] == "L" { at += 1 }
                guard let value = Int(digits), digits.count <= 12 else {
                    throw DataError("\(name): malformed .npy header (bad shape entry at character \(at))")
                }
                values.append(value)
                if consume(")") { break }
                try expect(",")
            }
            return values
        }
        private func matches(_ word: String) -> Bool {
            let w = Array(word.unicodeScalars)
            return at + w.count <= chars.count && Array(chars[at ..< at + w.count]) == w
        }
    }
}
