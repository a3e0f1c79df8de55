import Dataset
import Imaging
import Foundation
import XCTest

/// `fmnist cluster` and `fmnist evaluate` end to end, and their error lines.
final class ClusterCommandTests: XCTestCase {
    func testClusterThenEvaluate() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-cluster-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let labels = "\(dir)/labels.npy"
        let cluster = try FmnistProcess.run(["cluster", "--split", "test", "--limit", "2000", "--k", "10", "--out", labels, "--json", "--backend", "cpu"])
        XCTAssertEqual(cluster.status, 0, cluster.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(cluster.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((report["clusterSizes"] as? [Int])?.reduce(0, +), 2000)
        let metrics = try XCTUnwrap(report["metrics"] as? [String: Any])
        XCTAssertGreaterThan(try XCTUnwrap(metrics["nmi"] as? Double), 0.4)
        XCTAssertEqual(try NPYArray.read(labels).shape, [2000])

        let evaluate = try FmnistProcess.run(["evaluate", "--pred", labels, "--split", "test", "--limit", "2000", "--json"])
        XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
        let scores = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(scores["nmi"] as? Double), try XCTUnwrap(metrics["nmi"] as? Double), accuracy: 1e-12)
        for key in ["ari", "ami", "acc", "purity", "v_measure", "fowlkes_mallows", "noise_fraction", "mapping", "unmatched_clusters"] { XCTAssertNotNil(scores[key], key) }

        let test = try FashionMNIST.load(from: FashionMNIST.directory(flag: nil)).test
        let features = "\(dir)/pixels.npy"
        try NPYArray(shape: [2000, 784], elements: .float32(Array(test.images.prefix(2000 * 784)))).write(to: features)
        let scored = try FmnistProcess.run(["evaluate", "--pred", labels, "--split", "test", "--limit", "2000", "--features", features,
                                              "--sample", "500", "--json", "--backend", "cpu"])
        XCTAssertEqual(scored.status, 0, scored.stderr)
        let withFeatures = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(scored.stdout.utf8)) as? [String: Any])
        let silhouette = try XCTUnwrap(withFeatures["silhouette"] as? Double)
        XCTAssertTrue(silhouette > 0 && silhouette < 1, "K-means on pixels has a positive silhouette: \(silhouette)")
        XCTAssertGreaterThan(try XCTUnwrap(withFeatures["calinski_harabasz"] as? Double), 0)
        XCTAssertGreaterThan(try XCTUnwrap(withFeatures["davies_bouldin"] as? Double), 0)

        let mismatch = try FmnistProcess.run(["evaluate", "--pred", labels, "--split", "test", "--limit", "100"])
        XCTAssertNotEqual(mismatch.status, 0)
        XCTAssertTrue(mismatch.stderr.contains("holds 2000 labels but the truth holds 100"), mismatch.stderr)
        // deep-cluster --split train labels all training images; evaluate's train is the draw's part.
        // Labels of all 60,000 training images against the draw's training part: the error says why.
        let everyTrainingImage = "\(dir)/train.npy"
        try NPYArray(shape: [60000], elements: .int64((0 ..< 60000).map { Int64($0 % 10) })).write(to: everyTrainingImage)
        let part = try FmnistProcess.run(["evaluate", "--pred", everyTrainingImage, "--split", "train"])
        assertOneErrorLine(part, containing: "holds 60000 labels but the truth holds 54000 (--split train is the training part of the "
                           + "validation draw; --val-fraction 0 makes it all 60,000 training images)", "train part")
        let whole = try FmnistProcess.run(["evaluate", "--pred", everyTrainingImage, "--split", "train", "--val-fraction", "0"])
        XCTAssertEqual(whole.status, 0, whole.stderr)
    }

    /// `--out labels.csv` writes CSV (not .npy bytes under a .csv name), with the same labels as
    /// `--out labels.npy`; `evaluate` and `embed --color-by` read either.
    func testLabelsAsCSV() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-csv-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var scores = [Double]()
        for name in ["labels.npy", "labels.csv"] {
            let cluster = try FmnistProcess.run(["cluster", "--split", "test", "--limit", "300", "--k", "5", "--out", "\(dir)/\(name)",
                                                 "--quiet", "--backend", "cpu"])
            XCTAssertEqual(cluster.status, 0, cluster.stderr)
            let evaluate = try FmnistProcess.run(["evaluate", "--pred", "\(dir)/\(name)", "--split", "test", "--limit", "300", "--json"])
            XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
            let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any])
            scores.append(try XCTUnwrap(report["nmi"] as? Double))
        }
        let npy = try XCTUnwrap(NPYArray.read("\(dir)/labels.npy").integers)
        let lines = try String(contentsOfFile: "\(dir)/labels.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "label")
        XCTAssertEqual(lines.dropFirst().map { Int64($0) }, npy.map { Optional($0) })
        XCTAssertEqual(scores[0], scores[1])
        let pca = try FmnistProcess.run(["embed", "--method", "pca", "--split", "test", "--limit", "300", "--out", "\(dir)/pca.npy",
                                         "--scatter", "\(dir)/pca.png", "--color-by", "\(dir)/labels.csv", "--quiet", "--backend", "cpu"])
        XCTAssertEqual(pca.status, 0, pca.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/pca.png"))
    }

    /// A method's seed leaves the validation draw alone: labels of `cluster --split val --seed 3`
    /// score the same under `evaluate --split val` (they scored at chance when --seed also drew the
    /// split); another `--split-seed` is another set of images.
    func testSeedLeavesTheValidationDrawAlone() throws {
        let labels = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-val-\(getpid()).npy").path
        defer { try? FileManager.default.removeItem(atPath: labels) }
        let cluster = try FmnistProcess.run(["cluster", "--split", "val", "--limit", "3000", "--seed", "3", "--out", labels, "--json",
                                             "--backend", "cpu"])
        XCTAssertEqual(cluster.status, 0, cluster.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(cluster.stdout.utf8)) as? [String: Any])
        let nmi = try XCTUnwrap((report["metrics"] as? [String: Any])?["nmi"] as? Double)
        XCTAssertGreaterThan(nmi, 0.3)
        func scored(_ extra: [String]) throws -> Double {
            let evaluate = try FmnistProcess.run(["evaluate", "--pred", labels, "--split", "val", "--limit", "3000", "--json"] + extra)
            XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
            return try XCTUnwrap((JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any])?["nmi"] as? Double)
        }
        XCTAssertEqual(try scored([]), nmi, accuracy: 1e-12)
        XCTAssertLessThan(try scored(["--split-seed", "1"]), 0.1, "another draw holds other images")
    }

    /// `cluster --method consensus` combines label files: two renamings of one partition (one .npy, one .csv) outvote
    /// a third that moves a tenth of the points, so the consensus is that partition up to renaming; bad
    /// partitions get one error line naming the file, as do the data set's options beside files read whole (they were
    /// silently ignored).
    func testConsensusOfPartitionFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-consensus-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let truth = (0 ..< 300).map { Int64($0 % 3) }
        let renamed = truth.map { [7, 2, 5][Int($0)] }
        let moved = truth.enumerated().map { i, l in i % 10 == 0 ? (l + 1) % 3 : l }
        try NPYArray(shape: [300], elements: .int64(truth)).write(to: "\(dir)/a.npy")
        try ("label\n" + renamed.map { "\($0)\n" }.joined()).write(toFile: "\(dir)/b.csv", atomically: true, encoding: .utf8)
        try NPYArray(shape: [300], elements: .int64(moved)).write(to: "\(dir)/c.npy")
        let run = try FmnistProcess.run(["cluster", "--method", "consensus", "--partition", "\(dir)/a.npy", "--partition", "\(dir)/b.csv",
                                         "--partition", "\(dir)/c.npy", "--k", "3", "--seed", "4", "--out", "\(dir)/out.npy", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["partitions"] as? Int, 3)
        XCTAssertEqual(report["dimensions"] as? Int, 9, "three partitions of three clusters: nine one-hot columns")
        XCTAssertEqual(report["clusterSizes"] as? [Int], [100, 100, 100])
        let labels = try XCTUnwrap(NPYArray.read("\(dir)/out.npy").integers)
        XCTAssertEqual(labels.count, 300)
        for i in 0 ..< 300 { for j in [0, 1, 2, 150] where (labels[i] == labels[j]) != (truth[i] == truth[j]) {
            XCTFail("points \(i) and \(j): the consensus is not the majority's partition"); return
        } }

        try NPYArray(shape: [299], elements: .int64(Array(truth.prefix(299)))).write(to: "\(dir)/short.npy")
        try NPYArray(shape: [300], elements: .int64(truth.map { $0 == 2 ? -1 : $0 })).write(to: "\(dir)/noise.npy")
        try NPYArray(shape: [300], elements: .float32(truth.map(Float.init))).write(to: "\(dir)/floats.npy")
        try NPYArray(shape: [300, 1], elements: .float32(truth.map(Float.init))).write(to: "\(dir)/floats2d.npy")
        // A "partition" with every point its own cluster, over enough points that its one-hot rows would not fit in memory.
        let physical = Int(ProcessInfo.processInfo.physicalMemory)
        let singletons = Int(Double(physical / 2 / 4).squareRoot()) + 1
        try NPYArray(shape: [singletons], elements: .int64((0 ..< Int64(singletons)).map { $0 })).write(to: "\(dir)/each.npy")
        try NPYArray(shape: [singletons], elements: .int64([Int64](repeating: 0, count: singletons))).write(to: "\(dir)/one.npy")
        let consensus = ["cluster", "--method", "consensus", "--out", "\(dir)/x.npy", "--partition", "\(dir)/a.npy"]
        let cases: [([String], String)] = [
            (consensus, "needs at least two --partition files, got 1"),
            (consensus + ["--partition", "\(dir)/short.npy"], "--partition \(dir)/short.npy: holds 299 labels, --partition \(dir)/a.npy 300"),
            (consensus + ["--partition", "\(dir)/noise.npy"], "--partition \(dir)/noise.npy: label -1 at point 2 (noise)"),
            (consensus + ["--partition", "\(dir)/floats.npy"], "--partition \(dir)/floats.npy: dtype <f4 is not an integer type"),
            (consensus + ["--partition", "\(dir)/a.npy", "--split", "test"], "--input and --split do not apply"),
            (consensus + ["--partition", "\(dir)/a.npy", "--eps", "1"], "--eps applies to dbscan, not consensus"),
            (consensus + ["--partition", "\(dir)/a.npy", "--limit", "5"], "--limit applies to a --split; --partition (a file) is read whole"),
            (["cluster", "--input", "\(dir)/floats2d.npy", "--limit", "5", "--out", "\(dir)/x.npy"],
             "--limit applies to a --split; --input (a file) is read whole"),
            (["evaluate", "--pred", "\(dir)/a.npy", "--truth", "\(dir)/a.npy", "--data-dir", dir],
             "--data-dir applies to a --split; --truth (a file) is read whole"),
            (["cluster", "--split", "test", "--partition", "\(dir)/a.npy", "--out", "\(dir)/x.npy"], "--partition applies to consensus, not kmeans"),
            (["cluster", "--method", "consensus", "--partition", "\(dir)/one.npy", "--partition", "\(dir)/each.npy", "--out", "\(dir)/x.npy"],
             "more than half this machine's memory (\(dir)/each.npy alone has \(singletons) clusters)"),
        ]
        for (arguments, message) in cases {
            assertOneErrorLine(try FmnistProcess.run(arguments + ["--backend", "cpu"]), containing: message, arguments.joined(separator: " "))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/x.npy"), "no labels written on an error")
    }

    /// Inertia falls as k grows; both charts are written.
    func testElbow() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-elbow-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outcome = try FmnistProcess.run(["elbow", "--split", "test", "--limit", "500", "--k", "2...4", "--sample", "200",
                                             "--out-dir", dir, "--json", "--backend", "cpu"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(rows.compactMap { $0["k"] as? Int }, [2, 3, 4])
        let inertia = rows.compactMap { $0["inertia"] as? Double }
        XCTAssertEqual(inertia, inertia.sorted(by: >), "inertia decreases with k")
        XCTAssertTrue(rows.allSatisfy { ($0["silhouette"] as? Double).map { $0 > -1 && $0 < 1 } ?? false })
        for name in ["elbow-inertia.png", "elbow-silhouette.png", "elbow-inertia.svg", "elbow-silhouette.svg"] { XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/\(name)"), name) }
        for (k, message) in [("5-2", "--k '5-2' must be FIRST...LAST, e.g. 2...15"),
                             ("0...3", "--k '0...3': FIRST must be at least 1"),
                             ("5...2", "--k '5...2': FIRST (5) is larger than LAST (2)")] {
            let bad = try FmnistProcess.run(["elbow", "--split", "test", "--k", k])
            XCTAssertNotEqual(bad.status, 0)
            XCTAssertTrue(bad.stderr.contains(message), bad.stderr)
        }
        // Refused before any k is fitted (the error used to come after k 2...50 had run and printed).
        let tooMany = try FmnistProcess.run(["elbow", "--split", "test", "--limit", "50", "--k", "2...100", "--out-dir", dir, "--backend", "cpu"])
        assertOneErrorLine(tooMany, containing: "--k 2...100 reaches 100 clusters, more than the 50 points", "k beyond n")
        XCTAssertEqual(tooMany.stdout, "")
    }

    /// Every method through the CLI on 400 test images (both backends where there is OpenCL): labels
    /// written, JSON sizes add up, metrics present; agglomerative methods also write the linkage
    /// matrix and a dendrogram in both formats.
    func testEveryMethod() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-methods-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let backends = ProcessInfo.processInfo.environment["FMNIST_REQUIRE_OPENCL"] == "1" ? ["cpu", "opencl"] : ["cpu"]
        let runs: [[String]] = [
            ["--method", "minibatch-kmeans", "--batch-size", "100"],
            ["--method", "dbscan", "--eps", "6", "--min-samples", "5"],
            ["--method", "hdbscan", "--min-cluster-size", "10"],
            ["--method", "optics", "--min-samples", "10"],
            ["--method", "gmm", "--covariance", "diag", "--max-iter", "20"],
            ["--method", "ward", "--linkage-out", "\(dir)/z.npy", "--dendrogram", "\(dir)/d.svg"],
            ["--method", "single"],
            ["--method", "complete", "--dendrogram", "\(dir)/d.png"],
            ["--method", "average", "--distance-threshold", "8"],
        ]
        for backend in backends {
            for arguments in runs {
                let outcome = try FmnistProcess.run(["cluster", "--split", "test", "--limit", "400", "--out", "\(dir)/l.npy", "--json",
                                                     "--backend", backend] + arguments)
                XCTAssertEqual(outcome.status, 0, "\(arguments): \(outcome.stderr)")
                let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any], "\(arguments)")
                let labels = try XCTUnwrap(NPYArray.read("\(dir)/l.npy").integers)
                XCTAssertEqual(labels.count, 400)
                XCTAssertEqual((report["clusterSizes"] as? [Int])?.reduce(0, +), 400 - (report["noise"] as? Int ?? -1), "\(arguments)")
                XCTAssertEqual(labels.filter { $0 < 0 }.count, report["noise"] as? Int)
                let nmi = try XCTUnwrap((report["metrics"] as? [String: Any])?["nmi"] as? Double, "\(arguments)")
                XCTAssertTrue(nmi > 0 && nmi <= 1, "\(arguments): NMI \(nmi)")
                // Single linkage chains and OPTICS leaves most pixels as noise; the others find the classes.
                if ["minibatch-kmeans", "ward", "gmm", "complete"].contains(arguments[1]) { XCTAssertGreaterThan(nmi, 0.4, "\(arguments)") }
            }
        }
        XCTAssertEqual(try NPYArray.read("\(dir)/z.npy").shape, [399, 4])
        let svg = try String(contentsOfFile: "\(dir)/d.svg", encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<?xml") && svg.contains("<svg") && svg.contains("</svg>") && svg.contains("<line"))
        let png = try PNGFile.read("\(dir)/d.png")
        XCTAssertGreaterThan(png.width, 100)
    }

    /// `FMNIST_DISTANCE_BLOCK_MB` changes how many rows each distance block holds, never a result:
    /// HDBSCAN by brute force (its core distances from blocks on both backends, Borůvka's rounds too on
    /// OpenCL) on 1,500 PCA-5 points gives the same labels with 1 MiB blocks (174 rows) as with the
    /// default (all rows in one block), and its JSON times the three phases. A bad value is one line.
    func testDistanceBlockSizeNeverChangesALabel() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-blocks-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pca = try FmnistProcess.run(["embed", "--method", "pca", "--dims", "5", "--split", "test", "--limit", "1500", "--quiet",
                                         "--backend", "cpu", "--out", "\(dir)/pca.npy"])
        XCTAssertEqual(pca.status, 0, pca.stderr)
        let backends = ProcessInfo.processInfo.environment["FMNIST_REQUIRE_OPENCL"] == "1" ? ["cpu", "opencl"] : ["cpu"]
        for backend in backends {
            var labels: [[Int64]] = []
            for megabytes in ["", "1"] {
                let outcome = try FmnistProcess.run(["cluster", "--method", "hdbscan", "--min-cluster-size", "20", "--neighbour-search",
                                                     "brute", "--input", "\(dir)/pca.npy", "--out", "\(dir)/l.npy", "--json",
                                                     "--backend", backend], environment: ["FMNIST_DISTANCE_BLOCK_MB": megabytes])
                XCTAssertEqual(outcome.status, 0, "\(backend), \(megabytes) MiB: \(outcome.stderr)")
                let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
                let phases = try XCTUnwrap(report["phases"] as? [[String: Any]], "\(backend)")
                XCTAssertEqual(phases.compactMap { $0["phase"] as? String }, ["core distances", "spanning tree", "condensed tree"])
                let seconds = phases.compactMap { $0["seconds"] as? Double }
                XCTAssertEqual(seconds.count, 3)
                XCTAssertLessThanOrEqual(seconds.reduce(0, +), try XCTUnwrap(report["seconds"] as? Double) + 1e-6)
                labels.append(try XCTUnwrap(NPYArray.read("\(dir)/l.npy").integers))
            }
            XCTAssertEqual(labels[0], labels[1], "\(backend): labels differ with 1 MiB distance blocks")
            XCTAssertGreaterThan(Set(labels[0]).count, 2, "\(backend): HDBSCAN found no clusters to compare")
        }
        for bad in ["0", "big", "-4", "4097"] {
            assertOneErrorLine(try FmnistProcess.run(["devices"], environment: ["FMNIST_DISTANCE_BLOCK_MB": bad]),
                               containing: "FMNIST_DISTANCE_BLOCK_MB='\(bad)' must be a whole number of MiB from 1 to 4096", bad)
        }
    }

    /// `FMNIST_TOPK` names the GPU top-k kernel, `FMNIST_BORUVKA` the device's Borůvka search, `FMNIST_GEMM_TUNE`
    /// the per-shape GEMM tuning, `FMNIST_KERNEL_STYLE` the OpenCL kernel family and `FMNIST_CONV_FORWARD` the
    /// convolutions' forward path (the kernels' own checks are `NeighbourParityTests`, `KDTreeTests`,
    /// `GemmTuningTests` and `ImplicitConvolutionTests`): their values run, anything else is one error
    /// line naming the variable and the choices.
    func testKernelChoicesAreChecked() throws {
        let choices = [("FMNIST_TOPK", ["automatic", "insertion", "gather"]), ("FMNIST_BORUVKA", ["automatic", "blocks"]),
                       ("FMNIST_GEMM_TUNE", ["automatic", "on", "off"]), ("FMNIST_KERNEL_STYLE", ["automatic", "gpu", "cpu"]),
                       ("FMNIST_CONV_FORWARD", ["automatic", "implicit", "im2col"])]
        for (variable, names) in choices {
            for good in names + [""] {
                let outcome = try FmnistProcess.run(["devices"], environment: [variable: good])
                XCTAssertEqual(outcome.status, 0, "\(variable)='\(good)': \(outcome.stderr)")
            }
            for bad in ["fast", names[1].uppercased(), "1"] {
                assertOneErrorLine(try FmnistProcess.run(["devices"], environment: [variable: bad]),
                                   containing: "\(variable)='\(bad)' must be one of \(names.joined(separator: ", "))", bad)
            }
        }
    }

    func testBadClusterInputs() throws {
        let floats = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-f-\(getpid()).npy").path
        try NPYArray(shape: [3], elements: .float32([0, 1, 2])).write(to: floats)
        let nan = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-nan-\(getpid()).npy").path
        try NPYArray(shape: [3, 2], elements: .float32([0, 1, 2, .nan, 4, 5])).write(to: nan)
        let huge = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-huge-\(getpid()).npy").path
        try NPYArray(shape: [3, 1], elements: .float64([0, 1, 1e300])).write(to: huge)
        let labels = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-l3-\(getpid()).npy").path
        try NPYArray(shape: [3], elements: .int64([0, 1, 1])).write(to: labels)
        let one = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-one-\(getpid()).npy").path
        try NPYArray(shape: [3], elements: .int64([4, 4, 4])).write(to: one)
        let floats2 = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-f2-\(getpid()).npy").path
        try NPYArray(shape: [3, 2], elements: .float32([0, 1, 2, 3, 4, 5])).write(to: floats2)
        defer { for file in [floats, nan, huge, labels, one, floats2] { try? FileManager.default.removeItem(atPath: file) } }
        let cases: [([String], String)] = [
            (["cluster", "--method", "kmeans", "--linkage-out", "/tmp/z.npy", "--split", "test", "--out", "/tmp/x.npy"], "--linkage-out applies to ward"),
            (["cluster", "--method", "gmm", "--covariance", "tied", "--split", "test", "--out", "/tmp/x.npy"], "--covariance"),
            (["cluster", "--method", "optics", "--xi", "1.5", "--split", "test", "--out", "/tmp/x.npy"], "--xi 1.5 must be in (0, 1)"),
            (["cluster", "--method", "ward", "--split", "test", "--limit", "5", "--k", "6", "--out", "/tmp/x.npy"], "larger than the number of points"),
            (["cluster", "--method", "hdbscan", "--min-cluster-size", "1", "--split", "test", "--out", "/tmp/x.npy"], "--min-cluster-size 1 must be at least 2"),
            (["cluster", "--method", "ward", "--dendrogram", "/tmp/d.jpg", "--split", "test", "--out", "/tmp/x.npy"], "must end in .png or .svg"),
            (["cluster", "--method", "dbscan", "--eps", "0", "--split", "test", "--out", "/tmp/x.npy"], "--eps 0.0 must be positive"),
            (["cluster", "--method", "magic", "--split", "test", "--out", "/tmp/x.npy"], "The value 'magic' is invalid for '--method"),
            (["cluster", "--split", "test", "--limit", "5", "--k", "6", "--out", "/tmp/x.npy"], "larger than the number of points"),
            (["evaluate", "--pred", floats, "--truth", floats], "is not an integer type"),
            // Silhouette 0, Calinski-Harabasz nan and Davies-Bouldin 0 were printed for NaN features.
            (["evaluate", "--pred", labels, "--truth", labels, "--features", nan], "--features \(nan): nan at row 1, column 1; features must be finite"),
            (["cluster", "--input", huge, "--out", "/tmp/x.npy"], "--input \(huge): inf (or beyond float32's range) at row 2, column 0"),
            (["cluster", "--split", "test", "--out", "/tmp/x.txt"], "--out /tmp/x.txt: the file name must end in .npy or .csv"),
            (["cluster", "--split", "test", "--init", "/tmp/c.npy", "--n-init", "3", "--out", "/tmp/x.npy"],
             "--n-init 3 with --init /tmp/c.npy: every run would start from the same centres"),
            (["cluster", "--split", "test", "--out", "/nonexistent-dir/x.npy"], "--out /nonexistent-dir/x.npy: directory /nonexistent-dir does not exist"),
            (["cluster", "--method", "ward", "--split", "test", "--out", "/tmp/x.npy", "--linkage-out", "/tmp/z.csv"],
             "--linkage-out /tmp/z.csv: the file name must end in .npy"),
            (["embed", "--method", "pca", "--split", "test", "--out", "/tmp/e.csv"], "--out /tmp/e.csv: the file name must end in .npy"),
            (["encode", "--model", "/tmp/none.safetensors", "--split", "test", "--out", "/tmp/e.npy", "--labels-out", "/tmp/l.json"],
             "--labels-out /tmp/l.json: the file name must end in .npy or .csv"),
            (["evaluate", "--pred", "/tmp/x.txt", "--split", "test"], "--pred /tmp/x.txt: a label file must end in .npy or .csv"),
            (["cluster", "--linkage", "ward", "--method", "kmeans", "--split", "test", "--out", "/tmp/x.npy"], "--linkage ward contradicts --method kmeans"),
            (["cluster", "--linkage", "/tmp/z.npy", "--split", "test", "--out", "/tmp/x.npy"], "is not ward, single, complete or average (the merge tree file is --linkage-out)"),
            (["cluster", "--method", "complete", "--neighbour-search", "brute", "--split", "test", "--out", "/tmp/x.npy"],
             "--neighbour-search applies to dbscan, hdbscan, optics, single and ward, not complete"),
            (["cluster", "--method", "dbscan", "--neighbour-search", "ball-tree", "--split", "test", "--out", "/tmp/x.npy"],
             "The value 'ball-tree' is invalid for '--neighbour-search"),
            // Each was ignored: the method ran without it, exit 0.
            (["cluster", "--method", "dbscan", "--k", "5", "--split", "test", "--out", "/tmp/x.npy"],
             "--k applies to kmeans, minibatch-kmeans, ward, single, complete, average, gmm and consensus, not dbscan"),
            (["cluster", "--method", "kmeans", "--eps", "2", "--split", "test", "--out", "/tmp/x.npy"], "--eps applies to dbscan, not kmeans"),
            (["cluster", "--method", "optics", "--eps", "2", "--split", "test", "--out", "/tmp/x.npy"], "--eps applies to dbscan, not optics"),
            (["cluster", "--method", "minibatch-kmeans", "--n-init", "3", "--split", "test", "--out", "/tmp/x.npy"],
             "--n-init applies to kmeans, gmm and consensus, not minibatch-kmeans"),
            (["cluster", "--method", "ward", "--covariance", "diag", "--split", "test", "--out", "/tmp/x.npy"], "--covariance applies to gmm, not ward"),
            (["cluster", "--method", "hdbscan", "--max-iter", "10", "--split", "test", "--out", "/tmp/x.npy"],
             "--max-iter applies to kmeans, minibatch-kmeans, gmm and consensus, not hdbscan"),
            (["cluster", "--method", "kmeans", "--batch-size", "100", "--split", "test", "--out", "/tmp/x.npy"],
             "--batch-size applies to minibatch-kmeans, not kmeans"),
            (["cluster", "--method", "ward", "--k", "3", "--distance-threshold", "5", "--split", "test", "--out", "/tmp/x.npy"],
             "--k and --distance-threshold exclude each other"),
            (["cluster", "--method", "ward", "--dendrogram-leaves", "5", "--split", "test", "--out", "/tmp/x.npy"], "--dendrogram-leaves needs --dendrogram"),
            (["cluster", "--method", "dbscan", "--random-state", "2", "--split", "test", "--out", "/tmp/x.npy"],
             "--seed applies to kmeans, minibatch-kmeans, gmm and consensus, not dbscan"),
            (["evaluate", "--pred", labels, "--truth", labels, "--seed", "2"], "--seed 2 does not apply: it draws the silhouette's --sample"),
            (["evaluate", "--pred", labels, "--truth", labels, "--sample", "2"], "--sample draws the points of the silhouette, which needs --features"),
            // The internal scores of one cluster failed with a line naming neither flag nor file.
            (["evaluate", "--pred", one, "--truth", labels, "--features", floats2],
             "--features: the silhouette, Calinski-Harabasz and Davies-Bouldin need 2 to n - 1 clusters (n = 3); --pred \(one) holds 1"),
            (["evaluate", "--pred", labels, "--truth", labels, "--features", floats2, "--sample", "2", "--seed", "1"],
             "--sample 2 (drawn with --seed 1): the silhouette needs 2 to n - 1 clusters; the 2 points hold"),
            (["encode", "--model", "/tmp/none.safetensors", "--split", "test", "--out", "/tmp/e.npy", "--seed", "1"],
             "--seed 1 does not apply: encoding draws nothing at random"),
            (["test", "--model", "/tmp/none.safetensors", "--split", "test", "--seed", "1"], "--seed 1 does not apply: testing draws nothing at random"),
            // The validation draw's options where no draw chooses the images (they were ignored).
            (["cluster", "--split", "test", "--val-fraction", "0.2", "--out", "/tmp/x.npy"],
             "--val-fraction applies to --split train or val; --split test holds no validation draw"),
            (["embed", "--split", "all", "--split-seed", "2", "--out", "/tmp/x.npy"], "--split-seed applies to --split train or val; --split all holds"),
            (["cluster", "--input", floats, "--val-fraction", "0", "--out", "/tmp/x.npy"], "--val-fraction applies to --split train or val; --input (a file)"),
            (["encode", "--model", "/tmp/none.safetensors", "--split-seed", "1", "--out", "/tmp/e.npy"], "--split test holds no validation draw"),
            (["evaluate", "--pred", labels, "--truth", labels, "--split-seed", "1"], "--truth (a file) holds no validation draw"),
            (["reconstruct", "--model", "/tmp/none.safetensors", "--split", "test", "--out", "/tmp/r.npy", "--seed", "1"],
             "--seed 1 does not apply: it draws the images of --png, and there is no --png"),
        ]
        for (arguments, message) in cases {
            let outcome = try FmnistProcess.run(arguments + (arguments[0] == "cluster" ? ["--backend", "cpu"] : []))
            assertOneErrorLine(outcome, containing: message, "\(arguments)")
        }
    }

    /// Every output location is checked before any work: a figure in a missing directory failed after
    /// the clustering or embedding (with a line not naming the flag), an `--out` that is a directory
    /// after the clustering, and an `--out-dir` that is a file with Foundation's error text after
    /// `elbow` had fitted every k.
    /// A result that is not what the flags asked for says so, on standard error and in `--json`'s notes:
    /// K-means and the mixture on 40 copies of 2 points asked for 3 clusters fill 2 (scikit-learn warns the
    /// same), and EM stopped by `--max-iter 1` has not converged; an ordinary run has no notes.
    func testNotesWhenTheResultFallsShortOfTheFlags() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-notes-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let twoPoints = "\(dir)/two.npy", spread = "\(dir)/spread.npy"
        try NPYArray(shape: [40, 2], elements: .float32((0 ..< 40).flatMap { $0 % 2 == 0 ? [Float(0), 0] : [5, 5] })).write(to: twoPoints)
        try NPYArray(shape: [60, 2], elements: .float32((0 ..< 120).map { Float(($0 * 37) % 101) / 10 })).write(to: spread)
        for method in ["kmeans", "minibatch-kmeans", "gmm"] {
            let arguments = ["cluster", "--method", method, "--input", twoPoints, "--k", "3", "--out", "\(dir)/l.npy", "--backend", "cpu"]
            let text = try FmnistProcess.run(arguments + ["--quiet"])
            XCTAssertEqual(text.status, 0, text.stderr)
            XCTAssertTrue(text.stderr.contains("note: only 2 of the --k 3 clusters hold points"), "\(method): \(text.stderr)")
            let json = try FmnistProcess.run(arguments + ["--json"])
            let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], json.stderr)
            XCTAssertEqual((report["notes"] as? [String])?.count, 1, "\(method): \(json.stdout)")
            XCTAssertEqual(report["clusterSizes"] as? [Int], [20, 20, 0].sorted(by: >), method)
        }
        let stopped = try FmnistProcess.run(["cluster", "--method", "gmm", "--input", spread, "--k", "3", "--max-iter", "1", "--out",
                                             "\(dir)/l.npy", "--backend", "cpu", "--quiet"])
        XCTAssertEqual(stopped.status, 0, stopped.stderr)
        XCTAssertTrue(stopped.stderr.contains("note: EM did not converge in 1 iteration ("), stopped.stderr)
        let ordinary = try FmnistProcess.run(["cluster", "--method", "gmm", "--input", spread, "--k", "3", "--out", "\(dir)/l.npy",
                                              "--backend", "cpu", "--json"])
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(ordinary.stdout.utf8)) as? [String: Any], ordinary.stderr)
        XCTAssertEqual(report["converged"] as? Bool, true)
        XCTAssertNil(report["notes"], ordinary.stdout)
    }

    func testOutputLocationsCheckedFirst() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-outputs-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir + "/taken.npy", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/file", contents: Data())
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = ["--out", dir + "/x.npy"]
        let cases: [([String], String)] = [
            (["cluster", "--method", "ward", "--k", "3", "--dendrogram", dir + "/missing/d.png"] + out,
             "--dendrogram \(dir)/missing/d.png: directory \(dir)/missing does not exist"),
            (["embed", "--method", "pca", "--scatter", dir + "/missing/s.svg"] + out,
             "--scatter \(dir)/missing/s.svg: directory \(dir)/missing does not exist"),
            (["cluster", "--method", "kmeans", "--k", "3", "--out", dir + "/taken.npy"], "--out \(dir)/taken.npy is a directory, not a file"),
            (["cluster", "--method", "kmeans", "--k", "3", "--out", dir + "/file/x.npy"], "--out \(dir)/file/x.npy: \(dir)/file is a file, not a directory"),
            (["elbow", "--k", "2...4", "--out-dir", dir + "/file"], "--out-dir \(dir)/file is a file, not a directory"),
            (["data", "--out-dir", dir + "/file/sub"], "--out-dir \(dir)/file/sub: \(dir)/file is a file, not a directory"),
            (["test", "--model", dir + "/none.safetensors", "--out-dir", dir + "/file"], "--out-dir \(dir)/file is a file, not a directory"),
        ]
        for (arguments, message) in cases {
            let computing = arguments[0] == "data" ? [] : ["--split", "test", "--backend", "cpu"]
            let outcome = try FmnistProcess.run(arguments + computing + ["--limit", "60"])
            assertOneErrorLine(outcome, containing: message, "\(arguments)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.npy"))
    }

    /// The names scikit-learn users type are accepted and mean the same as ours; progress off a
    /// terminal is a few plain lines, not one per step.
    func testScikitLearnSpellings() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-spellings-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let labels = (0 ..< 4).map { "\(dir)/l\($0).npy" }
        let common = ["cluster", "--split", "test", "--limit", "300", "--backend", "cpu", "--quiet"]
        XCTAssertEqual(try FmnistProcess.run(common + ["--k", "4", "--initialisation", "random", "--seed", "3", "--out", labels[0]]).status, 0)
        XCTAssertEqual(try FmnistProcess.run(common + ["--n-clusters", "4", "--init", "random", "--random-state", "3", "--out", labels[1]]).status, 0)
        XCTAssertEqual(try NPYArray.read(labels[0]).integers, try NPYArray.read(labels[1]).integers)
        let ward = try FmnistProcess.run(["cluster", "--linkage", "ward", "--n-clusters", "5", "--split", "test", "--limit", "300",
                                          "--backend", "cpu", "--out", labels[2]])
        XCTAssertEqual(ward.status, 0, ward.stderr)
        XCTAssertTrue(ward.stdout.hasPrefix("ward: 300 points x 784: 5 clusters"), ward.stdout)
        XCTAssertFalse(ward.stderr.contains("merges:") || ward.stderr.contains("\r"), ward.stderr)
        XCTAssertLessThanOrEqual(ward.stderr.split(separator: "\n").count, 3, ward.stderr)
        let gmm = try FmnistProcess.run(common + ["--method", "gmm", "--n-components", "3", "--covariance-type", "diag", "--out", labels[3], "--json"])
        XCTAssertEqual(gmm.status, 0, gmm.stderr)
        XCTAssertEqual(Set(try XCTUnwrap(NPYArray.read(labels[3]).integers)).count, 3)
    }
}
