import Models
import XCTest

final class ClassificationReportTests: XCTestCase {
    /// A hand-made case: 3 classes, 6 samples.
    func testKnownValues() {
        let truth: [Int32] = [0, 0, 1, 1, 2, 2], predicted: [Int32] = [0, 1, 1, 1, 0, 2]
        let r = ClassificationReport(truth: truth, predicted: predicted, classes: 3)
        XCTAssertEqual(r.accuracy, 4.0 / 6.0, accuracy: 1e-12)
        XCTAssertEqual(r.confusion, [[1, 1, 0], [0, 2, 0], [1, 0, 1]])
        XCTAssertEqual(r.precision[0], 0.5, accuracy: 1e-12)
        XCTAssertEqual(r.precision[1], 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(r.recall[2], 0.5, accuracy: 1e-12)
        XCTAssertEqual(r.f1[1], 0.8, accuracy: 1e-12)
        XCTAssertEqual(r.macroF1, (0.5 + 0.8 + 2.0 / 3.0) / 3, accuracy: 1e-12)
    }
}
