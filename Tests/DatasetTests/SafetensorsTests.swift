import Dataset
import Foundation
import XCTest

/// The safetensors reader: round trip, and every malformed header one clear error naming the file
/// and the field, before anything is allocated.
final class SafetensorsTests: XCTestCase {
    /// A file from a raw JSON header and `dataBytes` zero bytes of tensor data.
    func file(header: String, dataBytes: Int, declaredLength: UInt64? = nil) -> [UInt8] {
        var json = [UInt8](header.utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var out = [UInt8]()
        withUnsafeBytes(of: (declaredLength ?? UInt64(json.count)).littleEndian) { out += $0 }
        return out + json + [UInt8](repeating: 0, count: dataBytes)
    }

    func testRoundTrip() throws {
        let original = Safetensors(tensors: [("a", .init(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])), ("b", .init(shape: [0], values: [])),
                                             ("c", .init(shape: [], values: [7]))], metadata: ["k": "v"])
        let parsed = try Safetensors(parsing: try original.encoded(), name: "x")
        XCTAssertEqual(parsed, original)
        // A header written by the Python library: other key order, no padding requirement.
        let python = file(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"format":"pt"}}"#, dataBytes: 8)
        XCTAssertEqual(try Safetensors(parsing: python, name: "p").byName["w"]?.shape, [2])
    }

    func testMalformedHeadersAreOneClearError() {
        let f32 = { (shape: String, offsets: String) in #"{"t":{"dtype":"F32","shape":\#(shape),"data_offsets":\#(offsets)}}"# }
        let cases: [(bytes: [UInt8], message: String)] = [
            ([1, 2, 3], "shorter than its 8-byte header length"),
            (file(header: "{}", dataBytes: 0, declaredLength: 1 << 40), "header length 1099511627776 exceeds the file"),
            (file(header: "[1, 2]", dataBytes: 0), "header is not a JSON object"),
            (file(header: #"{"t": 3}"#, dataBytes: 0), "tensor t is not a JSON object"),
            (file(header: #"{"t":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}}"#, dataBytes: 4), "tensor t has unknown dtype 'Q7'"),
            (file(header: #"{"t":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#, dataBytes: 8), "tensor t is F64; fmnist reads F32"),
            (file(header: #"{"t":{"dtype":"F32","data_offsets":[0,4]}}"#, dataBytes: 4), "tensor t has no shape"),
            (file(header: #"{"t":{"dtype":"F32","shape":[1]}}"#, dataBytes: 4), "tensor t has no data_offsets"),
            (file(header: f32("[-1]", "[0,4]"), dataBytes: 4), "negative dimension in shape [-1]"),
            (file(header: f32("[4294967296, 4294967296, 4]", "[0,4]"), dataBytes: 4), "needs more bytes than the file's 4 data bytes"),
            (file(header: f32("[1]", "[8,4]"), dataBytes: 8), "data_offsets [8, 4] outside"),
            (file(header: f32("[1]", "[0,400]"), dataBytes: 8), "data_offsets [0, 400] outside the 8 data bytes"),
            (file(header: f32("[2]", "[0,4]"), dataBytes: 8), "(4 bytes) for F32 shape [2] (8 bytes)"),
            (file(header: f32("[1]", "[4,8]"), dataBytes: 8), "begin at 4, where 0 was expected (a gap before it)"),
            (file(header: f32("[1]", "[0,4]"), dataBytes: 8), "the tensors cover 4 of the 8 data bytes"),
            (file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                  dataBytes: 8), "(it overlaps the tensor before it)"),
            (file(header: #"{"__metadata__":{"k":3}}"#, dataBytes: 0), "__metadata__ must map strings to strings"),
        ]
        for (bytes, message) in cases {
            XCTAssertThrowsError(try Safetensors(parsing: bytes, name: "bad.safetensors")) { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix("bad.safetensors: ") && text.contains(message) && !text.contains("\n"), "\(text) (expected: \(message))")
            }
        }
    }
}
