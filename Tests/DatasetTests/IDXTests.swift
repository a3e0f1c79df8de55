import Dataset
import Foundation
import XCTest

/// IDX parsing and the loader's error lines on damaged copies of the real files.
final class IDXTests: XCTestCase {
    func idx(_ dims: [Int], payload: [UInt8]? = nil) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, 8, UInt8(dims.count)]
        for d in dims { bytes += [UInt8(d >> 24 & 0xff), UInt8(d >> 16 & 0xff), UInt8(d >> 8 & 0xff), UInt8(d & 0xff)] }
        return bytes + (payload ?? [UInt8](repeating: 7, count: dims.reduce(1, *)))
    }

    func testParsesDimensionsAndData() throws {
        let file = try IDXFile(parsing: idx([2, 3, 4]), name: "x", expectedDimensions: 3)
        XCTAssertEqual(file.dimensions, [2, 3, 4])
        XCTAssertEqual(file.bytes.count, 24)
    }

    func testRejectsBadHeadersAndSizes() {
        let cases: [([UInt8], String)] = [
            ([1, 2], "too short"),
            ([1, 0, 8, 1, 0, 0, 0, 1, 5], "bad magic number 01 00 08 01"),
            ([0, 0, 0x0d, 1, 0, 0, 0, 1, 5], "element type 0xd"),
            (idx([2, 2]), "2 dimensions, expected 3"),
            (Array(idx([2, 3, 4]).prefix(10)), "truncated header"),
            (Array(idx([2, 3, 4]).dropLast()), "size mismatch at byte 39"),
            (idx([2, 3, 4]) + [1, 2], "2 unexpected bytes"),
            (idx([65535, 65535, 65535], payload: []), "implausibly large"),
        ]
        for (bytes, message) in cases {
            XCTAssertThrowsError(try IDXFile(parsing: bytes, name: "f.idx", expectedDimensions: 3)) { error in
                XCTAssertTrue("\(error)".contains(message) && "\(error)".contains("f.idx"), "expected '\(message)', got: \(error)")
            }
        }
    }

    /// A directory with copies of the real files, with one replaced by `damage`.
    func damagedCopy(_ file: String, _ damage: ([UInt8]) -> [UInt8]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-idx-\(getpid())-\(file.hashValue)")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for name in ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"] {
            let source = URL(fileURLWithPath: FashionMNIST.debianDirectory).appendingPathComponent(name)
            var bytes = [UInt8](try Data(contentsOf: source))
            if name == file { bytes = damage(bytes) }
            try Data(bytes).write(to: dir.appendingPathComponent(name))
        }
        return dir.path
    }

    func testLoaderErrorsNameTheFileAndTheProblem() throws {
        let truncated = try damagedCopy("t10k-images-idx3-ubyte.gz") { Array($0.prefix($0.count / 2)) }
        XCTAssertThrowsError(try FashionMNIST.load(from: truncated)) { error in
            XCTAssertTrue("\(error)".contains("t10k-images-idx3-ubyte.gz: truncated gzip stream"), "\(error)")
        }
        let corrupt = try damagedCopy("train-labels-idx1-ubyte.gz") { bytes in
            var b = bytes; for i in 20 ..< 60 { b[i] ^= 0x5a }; return b
        }
        XCTAssertThrowsError(try FashionMNIST.load(from: corrupt)) { error in
            XCTAssertTrue("\(error)".contains("train-labels-idx1-ubyte.gz: corrupt gzip data"), "\(error)")
        }
        // A plain (uncompressed) labels file with one label missing: count mismatch.
        let mismatch = try damagedCopy("t10k-labels-idx1-ubyte.gz") { _ in
            var labels: [UInt8] = [0, 0, 8, 1, 0, 0, 0x27, 0x0f]  // 9999
            labels += [UInt8](repeating: 1, count: 9999)
            return labels
        }
        XCTAssertThrowsError(try FashionMNIST.load(from: mismatch)) { error in
            XCTAssertTrue("\(error)".contains("holds 10000 images but t10k-labels-idx1-ubyte holds 9999 labels"), "\(error)")
        }
        XCTAssertThrowsError(try FashionMNIST.load(from: "/nonexistent/fashion")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/fashion: no such directory") && "\(error)".contains("apt-get install dataset-fashion-mnist"), "\(error)")
        }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-empty-\(getpid())").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        XCTAssertThrowsError(try FashionMNIST.load(from: empty)) { error in
            XCTAssertTrue("\(error)".contains("no such file") && "\(error)".contains("apt-get install dataset-fashion-mnist"), "\(error)")
        }
    }
}
