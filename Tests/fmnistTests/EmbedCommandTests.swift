import Dataset
import Foundation
import Imaging
import XCTest

/// `fmnist embed` end to end on a small real subset.
final class EmbedCommandTests: XCTestCase {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-embed-\(getpid())").path

    override func setUpWithError() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func testPCAAndUMAPWithScatterAndTrustworthiness() throws {
        let backends = ProcessInfo.processInfo.environment["FMNIST_REQUIRE_OPENCL"] == "1" ? ["cpu", "opencl"] : ["cpu"]
        var umapOutputs: [[Float]] = []
        for backend in backends {
            let pca = "\(dir)/pca-\(backend).npy"
            let p = try FmnistProcess.run(["embed", "--method", "pca", "--split", "test", "--limit", "600", "--dims", "20", "--out", pca,
                                           "--json", "--backend", backend])
            XCTAssertEqual(p.status, 0, p.stderr)
            let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any])
            let ratio = try XCTUnwrap(report["explainedVarianceRatio"] as? [Double])
            XCTAssertEqual(ratio.count, 20)
            XCTAssertTrue(zip(ratio, ratio.dropFirst()).allSatisfy { $0 >= $1 } && ratio.reduce(0, +) < 1 && ratio[0] > 0.2, "\(ratio)")
            XCTAssertEqual(try NPYArray.read(pca).shape, [600, 20])

            let umap = "\(dir)/umap-\(backend).npy", png = "\(dir)/umap-\(backend).png"
            let u = try FmnistProcess.run(["embed", "--method", "umap", "--split", "test", "--limit", "600", "--n-neighbors", "10",
                                           "--epochs", "150", "--out", umap, "--scatter", png, "--trustworthiness", "--sample", "600",
                                           "--json", "--backend", backend])
            XCTAssertEqual(u.status, 0, u.stderr)
            let ur = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(u.stdout.utf8)) as? [String: Any])
            let trust = try XCTUnwrap((ur["trustworthiness"] as? [String: Any])?["trustworthiness"] as? Double)
            XCTAssertGreaterThan(trust, 0.9, "UMAP-2 of 600 test images keeps neighbourhoods")
            // The order --sgd auto took: the blocked order on CPU cores (the device sweep on a GPU).
            let order = try XCTUnwrap(ur["sgd"] as? String)
            XCTAssertTrue(backend == "cpu" ? order == "blocked" : ["blocked", "synchronous"].contains(order), "\(backend): \(order)")
            XCTAssertEqual(Set((try XCTUnwrap(ur["seconds"] as? [String: Double])).keys),
                           ["k-NN", "graph", "initialisation", "optimisation", "total", "trustworthiness"])
            let image = try PNGFile.read(png)
            XCTAssertGreaterThan(image.width, 700)
            // umap-learn's sequential order runs on the host and is identical on every backend (the
            // default, auto, sweeps synchronously on an OpenCL device).
            let sequential = "\(dir)/umap-sequential-\(backend).npy"
            let s = try FmnistProcess.run(["embed", "--method", "umap", "--split", "test", "--limit", "600", "--n-neighbors", "10",
                                           "--epochs", "150", "--sgd", "sequential", "--out", sequential, "--quiet", "--backend", backend])
            XCTAssertEqual(s.status, 0, s.stderr)
            umapOutputs.append(try NPYArray.read(sequential).floats)
        }
        XCTAssertTrue(umapOutputs.dropFirst().allSatisfy { $0 == umapOutputs[0] }, "UMAP --sgd sequential differs between backends")

        // The embedding is a valid --input for clustering, and --color-by takes its labels.
        let labels = "\(dir)/labels.npy"
        XCTAssertEqual(try FmnistProcess.run(["cluster", "--input", "\(dir)/umap-cpu.npy", "--k", "10", "--out", labels, "--quiet",
                                              "--backend", "cpu"]).status, 0)
        let coloured = try FmnistProcess.run(["embed", "--method", "pca", "--input", "\(dir)/pca-cpu.npy", "--out", "\(dir)/p2.npy",
                                              "--scatter", "\(dir)/p2.svg", "--color-by", labels, "--quiet", "--backend", "cpu"])
        XCTAssertEqual(coloured.status, 0, coloured.stderr)
        XCTAssertTrue(try String(contentsOfFile: "\(dir)/p2.svg", encoding: .utf8).contains("cluster 9 ("))
    }

    /// densMAP with the projected neighbour search and the mutual graph: runs, reports the search's
    /// recall (measured against brute force) and notes the mutual graph.
    func testDensMAPProjectedSearchAndMutualGraph() throws {
        let out = "\(dir)/dens.npy"
        let r = try FmnistProcess.run(["embed", "--method", "densmap", "--split", "test", "--limit", "800", "--knn", "projected",
                                       "--graph", "mutual", "--epochs", "60", "--out", out, "--json", "--backend", "cpu"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let recall = try XCTUnwrap(report["neighbourRecall"] as? Double)
        XCTAssertTrue((0.9 ... 1).contains(recall), "recall \(recall)")
        XCTAssertTrue(r.stderr.contains("note: mutual k-NN graph:"), r.stderr)
        XCTAssertEqual(try NPYArray.read(out).shape, [800, 2])
    }

    /// `--method densmap` runs umap-learn's densMAP epochs (UMAP's + 200) unless `--epochs` is typed, even with
    /// `--dens-lambda 0` (umap-learn's `densmap=True, dens_lambda=0`), and reports the count it ran.
    func testDensMAPRunsItsOwnDefaultEpochs() throws {
        for (extra, expected) in [([String](), 700), (["--dens-lambda", "0"], 700), (["--epochs", "40"], 40)] {
            let r = try FmnistProcess.run(["embed", "--method", "densmap", "--split", "test", "--limit", "300", "--out", "\(dir)/e.npy",
                                           "--json", "--backend", "cpu"] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(report["epochs"] as? Int, expected, "\(extra)")
        }
    }

    func testBadEmbedInputs() throws {
        let cases: [([String], String)] = [
            (["--method", "pca", "--dims", "900"], "--dims 900 must be between 1 and 50 for PCA of 50 x 784 features"),
            (["--method", "umap", "--n-neighbors", "1"], "--n-neighbors 1 must be at least 2"),
            (["--method", "pca", "--n-neighbors", "30"], "--n-neighbors applies to umap and densmap, not pca"),
            (["--method", "umap", "--dims", "0"], "--dims 0 must be at least 1"),
            (["--method", "tsne", "--dims", "3"], "--dims 3: t-SNE embeds in 2 dimensions"),
            (["--method", "pca", "--dens-lambda", "1"], "--dens-lambda applies to densmap, not pca"),
            (["--method", "tsne", "--perplexity", "40"], "--perplexity 40.0 must be positive and below a third of the points (50)"),
            (["--method", "pca", "--scatter", "x.jpg"], "--scatter x.jpg: the file name must end in .png or .svg"),
            // Each was ignored, exit 0.
            (["--method", "pca", "--interpolation-nodes", "5"], "--interpolation-nodes applies to tsne, not pca"),
            (["--method", "tsne", "--tsne-gradient", "exact", "--interpolation-nodes", "5"],
             "--interpolation-nodes applies to tsne's fft gradient, not --tsne-gradient exact"),
            (["--method", "tsne", "--spread", "2"], "--spread applies to umap and densmap, not tsne"),
            // Typing the default value counts as typing it (these passed when the value equalled the default).
            (["--method", "pca", "--perplexity", "30"], "--perplexity applies to tsne, not pca"),
            (["--method", "tsne", "--n-neighbors", "15"], "--n-neighbors applies to umap and densmap, not tsne"),
            (["--method", "umap", "--svd-solver", "exact"], "--svd-solver applies to pca, not umap"),
            (["--method", "pca", "--tol", "0.0001"], "--tol applies to nmf, not pca"),
            (["--method", "nmf", "--max-iter", "5", "--whiten"], "--whiten applies to pca, not nmf"),
            (["--method", "pca", "--trust-k", "5"], "--trust-k needs --trustworthiness"),
            (["--method", "pca", "--sample", "50"], "--sample needs --trustworthiness"),
            (["--method", "pca", "--hide-noise"], "--hide-noise needs --scatter"),
            (["--method", "pca", "--seed", "3"], "--seed 3 does not apply: exact PCA draws nothing at random"),
            (["--method", "nmf", "--seed", "3"], "--seed 3 does not apply: NMF from --init nndsvda draws nothing at random"),
        ]
        for (arguments, message) in cases {
            let outcome = try FmnistProcess.run(["embed", "--split", "test", "--limit", "50", "--out", "\(dir)/x.npy", "--backend", "cpu"] + arguments)
            assertOneErrorLine(outcome, containing: message, "\(arguments)")
        }
    }
}
