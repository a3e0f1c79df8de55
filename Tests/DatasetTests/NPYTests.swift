import Dataset
import Foundation
import XCTest

/// `.npy` reading and writing against files written by NumPy 2.4.6 (Fixtures/), made with:
///
///     np.save('f4_2x3.npy', (np.arange(6, dtype='<f4').reshape(2, 3) / 4).astype('<f4'))
///     np.save('f8_5.npy', np.array([0.1, -2.5, 1e300, 5e-324, -0.0], dtype='<f8'))
///     np.save('i4_2x2x2.npy', (np.arange(8, dtype='<i4') - 4).reshape(2, 2, 2))
///     np.save('i8_scalar.npy', np.array(-7, dtype='<i8'))
///     np.save('u1_4.npy', np.array([0, 1, 254, 255], dtype=np.uint8))
///     np.save('f4_empty_0x3.npy', np.zeros((0, 3), dtype='<f4'))
///     np.save('i8_labels_10.npy', np.arange(10, dtype='<i8') % 3)
///     format.write_array(f, np.array([[1.5, -2.0]], dtype='<f4'), version=(2, 0))  # f4_v2.npy, and (3, 0): f4_v3.npy
///     np.save('fortran_f4.npy', np.asfortranarray(np.arange(6, dtype='<f4').reshape(2, 3)))
///     np.save('bigendian_f4.npy', np.arange(3, dtype='>f4'))
///     np.save('f2_3.npy', np.arange(3, dtype='<f2'))
final class NPYTests: XCTestCase {
    func fixture(_ name: String) throws -> String {
        try XCTUnwrap(Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Fixtures"), "missing fixture \(name)")
    }

    func testReadsEveryDtypeWrittenByNumPy() throws {
        var a = try NPYArray.read(try fixture("f4_2x3.npy"))
        XCTAssertEqual(a.shape, [2, 3])
        XCTAssertEqual(a.elements, .float32([0, 0.25, 0.5, 0.75, 1, 1.25]))
        a = try NPYArray.read(try fixture("f8_5.npy"))
        XCTAssertEqual(a.shape, [5])
        XCTAssertEqual(a.elements, .float64([0.1, -2.5, 1e300, Double.leastNonzeroMagnitude, -0.0]))
        a = try NPYArray.read(try fixture("i4_2x2x2.npy"))
        XCTAssertEqual(a.shape, [2, 2, 2])
        XCTAssertEqual(a.elements, .int32([-4, -3, -2, -1, 0, 1, 2, 3]))
        a = try NPYArray.read(try fixture("i8_scalar.npy"))
        XCTAssertEqual(a.shape, [])
        XCTAssertEqual(a.elements, .int64([-7]))
        a = try NPYArray.read(try fixture("u1_4.npy"))
        XCTAssertEqual(a.elements, .uint8([0, 1, 254, 255]))
        a = try NPYArray.read(try fixture("f4_empty_0x3.npy"))
        XCTAssertEqual(a.shape, [0, 3])
        XCTAssertEqual(a.elements.count, 0)
        XCTAssertEqual(try NPYArray.read(try fixture("i8_labels_10.npy")).integers, [0, 1, 2, 0, 1, 2, 0, 1, 2, 0])
    }

    func testReadsFormatVersions2And3() throws {
        for name in ["f4_v2.npy", "f4_v3.npy"] {
            let a = try NPYArray.read(try fixture(name))
            XCTAssertEqual(a.shape, [1, 2], name)
            XCTAssertEqual(a.elements, .float32([1.5, -2]), name)
        }
    }

    /// Writing reproduces NumPy's bytes exactly, header padding included.
    func testWritesTheSameBytesAsNumPy() throws {
        for name in ["f4_2x3.npy", "f8_5.npy", "i4_2x2x2.npy", "i8_scalar.npy", "u1_4.npy", "f4_empty_0x3.npy", "i8_labels_10.npy"] {
            let original = try Data(contentsOf: URL(fileURLWithPath: try fixture(name)))
            let array = try NPYArray(parsing: [UInt8](original), name: name)
            XCTAssertEqual(array.encoded(), [UInt8](original), "\(name) re-encoded differs from NumPy's file")
        }
    }

    func testRoundTripThroughAFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(getpid()).npy").path
        let array = NPYArray(shape: [3, 1, 2], elements: .float32([1, -1, .pi, 0, 1e-30, 65504]))
        try array.write(to: path)
        XCTAssertEqual(try NPYArray.read(path), array)
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Fortran-order files (NumPy writes them for many scikit-learn results) read into C order.
    func testReadsFortranOrder() throws {
        let cube = try NPYArray.read(try fixture("fortran_i8_2x3x4.npy"))
        XCTAssertEqual(cube.shape, [2, 3, 4])
        XCTAssertEqual(cube.integers, (0 ..< 24).map(Int64.init))
        let matrix = try NPYArray.read(try fixture("fortran_f4.npy"))
        XCTAssertEqual(matrix, NPYArray(shape: matrix.shape, elements: .float32([0, 1, 2, 3, 4, 5])), "C order: row 0 is 0, 1, 2")
    }

    func testRejectsWhatItCannotRead() throws {
        let cases: [(String, String)] = [
            ("bigendian_f4.npy", "big-endian"),
            ("f2_3.npy", "unsupported dtype '<f2'"),
        ]
        for (name, message) in cases {
            XCTAssertThrowsError(try NPYArray.read(try fixture(name)), name) { error in
                XCTAssertTrue("\(error)".contains(message), "\(name): \(error)")
                XCTAssertTrue("\(error)".contains(name), "error names the file: \(error)")
            }
        }
    }

    func testRejectsCorruptBytes() throws {
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try fixture("f4_2x3.npy"))))
        let cases: [([UInt8], String)] = [
            (Array(good.prefix(good.count - 1)), "truncated data"),
            (good + [0], "unexpected bytes"),
            (Array("PK\u{3}\u{4}not npy at all".utf8), "not a .npy file"),
            (Array(good.prefix(9)), "not a .npy file"),
            (Array(good.prefix(40)), "truncated .npy header"),
            ([0x93] + Array("NUMPY".utf8) + [9, 0, 0, 0], "version 9.0"),
            (good.replacing(Array("'shape': (2, 3)".utf8), with: Array("'shape': (2, x)".utf8)), "bad shape entry"),
            (good.replacing(Array("False".utf8), with: Array("Fals_".utf8)), "True or False"),
        ]
        for (bytes, message) in cases {
            XCTAssertThrowsError(try NPYArray(parsing: bytes, name: "x.npy")) { error in
                XCTAssertTrue("\(error)".contains(message), "expected '\(message)', got: \(error)")
            }
        }
    }
}
