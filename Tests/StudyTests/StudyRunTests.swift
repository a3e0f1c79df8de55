import Backend
import Dataset
import Progress
import Reduce
import XCTest
@testable import Study

/// A tiny study end to end on the real Fashion-MNIST files: every stage runs, the outputs agree
/// with each other, a second run takes everything from the cache with the same numbers, and a
/// deleted artefact is recomputed alone.
final class StudyRunTests: XCTestCase {
    static let tiny = StudyProfile(name: .quick, allImages: false, clusterLimit: 600, trainingLimit: 512, autoencoderEpochs: 1,
                                   classifierEpochs: 1, latents: [4], components: [3], nmfIterations: 20, silhouetteSample: 200,
                                   elbowRange: 2 ... 4, dendrogramSample: 120, hierarchicalMaxDim: 128, linkageMaxPoints: 20_000,
                                   tsneIterations: 260)

    private func run(_ dir: String) throws -> StudyRecord {
        var settings = StudySettings(profile: Self.tiny, outputDirectory: dir, dataDirectory: FashionMNIST.directory(flag: nil))
        settings.quantizeKs = [2, 4]
        let silent = ProgressReporter(enabled: false, interactive: false) { _ in }
        return try Study(backend: CPUBackend(), settings: settings, progress: silent, note: { _ in }).run()
    }

    func testTinyStudyRunsCachesAndRecomputesOnlyWhatIsMissing() throws {
        guard FileManager.default.fileExists(atPath: FashionMNIST.directory(flag: nil)) else { throw XCTSkip("Fashion-MNIST is not installed") }
        let dir = NSTemporaryDirectory() + "study-run-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try run(dir)
        XCTAssertEqual(first.stages.map(\.name), StudyStage.allCases.map(\.rawValue))
        for stage in first.stages { XCTAssertTrue(stage.failures.isEmpty, "\(stage.name): \(stage.failures)") }
        // 10 feature sets of at most 128 dimensions (PCA, NMF, UMAP-3; conv-AE-4, dense-AE-4, CNN fc1, its PCA-10, three UMAP-10
        // of codes, one N2D's) x (K-means, Ward, HDBSCAN, GMM); raw pixels x (K-means, GMM); DBSCAN on CNN fc1; three linkages on
        // conv-AE-4; IDEC from dense-AE-4.
        XCTAssertEqual(first.rows.count, 10 * 4 + 2 + 1 + 3 + 1)
        XCTAssertNotNil(first.rows.first { $0.pipeline == "dense-AE-4 → UMAP-10 (N2D) + GMM" }?.ami)
        XCTAssertNotNil(first.rows.first { $0.pipeline == "dense-AE-4 + IDEC" }?.ami)
        XCTAssertEqual(Set(first.rows.map(\.pipeline)).count, first.rows.count)
        for row in first.rows {
            XCTAssertNil(row.error, row.pipeline)
            XCTAssertNotNil(row.ari, row.pipeline)
            XCTAssertTrue((-0.5 ... 1).contains(row.ari!) && (0 ... 1).contains(row.nmi!) && (0 ... 1).contains(row.accuracy!), row.pipeline)
        }
        XCTAssertTrue(first.rows.filter { $0.features.hasPrefix("CNN") }.allSatisfy(\.supervised))
        XCTAssertTrue(first.rows.filter { !$0.features.hasPrefix("CNN") }.allSatisfy { !$0.supervised })
        // The CNN's features separate the classes better than chance on any method.
        XCTAssertGreaterThan(first.rows.first { $0.pipeline == "CNN fc1 + K-means" }!.nmi!, 0.3)
        XCTAssertEqual(first.models.map(\.name), ["conv-ae-4", "dense-ae-4", "cnn", "softmax", "softmax-elastic-net"])
        // One epoch on 512 images: far from trained, but well above chance (0.1).
        XCTAssertGreaterThan(first.models.first { $0.name == "cnn" }!.accuracy!, 0.3)
        XCTAssertEqual(first.interpretations.first?.clusters.map(\.size).reduce(0, +), 600 - first.interpretations[0].noise)
        XCTAssertEqual(first.quantization?.ks, [2, 4])
        XCTAssertFalse(first.conclusions.isEmpty)
        for figure in first.figures { XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/" + figure.file), figure.file) }
        XCTAssertGreaterThanOrEqual(first.figures.count, 20)
        let csv = try String(contentsOfFile: dir + "/results.csv", encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, first.rows.count + 1)
        let json = try JSONDecoder().decode(StudyRecord.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/results.json")))
        XCTAssertEqual(json.rows, first.rows)
        XCTAssertTrue(try String(contentsOfFile: dir + "/report.html", encoding: .utf8).contains("results-table"))
        // The feature sets keep their order although the UMAP layouts are computed last, two at a time.
        var order: [String] = []
        for row in first.rows where order.last != row.features { order.append(row.features) }
        XCTAssertEqual(order, ["raw pixels", "PCA-3", "NMF-3", "UMAP-3", "conv-AE-4", "dense-AE-4", "CNN fc1", "CNN fc1 → PCA-10",
                               "conv-AE-4 → UMAP-10", "dense-AE-4 → UMAP-10", "dense-AE-4 → UMAP-10 (N2D)"])
        let timed = first.stages.first { $0.name == "features" }!.artefacts!.map(\.name)
        for layout in ["UMAP-3", "conv-AE-4 → UMAP-10", "dense-AE-4 → UMAP-10 (N2D)"] { XCTAssertTrue(timed.contains(layout), layout) }
        // A layout computed beside another is exactly the one computed alone.
        let images = try FashionMNIST.load(from: FashionMNIST.directory(flag: nil)).test.prefix(600)
        var umap = UMAP.Configuration()
        (umap.dims, umap.seed) = (3, 0)
        let alone = try UMAP.fit(images.images, rows: 600, dim: images.pixelsPerImage, configuration: umap, backend: CPUBackend())
        let stored = try FileManager.default.contentsOfDirectory(atPath: dir + "/cache").filter { $0.hasPrefix("features-UMAP-3-") }
        XCTAssertEqual(stored.count, 1)
        guard case .float32(let layout) = try NPYArray.read(dir + "/cache/" + stored[0]).elements else { return XCTFail("UMAP-3 is not float32") }
        XCTAssertEqual(layout, alone.embedding)

        // A second run computes nothing that is cached and finds the same numbers.
        let second = try run(dir)
        for name in ["models", "features", "clustering", "quantize"] {
            let stage = second.stages.first { $0.name == name }!
            XCTAssertEqual(stage.computed, 0, name)
            XCTAssertEqual(stage.status, .cached, name)
        }
        XCTAssertEqual(second.rows.sorted { $0.pipeline < $1.pipeline }, first.rows.sorted { $0.pipeline < $1.pipeline })

        // Remove one clustering's labels and score: exactly that one is recomputed, to the same labels' scores.
        let cache = dir + "/cache"
        let removed = try FileManager.default.contentsOfDirectory(atPath: cache).filter { $0.hasPrefix("labels-PCA-3_Ward-") || $0.hasPrefix("row-PCA-3_Ward-") }
        XCTAssertEqual(removed.count, 2)
        for file in removed { try FileManager.default.removeItem(atPath: cache + "/" + file) }
        // A model whose weights were deleted is trained again rather than failing on its leftover summary.
        let softmax = try FileManager.default.contentsOfDirectory(atPath: cache)
            .filter { $0.hasPrefix("model-softmax-") && !$0.contains("elastic") && $0.hasSuffix(".safetensors") }
        XCTAssertEqual(softmax.count, 1)
        try FileManager.default.removeItem(atPath: cache + "/" + softmax[0])
        let third = try run(dir)
        XCTAssertEqual(third.stages.first { $0.name == "models" }!.computed, 1)
        XCTAssertEqual(third.models.first { $0.name == "softmax" }!.accuracy, first.models.first { $0.name == "softmax" }!.accuracy)
        XCTAssertEqual(third.stages.first { $0.name == "clustering" }!.computed, 1)
        let before = first.rows.first { $0.pipeline == "PCA-3 + Ward" }!, after = third.rows.first { $0.pipeline == "PCA-3 + Ward" }!
        XCTAssertEqual(after.ari, before.ari)
        XCTAssertEqual(after.silhouette, before.silhouette)
    }
}
