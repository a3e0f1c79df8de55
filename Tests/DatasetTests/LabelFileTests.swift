@testable import Dataset
import Foundation
import XCTest

/// Label files in both formats: round trips, the spellings other tools write, and one error line
/// naming the file (and the line) for each kind of bad file.
final class LabelFileTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-labels-\(getpid())-\(name.hashValue)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func testRoundTripsInBothFormats() throws {
        let labels: [Int64] = [3, -1, 0, 9, 9, 120, -1]
        for name in ["l.npy", "l.csv", "L.CSV"] {
            let path = "\(dir)/\(name)"
            try LabelFile.write(labels, to: path)
            XCTAssertEqual(try LabelFile.read(path), labels, name)
        }
        XCTAssertEqual(try String(contentsOfFile: "\(dir)/l.csv", encoding: .utf8), "label\n3\n-1\n0\n9\n9\n120\n-1\n")
        XCTAssertEqual(try NPYArray.read("\(dir)/l.npy"), NPYArray(shape: [7], elements: .int64(labels)), "int64 [N], as np.load reads it")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [], "written through a temporary file and a rename")
    }

    /// What pandas (`to_csv(index=False)`), NumPy (`savetxt`) and spreadsheets write.
    func testReadsOtherToolsSpellings() throws {
        let cases: [(String, [Int64])] = [
            ("cluster\n1\n0\n", [1, 0]),            // pandas with another column name
            ("1\n0\n-1", [1, 0, -1]),               // savetxt without a header, no final newline
            ("label\r\n2\r\n5\r\n\r\n", [2, 5]),   // CRLF and a blank last line
            ("\"label\"\n 4 \n7\n", [4, 7]),        // quoted header, spaces around a value
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try LabelFile.parseCSV(text, path: "x.csv"), expected, text.debugDescription)
        }
    }

    func testBadFilesSayWhatIsWrong() throws {
        let cases: [(String, String)] = [
            ("label,count\n1,2\n", "line 1 has more than one field; a label file has one column"),
            ("label\n1\nx\n", "line 3 ('x') is not an integer label"),
            ("label\n1\n\n2\n", "line 3 ('') is not an integer label"),
            ("label\n1.5\n", "line 2 ('1.5') is not an integer label"),
            ("label\n", "holds no labels"),
            ("", "holds no labels"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try LabelFile.parseCSV(text, path: "bad.csv"), text.debugDescription) { error in
                XCTAssertEqual("\(error)", "bad.csv: " + message)
            }
        }
        XCTAssertThrowsError(try LabelFile.write([1], to: "\(dir)/l.txt")) { XCTAssertEqual("\($0)", "\(dir)/l.txt: a label file must end in .npy or .csv") }
        XCTAssertThrowsError(try LabelFile.read("\(dir)/missing.csv")) { XCTAssertTrue("\($0)".hasPrefix("\(dir)/missing.csv: "), "\($0)") }
        try NPYArray(shape: [2], elements: .float32([0, 1])).write(to: "\(dir)/f.npy")
        XCTAssertThrowsError(try LabelFile.read("\(dir)/f.npy")) { XCTAssertEqual("\($0)", "\(dir)/f.npy: dtype <f4 is not an integer type") }
        try NPYArray(shape: [1, 2], elements: .int64([0, 1])).write(to: "\(dir)/m.npy")
        XCTAssertThrowsError(try LabelFile.read("\(dir)/m.npy")) { XCTAssertEqual("\($0)", "\(dir)/m.npy: shape [1, 2] is not [N]") }
    }
}
