@testable import Cluster
import XCTest

/// External metrics on hand-made cases with values computed by scikit-learn (1.9.1, in
/// benchmarks/.venv) and their invariances.
final class MetricsTests: XCTestCase {
    func testPerfectAndPermutedLabelingsScoreOne() {
        let truth: [Int64] = [0, 0, 1, 1, 2, 2]
        for predicted in [[0, 0, 1, 1, 2, 2], [5, 5, 3, 3, -1, -1]] as [[Int64]] {
            let m = ExternalMetrics(truth: truth, predicted: predicted)
            for (name, value) in [("ari", m.ari), ("nmi", m.nmi), ("ami", m.ami), ("acc", m.accuracy), ("v", m.vMeasure),
                                  ("purity", m.purity), ("fm", m.fowlkesMallows)] {
                XCTAssertEqual(value, 1, accuracy: 1e-12, name)
            }
        }
    }

    /// Two singletons against themselves: every table with these margins has MI log 2, so the
    /// expected MI equals the maximum; scikit-learn scores this perfect match AMI 1.0 (fmnist said 0).
    func testPerfectMatchWhoseExpectationIsTheMaximumScoresOne() {
        for predicted in [[0, 1], [7, 3]] as [[Int64]] {
            let m = ExternalMetrics(truth: [0, 1], predicted: predicted)
            XCTAssertEqual(m.ami, 1, accuracy: 1e-12)
            XCTAssertEqual(m.nmi, 1, accuracy: 1e-12)
        }
        XCTAssertEqual(ExternalMetrics(truth: [0, 1], predicted: [0, 0]).ami, 0, accuracy: 1e-12, "one cluster: no information")
    }

    /// truth [0,0,0,1,1,1], predicted [0,0,1,1,2,2]: scikit-learn gives ARI 0.24242424, NMI and
    /// V-measure 0.51580374, AMI 0.29879246, homogeneity 0.66666667, completeness 0.42061984,
    /// Fowlkes-Mallows 0.47140452.
    func testKnownValues() {
        let m = ExternalMetrics(truth: [0, 0, 0, 1, 1, 1], predicted: [0, 0, 1, 1, 2, 2])
        XCTAssertEqual(m.ari, 0.24242424, accuracy: 1e-8)
        XCTAssertEqual(m.homogeneity, 0.66666667, accuracy: 1e-8)
        XCTAssertEqual(m.completeness, 0.42061984, accuracy: 1e-8)
        XCTAssertEqual(m.nmi, 0.51580374, accuracy: 1e-8)
        XCTAssertEqual(m.vMeasure, 0.51580374, accuracy: 1e-8)
        XCTAssertEqual(m.ami, 0.29879246, accuracy: 1e-8)
        XCTAssertEqual(m.fowlkesMallows, 0.47140452, accuracy: 1e-8)
        XCTAssertEqual(m.purity, 5.0 / 6.0, accuracy: 1e-12)
        XCTAssertEqual(m.accuracy, 4.0 / 6.0, accuracy: 1e-12)
        XCTAssertLessThan(m.ami, m.nmi, "AMI corrects NMI for chance")
    }

    /// A random labeling of many points scores about 0 on the chance-corrected metrics.
    func testChanceLevelIsZero() {
        var g = SystemRandomNumberGenerator()
        let truth = (0 ..< 3000).map { _ in Int64.random(in: 0 ..< 5, using: &g) }
        let predicted = (0 ..< 3000).map { _ in Int64.random(in: 0 ..< 5, using: &g) }
        let m = ExternalMetrics(truth: truth, predicted: predicted)
        XCTAssertEqual(m.ari, 0, accuracy: 0.02)
        XCTAssertEqual(m.ami, 0, accuracy: 0.02)
    }

    /// With more clusters than classes, the clusters the one-to-one matching leaves over are listed, and only the
    /// matched clusters' points count as correct: here 5 clusters on 3 classes, the matching keeps clusters 0, 2, 4.
    func testUnmatchedClustersAreListedAndCountAsErrors() {
        let truth: [Int64] = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 0, 1]
        let predicted: [Int64] = [0, 0, 0, 1, 2, 2, 2, 4, 4, 4, 3, -1]
        let m = ExternalMetrics(truth: truth, predicted: predicted)
        XCTAssertEqual(m.unmatchedClusters, [-1, 1, 3])
        XCTAssertEqual(m.accuracy, 9.0 / 12.0, accuracy: 1e-12)
        XCTAssertEqual(m.hungarianMapping[1], 0, "a left-over cluster is shown with its majority class")
        XCTAssertEqual(ExternalMetrics(truth: truth, predicted: truth).unmatchedClusters, [])
    }

    func testHungarianFindsTheBestMatching() {
        XCTAssertEqual(Hungarian.maximise([[1, 9, 0], [8, 7, 0], [0, 0, 3]]), [1, 0, 2])
        XCTAssertEqual(Hungarian.maximise([[5, 1], [4, 6], [9, 0]]).filter { $0 >= 0 }.count, 2)
    }
}
