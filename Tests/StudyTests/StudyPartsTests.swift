import Backend
import Dataset
import Imaging
import Progress
import XCTest
@testable import Study

/// The study's parts: cache keys, the results table, the reading of clusters as classes, the
/// conclusions, the report's HTML, colour quantisation and JPEG reading.
final class StudyPartsTests: XCTestCase {
    func testKeysChangeWithEverySetting() {
        let base = ArtefactKey("images", "test-10000")
        XCTAssertEqual(base.hash, ArtefactKey("images", "test-10000").hash)
        XCTAssertEqual(base.hash.count, 16)
        XCTAssertNotEqual(base.hash, base.with("pca 10").hash)
        XCTAssertNotEqual(base.with("pca 10").hash, base.with("pca 20").hash)
        XCTAssertNotEqual(base.with(ArtefactKey("model", "seed 0")).hash, base.with(ArtefactKey("model", "seed 1")).hash)
        // Parts are separated, so moving text between them changes the key.
        XCTAssertNotEqual(ArtefactKey("ab", "c").hash, ArtefactKey("a", "bc").hash)
    }

    /// The cache's root keys carry the build, so what another build computed (before a fix) is
    /// recomputed, not reused.
    func testRootKeysCarryTheBuild() throws {
        XCTAssertEqual(BuildIdentity.current.count, 16, "the test bundle's executable is readable")
        XCTAssertEqual(BuildIdentity.current, BuildIdentity.hash(try Data(contentsOf: URL(fileURLWithPath: "/proc/self/exe"))))
        XCTAssertNotEqual(BuildIdentity.hash(Data([1, 2, 3, 4, 5, 6, 7, 8, 9])), BuildIdentity.hash(Data([1, 2, 3, 4, 5, 6, 7, 8, 10])))
        XCTAssertNotEqual(BuildIdentity.hash(Data([1, 2, 3, 4, 5, 6, 7, 8, 9])), BuildIdentity.hash(Data([1, 2, 3, 4, 5, 6, 7, 9, 9])))
        XCTAssertNotEqual(BuildIdentity.hash(Data(count: 8)), BuildIdentity.hash(Data(count: 16)))
        let dir = NSTemporaryDirectory() + "study-keys-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let settings = StudySettings(profile: StudyRunTests.tiny, outputDirectory: dir, dataDirectory: "/nowhere")
        let study = try Study(backend: CPUBackend(), settings: settings, progress: ProgressReporter(enabled: false, interactive: false) { _ in },
                              note: { _ in })
        XCTAssertTrue(study.imagesKey.text.hasSuffix("|build \(BuildIdentity.current)"), study.imagesKey.text)
    }

    func testCacheComputesOnceAndWritesNothingPartial() throws {
        let dir = NSTemporaryDirectory() + "study-cache-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = try ArtefactCache(directory: dir)
        let key = ArtefactKey("m")
        var hit = true, calls = 0
        let first = try cache.matrix("x", key, hit: &hit) { calls += 1; return ([1, 2, 3, 4, 5, 6], 2, 3) }
        XCTAssertFalse(hit)
        let second = try cache.matrix("x", key, hit: &hit) { calls += 1; return ([], 0, 0) }
        XCTAssertTrue(hit)
        XCTAssertEqual(calls, 1)
        XCTAssertEqual(first.values, second.values)
        XCTAssertEqual(second.rows, 2)
        // A failing computation leaves no file behind, so the next run computes again.
        XCTAssertThrowsError(try cache.labels("y", key, hit: &hit) { throw DataError("interrupted") })
        XCTAssertFalse(cache.exists("y", key, ext: "npy"))
        XCTAssertEqual(try cache.labels("y", key, hit: &hit) { [3, -1] }, [3, -1])
        XCTAssertFalse(hit)
        XCTAssertTrue(try FileManager.default.contentsOfDirectory(atPath: dir).allSatisfy { !$0.contains(".tmp") })
    }

    private func row(_ features: String, _ method: String, ami: Double?, ari: Double?, supervised: Bool = false) -> ResultRow {
        var r = ResultRow(features: features, supervised: supervised, dims: 10, method: method, parameters: "k 10, \"quoted\"")
        (r.ami, r.ari, r.nmi, r.accuracy, r.clusters) = (ami, ari, ami, ari, 10)
        if ami == nil { r.error = "failed" }
        return r
    }

    func testTableRanksByAMIAndQuotesCSV() {
        let rows = [row("PCA-10", "K-means", ami: 0.5, ari: 0.3), row("UMAP-10", "Ward", ami: 0.65, ari: 0.47), row("raw pixels", "GMM", ami: nil, ari: nil),
                    row("UMAP-10", "GMM", ami: 0.65, ari: 0.5)]
        let ranked = ResultsTable.ranked(rows)
        XCTAssertEqual(ranked.map(\.pipeline), ["UMAP-10 + GMM", "UMAP-10 + Ward", "PCA-10 + K-means", "raw pixels + GMM"])
        let csv = ResultsTable.csv(ranked).split(separator: "\n")
        XCTAssertEqual(csv.count, 5)
        XCTAssertTrue(csv[0].hasPrefix("features,supervised,dims,method,parameters,clusters,ari,ami,nmi,accuracy"))
        XCTAssertTrue(csv[1].contains("\"k 10, \"\"quoted\"\"\""), String(csv[1]))
        XCTAssertTrue(csv[4].hasSuffix(",failed"))
    }

    func testInterpretationSharesAndFamilies() {
        // Cluster 7: 6 sandals, 3 sneakers, 1 bag; cluster 2: 4 shirts; 2 noise points.
        let labels: [Int64] = [7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 2, 2, 2, 2, -1, -1]
        let truth: [Int32] = [5, 5, 5, 5, 5, 5, 7, 7, 7, 8, 6, 6, 6, 6, 0, 1]
        let reading = Study<CPUBackend>.interpret(labels: labels, truth: truth, pipeline: "p", why: "w")
        XCTAssertEqual(reading.noise, 2)
        XCTAssertEqual(reading.clusters.map(\.id), [7, 2])
        XCTAssertEqual(reading.clusters[0].size, 10)
        XCTAssertEqual(reading.clusters[0].classes.map(\.name), ["Sandal", "Sneaker", "Bag"])
        XCTAssertEqual(reading.clusters[0].classes.map(\.share), [0.6, 0.3, 0.1])
        let families = Conclusions.familyReading(reading)
        XCTAssertTrue(families.contains("footwear — cluster 7 (at least 90 % of their images in the group)"), families)
        XCTAssertTrue(families.contains("upper-body garments — cluster 2 (at least 100 %"), families)
        XCTAssertTrue(families.contains("bags: no cluster"), families)
    }

    private func record(rows: [ResultRow]) -> StudyRecord {
        var r = StudyRecord(profile: .quick, backend: "cpu (test)", seed: 0, started: "2026-11-29T00:00:00Z")
        r.rows = rows
        r.stages = [StageRecord(name: "clustering", seconds: 1, status: .partly, computed: 3, cached: 0, failures: ["raw pixels + GMM: <boom>"])]
        return r
    }

    func testConclusionsNameTheBestUnsupervisedPipelineAndTheSeeds() {
        let rows = [row("CNN fc1", "K-means", ami: 0.7, ari: 0.6, supervised: true), row("UMAP-10", "Ward", ami: 0.66, ari: 0.48),
                    row("PCA-10", "K-means", ami: 0.5, ari: 0.3)]
        let text = Conclusions.write(record(rows: rows)).joined(separator: "\n")
        XCTAssertTrue(text.contains("Best unsupervised technique on the 10,000 test images (quick profile): **UMAP-10 + Ward** — ARI 0.480, AMI 0.660"), text)
        XCTAssertTrue(text.contains("CNN fc1 + K-means reaches AMI 0.700"), text)
        XCTAssertTrue(text.contains("the same pipeline here scores ARI 0.480 / AMI 0.660"), text)
        XCTAssertTrue(text.contains("above seed 004's AMI by 0.003"), text)
        XCTAssertEqual(Conclusions.write(record(rows: [])), ["No clustering finished, so no technique can be named; see the failures listed with the stages."])
    }

    func testReportIsSelfContainedAndEscaped() throws {
        let dir = NSTemporaryDirectory() + "study-report-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/figures", withIntermediateDirectories: true)
        try LineChart(title: "t", xLabel: "k", points: [(2, 1), (3, 0.5)]).write(to: dir + "/figures/elbow.png")
        var r = record(rows: [row("UMAP-10", "Ward", ami: 0.66, ari: 0.48), row("raw pixels", "GMM", ami: nil, ari: nil)])
        r.figures = [FigureRecord(section: "views", file: "figures/elbow.png", title: "Elbow <k>", caption: "a & b")]
        r.conclusions = ["Best: **UMAP-10 + Ward** with `fmnist`."]
        let writer = ReportWriter(record: r, outputDirectory: dir)
        try writer.write()
        let html = try String(contentsOfFile: writer.path, encoding: .utf8)
        for id in ["run", "data", "models", "results", "interpretation", "views", "quantize", "conclusions"] {
            XCTAssertTrue(html.contains("<section id=\"\(id)\">"), id)
        }
        XCTAssertTrue(html.contains("src=\"data:image/png;base64,iVBOR"), "the figure is not inline PNG")
        XCTAssertFalse(html.contains("src=\"http") || html.contains("href=\"http") || html.contains("<link"), "the report loads something from outside")
        XCTAssertTrue(html.contains("Elbow &lt;k&gt;") && html.contains("a &amp; b") && html.contains("&lt;boom&gt;"))
        XCTAssertTrue(html.contains("<strong>UMAP-10 + Ward</strong> with <code>fmnist</code>."))
        XCTAssertEqual(html.components(separatedBy: "<tr class=\"best\">").count - 1, 1)
        // Sections with nothing in them say so (and the browser check fails on that marker).
        XCTAssertTrue(html.contains("<section id=\"interpretation\"><h2>Interpretation: clusters read as classes</h2>\n<p class=\"empty\">"))
    }

    func testQuantizationFindsTheColours() throws {
        // 6 x 5 pixels in three colours: k = 3 reproduces the image exactly.
        let palette: [[UInt8]] = [[200, 30, 30], [20, 180, 40], [10, 20, 220]]
        var raster = Raster(width: 6, height: 5, channels: 3)
        for i in 0 ..< 30 { raster.pixels.replaceSubrange((i * 3) ..< (i * 3 + 3), with: palette[(i * 7) % 3]) }
        let backend = CPUBackend()
        let exact = try ColorQuantizer.quantize(raster, k: 3, seed: 1, backend: backend)
        XCTAssertEqual(exact.image.pixels, raster.pixels)
        XCTAssertEqual(exact.meanSquaredError, 0, accuracy: 1e-9)
        let two = try ColorQuantizer.quantize(raster, k: 2, seed: 1, backend: backend)
        XCTAssertGreaterThan(two.meanSquaredError, 100)
        XCTAssertEqual(Set(stride(from: 0, to: 90, by: 3).map { two.image.pixels[$0 ..< $0 + 3] }).count, 2)
        XCTAssertThrowsError(try ColorQuantizer.quantize(raster, k: 31, seed: 1, backend: backend))
        let figure = ColorQuantizer.sideBySide(original: raster, results: [exact, two])
        XCTAssertEqual(try figure.cairoRaster().width, figure.width)
    }

    func testJPEGReading() throws {
        let photo = ColorQuantizer.debianPhotograph
        guard FileManager.default.fileExists(atPath: photo) else { throw XCTSkip("\(photo) is not installed (make deps installs it)") }
        let raster = try PhotographFile.read(photo)
        XCTAssertEqual([raster.width, raster.height, raster.channels], [512, 600, 3])
        let centre = (300 * 512 + 256) * 3
        XCTAssertFalse(raster.pixels[centre] == raster.pixels[centre + 1] && raster.pixels[centre + 1] == raster.pixels[centre + 2],
                       "a colour photograph decoded as gray")
        let bytes = [UInt8](FileManager.default.contents(atPath: photo)!)
        XCTAssertThrowsError(try JPEGFile.decode(Array(bytes.prefix(600)), name: "cut.jpg")) { error in
            XCTAssertTrue("\(error)".hasPrefix("cut.jpg: not a readable JPEG"), "\(error)")
        }
        XCTAssertThrowsError(try JPEGFile.decode([0xFF, 0xD8, 0xFF, 0, 1, 2], name: "junk.jpg"))
    }
}
