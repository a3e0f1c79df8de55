import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Imaging
import XCTest

final class DendrogramChartTests: XCTestCase {
    /// Five points: (0,1) at 1, (2,3) at 2, (5,4) at 3, then 6 with the point 4 at 5. SciPy ids:
    /// 5 = {0,1}, 6 = {2,3}, 7 = {5,6}, 8 = {4,7}.
    let merges: [(left: Int, right: Int, height: Double, size: Int)] = [(0, 1, 1, 2), (2, 3, 2, 2), (5, 6, 3, 4), (4, 7, 5, 5)]

    func testLeafOrderTruncatesToTheLastMerges() {
        XCTAssertEqual(DendrogramChart(title: "t", points: 5, merges: merges, leaves: 5).leafOrder, [4, 0, 1, 2, 3])
        XCTAssertEqual(DendrogramChart(title: "t", points: 5, merges: merges, leaves: 3).leafOrder, [4, 5, 6])
        XCTAssertEqual(DendrogramChart(title: "t", points: 5, merges: merges, leaves: 2).leafOrder, [4, 7])
        XCTAssertEqual(DendrogramChart(title: "t", points: 5, merges: merges, leaves: 99).leafOrder.count, 5, "leaves capped at n")
    }

    /// The SVG parses as XML, escapes text, and draws three lines per shown merge; PNG and SVG share a size.
    func testSVGIsWellFormed() throws {
        let chart = DendrogramChart(title: "a <b> & \"c\"", points: 5, merges: merges, leaves: 3, captions: [5: "Trouser", 6: "Bag"])
        let svg = chart.svg().text
        let parser = XMLParser(data: Data(svg.utf8))
        XCTAssertTrue(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        XCTAssertTrue(svg.contains("a &lt;b&gt; &amp; &quot;c&quot;"))
        XCTAssertEqual(svg.components(separatedBy: "<line").count - 1, 3 * 2)
        XCTAssertTrue(svg.contains(">Trouser<") && svg.contains(">(2)<"))
        let raster = chart.render()
        XCTAssertEqual([raster.width, raster.height], [chart.width, chart.height])
    }
}
