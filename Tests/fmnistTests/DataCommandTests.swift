import Foundation
import XCTest

/// `fmnist data` on the real files, and its error lines.
final class DataCommandTests: XCTestCase {

    func testDataJSONAndFigures() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-data-\(getpid())").path
        let outcome = try FmnistProcess.run(["data", "--json", "--out-dir", dir, "--seed", "3", "--per-class", "4"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let train = try XCTUnwrap(json["train"] as? [String: Any])
        let validation = try XCTUnwrap(json["validation"] as? [String: Any])
        let test = try XCTUnwrap(json["test"] as? [String: Any])
        XCTAssertEqual(train["count"] as? Int, 54_000)
        XCTAssertEqual(validation["perClass"] as? [Int], [Int](repeating: 600, count: 10))
        XCTAssertEqual(test["perClass"] as? [Int], [Int](repeating: 1000, count: 10))
        XCTAssertEqual(try XCTUnwrap(test["pixelMean"] as? Double), 0.2868, accuracy: 1e-3)
        for key in ["samplesPNG", "labelsPNG"] {
            let path = try XCTUnwrap(json[key] as? String)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "\(key) is a PNG")
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    func testDataErrors() throws {
        let missing = try FmnistProcess.run(["data", "--data-dir", "/nonexistent/fm"])
        XCTAssertNotEqual(missing.status, 0)
        let lines = missing.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("/nonexistent/fm: no such directory") && missing.stderr.contains("apt-get install dataset-fashion-mnist"),
                      missing.stderr)
        let viaEnvironment = try FmnistProcess.run(["data"], environment: ["FMNIST_DATA": "/nonexistent/env"])
        XCTAssertTrue(viaEnvironment.stderr.contains("/nonexistent/env"), viaEnvironment.stderr)
        let fraction = try FmnistProcess.run(["data", "--val-fraction", "1"])
        XCTAssertNotEqual(fraction.status, 0)
        XCTAssertTrue(fraction.stderr.contains("--val-fraction"), fraction.stderr)
    }
}
