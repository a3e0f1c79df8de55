import Foundation
import Imaging
import XCTest

/// `fmnist study` and `fmnist quantize` as a user runs them: bad input is one error line and a
/// non-zero exit; quantize writes what it says.
final class StudyCommandTests: XCTestCase {
    private func expectError(_ arguments: [String], _ fragment: String, file: StaticString = #filePath, line: UInt = #line) throws {
        assertOneErrorLine(try FmnistProcess.run(arguments), containing: fragment, "\(arguments)", file: file, line: line)
    }

    private func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "fmnist-study-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func testStudyRejectsBadInput() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try expectError(["study", "--only", "models,nonsense", "--out-dir", dir], "--only: 'nonsense' is not a stage")
        try expectError(["study", "--photograph", dir + "/missing.jpg", "--out-dir", dir], "--photograph \(dir)/missing.jpg: no such file")
        try expectError(["study", "--only", "data", "--photograph", dir + "/missing.jpg", "--out-dir", dir],
                        "--photograph applies to the quantize stage, which --only data leaves out")
        FileManager.default.createFile(atPath: dir + "/file", contents: Data("x".utf8))
        try expectError(["study", "--out-dir", dir + "/file"], "--out-dir \(dir)/file is a file, not a directory")
        try expectError(["study", "--profile", "huge"], "huge")
    }

    /// A study that cannot read the data set stops at once with the loader's error and leaves the
    /// previous run's report and results as they were (it used to run the photograph's stage, fail
    /// every other one and overwrite them with an empty report).
    func testStudyWithoutTheDataSetStopsBeforeWritingAnything() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let empty = dir + "/no-data"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let previous = Data("<html>the previous report</html>".utf8)
        try FileManager.default.createDirectory(atPath: dir + "/out", withIntermediateDirectories: true)
        for name in ["report.html", "results.json"] { try previous.write(to: URL(fileURLWithPath: dir + "/out/" + name)) }
        let outcome = try FmnistProcess.run(["study", "--data-dir", empty, "--out-dir", dir + "/out", "--backend", "cpu", "--quiet"])
        assertOneErrorLine(outcome, containing: "\(empty)/train-images-idx3-ubyte.gz: no such file", "missing data set")
        XCTAssertEqual(outcome.stdout, "")
        for name in ["report.html", "results.json"] {
            XCTAssertEqual(FileManager.default.contents(atPath: dir + "/out/" + name), previous, name)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out/results.csv"))
    }

    func testQuantizeWritesEveryKAndRejectsBadInput() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var raster = Raster(width: 8, height: 6, channels: 3)
        for i in 0 ..< 48 { raster.pixels.replaceSubrange((i * 3) ..< (i * 3 + 3), with: i % 2 == 0 ? [250, 10, 10] : [10, 10, 250]) }
        try PNGFile.write(raster, to: dir + "/in.png")
        let outcome = try FmnistProcess.run(["quantize", dir + "/in.png", "--k", "1,2", "--out-dir", dir + "/q", "--json", "--backend", "cpu"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let results = try XCTUnwrap(json["results"] as? [[String: Any]])
        XCTAssertEqual(results.compactMap { $0["k"] as? Int }, [1, 2])
        XCTAssertEqual(try XCTUnwrap(results[1]["meanSquaredError"] as? Double), 0, accuracy: 1e-9)
        XCTAssertGreaterThan(try XCTUnwrap(results[0]["meanSquaredError"] as? Double), 1000)
        let two = try PNGFile.read(dir + "/q/quantized-k2.png")
        XCTAssertEqual(two.pixels, raster.pixels)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/q/quantized.png"))
        XCTAssertEqual(results.compactMap { $0["colours"] as? Int }, [1, 2])
        // A photograph of two colours gives two at k = 3, and says so (it claimed "3 colours").
        let three = try FmnistProcess.run(["quantize", dir + "/in.png", "--k", "3", "--out-dir", dir + "/q3", "--backend", "cpu"])
        XCTAssertEqual(three.status, 0, three.stderr)
        XCTAssertTrue(three.stderr.contains("note: k 3 gave 2 distinct colours: the photograph has 2"), three.stderr)
        let quantized = try PNGFile.read(dir + "/q3/quantized-k3.png").pixels
        XCTAssertEqual(Set(stride(from: 0, to: quantized.count, by: 3).map { quantized[$0] }).count, 2)

        try expectError(["quantize", dir + "/in.png", "--k", "2,0"], "--k '2,0': '0' is not a colour count of at least 1")
        try expectError(["quantize", dir + "/in.png", "--k", "49", "--out-dir", dir + "/q"], "--k 49 is more than the image's 48 pixels")
        try expectError(["quantize", dir + "/nothing.png"], "\(dir)/nothing.png: no such file")
        FileManager.default.createFile(atPath: dir + "/text.png", contents: Data("not an image".utf8))
        try expectError(["quantize", dir + "/text.png", "--out-dir", dir + "/q"], "text.png: neither a PNG nor a JPEG file")
    }
}
