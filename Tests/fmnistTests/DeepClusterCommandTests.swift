import Dataset
import Foundation
import XCTest

/// `fmnist deep-cluster` and `train --images all` end to end on small real subsets (CPU backend).
final class DeepClusterCommandTests: XCTestCase {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-deep-\(getpid())").path

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func run(_ arguments: [String]) throws -> FmnistProcess.Outcome { try FmnistProcess.run(arguments + ["--backend", "cpu"]) }

    /// An autoencoder pretrained on train + test images, then IDEC from it: labels for every image
    /// in split order, scores for all and for the test part, the fine-tuned model written.
    func testPretrainedModelThenIDEC() throws {
        let ae = "\(dir)/ae.safetensors", labels = "\(dir)/labels.npy", tuned = "\(dir)/tuned.safetensors"
        let train = try run(["train", "autoencoder", "--arch", "dense-ae", "--images", "all", "--limit", "300", "--val-fraction", "0",
                             "--epochs", "1", "--out", ae, "--json"])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.isEmpty || !train.stderr.contains("Error"), train.stderr)
        let trainReport = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as? [String: Any])
        let epoch = try XCTUnwrap((trainReport["epochs"] as? [[String: Any]])?.first)
        XCTAssertEqual(epoch["imagesPerSecond"].flatMap { $0 as? Double }.map { $0 > 0 }, true)

        let outcome = try run(["deep-cluster", "--method", "idec", "--model", ae, "--limit", "300", "--max-iterations", "6",
                               "--update-interval", "3", "--out", labels, "--save-model", tuned, "--json"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["images"] as? Int, 600)
        XCTAssertEqual(report["iterations"] as? Int, 6)
        XCTAssertEqual((report["updates"] as? [[String: Any]])?.count, 3)
        XCTAssertNotNil(report["testMetrics"])
        let written = try NPYArray.read(labels)
        XCTAssertEqual(written.shape, [600])
        let values = try XCTUnwrap(written.integers)
        XCTAssertTrue(values.allSatisfy { (0 ..< 10).contains($0) })
        let sizes = try XCTUnwrap(report["clusterSizes"] as? [Int])
        XCTAssertEqual(sizes.reduce(0, +), 600)
        XCTAssertEqual(try Safetensors.read(tuned).metadata["fmnist.deep_cluster"], "idec")

        // --split val is the same validation draw as in `evaluate`, so the labels line up with its truth.
        let draw = ["--split", "val", "--limit", "300", "--val-fraction", "0.5", "--split-seed", "2"]
        let val = try run(["deep-cluster", "--method", "n2d", "--model", ae, "--out", "\(dir)/val.csv", "--json"] + draw)
        XCTAssertEqual(val.status, 0, val.stderr)
        let valReport = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(val.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(valReport["images"] as? Int, 300)
        let nmi = try XCTUnwrap((valReport["metrics"] as? [String: Any])?["nmi"] as? Double)
        let scored = try run(["evaluate", "--pred", "\(dir)/val.csv", "--json"] + draw)
        XCTAssertEqual(scored.status, 0, scored.stderr)
        let evaluated = try XCTUnwrap((JSONSerialization.jsonObject(with: Data(scored.stdout.utf8)) as? [String: Any])?["nmi"] as? Double)
        XCTAssertEqual(evaluated, nmi, accuracy: 1e-12)
        // N2D from the single commands gives the same labels bit for bit: every command infers in
        // batches of one size (they differed, 256 against 1024, and OpenBLAS computes a call's last
        // rows with other kernels, so the codes differed in their last bits and UMAP made other labels);
        // N2D's UMAP takes umap-learn's sequential order (`--umap-sgd`'s default), embed's default is blocked.
        let codes = "\(dir)/val-codes.npy", layout = "\(dir)/val-umap.npy", composed = "\(dir)/val-composed.npy"
        XCTAssertEqual(try run(["encode", "--model", ae, "--out", codes, "--quiet"] + draw).status, 0)
        XCTAssertEqual(try run(["embed", "--input", codes, "--n-neighbors", "20", "--min-dist", "0", "--dims", "10", "--seed", "0",
                                "--sgd", "sequential", "--out", layout, "--quiet"]).status, 0)
        XCTAssertEqual(try run(["cluster", "--method", "gmm", "--input", layout, "--k", "10", "--seed", "0", "--out", composed,
                                "--quiet"]).status, 0)
        XCTAssertEqual(try LabelFile.read(composed), try LabelFile.read("\(dir)/val.csv"))
        assertOneErrorLine(try run(["deep-cluster", "--model", ae, "--val-fraction", "0.2", "--out", "\(dir)/x.npy"]),
                           containing: "--val-fraction applies to --split train or val; --split all holds no validation draw", "draw for all")
    }

    /// A SimCLR encoder trained on train + test images (two views each), then N2D on its
    /// representation: labels for every image, and the contrastive-only flags refused elsewhere.
    /// `train contrastive` for one epoch on the first 200 images of each split.
    private func trainEncoder(latent: Int, seed: Int, to path: String) throws {
        let outcome = try run(["train", "contrastive", "--latent", "\(latent)", "--images", "all", "--limit", "200", "--val-fraction", "0",
                               "--epochs", "1", "--seed", "\(seed)", "--quiet", "--out", path])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
    }

    func testContrastiveEncoderThenN2D() throws {
        let encoder = "\(dir)/simclr.safetensors", labels = "\(dir)/n2d.npy"
        let train = try run(["train", "contrastive", "--latent", "32", "--images", "all", "--limit", "200", "--val-fraction", "0",
                             "--epochs", "1", "--out", encoder, "--json"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["architecture"] as? String, "simclr (features 32)")
        let loss = try XCTUnwrap((report["epochs"] as? [[String: Any]])?.first?["trainLoss"] as? Double)
        // NT-Xent over at most 512 views lies between 0 and log(511) (all other views equally similar) plus a margin.
        XCTAssertTrue(loss > 0 && loss < log(511.0) + 1, "\(loss)")
        XCTAssertEqual(try Safetensors.read(encoder).metadata["fmnist.arch"], "simclr")
        assertOneErrorLine(try run(["test", "--model", encoder]), containing: "is a contrastive encoder", "test of an encoder")
        assertOneErrorLine(try run(["encode", "--model", encoder, "--layer", "logits", "--out", "\(dir)/z.npy"]),
                           containing: "--layer logits needs a classifier", "logits of an encoder")
        let codes = try run(["encode", "--model", encoder, "--split", "test", "--limit", "50", "--out", "\(dir)/h.npy"])
        XCTAssertEqual(codes.status, 0, codes.stderr)
        XCTAssertEqual(try NPYArray.read("\(dir)/h.npy").shape, [50, 32], "the representation, not the projection")
        let outcome = try run(["deep-cluster", "--method", "n2d", "--model", encoder, "--limit", "200", "--out", labels, "--json"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let written = try XCTUnwrap(try NPYArray.read(labels).integers)
        XCTAssertEqual(written.count, 400)
        XCTAssertTrue(written.allSatisfy { (0 ..< 10).contains($0) })
        // Two encoders (a second seed): an N2D run on each, combined by consensus.
        let second = "\(dir)/simclr-b.safetensors"
        try trainEncoder(latent: 16, seed: 1, to: second)
        let pair = try run(["deep-cluster", "--method", "n2d", "--model", encoder, "--model", second, "--limit", "200",
                            "--out", "\(dir)/pair.npy", "--json"])
        XCTAssertEqual(pair.status, 0, pair.stderr)
        let pairReport = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(pair.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(pairReport["model"] as? String, "\(encoder),\(second)")
        // Both encoders prepared, then their steps at once (two threads or more), or one after the other (one thread).
        let (prepare, finish) = (["codes", "k-NN", "UMAP start"], ["UMAP steps", "GMM"])
        let stages = try XCTUnwrap((pairReport["stages"] as? [[String: Any]])?.compactMap { $0["stage"] as? String })
        XCTAssertTrue([prepare + prepare + finish, prepare + finish + prepare + finish].map { $0 + ["consensus"] }.contains(stages),
                      "\(stages)")
        XCTAssertEqual(try XCTUnwrap(try NPYArray.read("\(dir)/pair.npy").integers).count, 400)
        for (arguments, message) in [
            (["--method", "scan"], "several --model combine N2D runs; they serve --method n2d, not scan"),
            (["--save-model", "\(dir)/saved.safetensors"], "--save-model saves one network; with several --model N2D trains none to save"),
        ] {
            assertOneErrorLine(try run(["deep-cluster", "--model", encoder, "--model", second, "--out", "\(dir)/x.npy"] + arguments),
                               containing: message, message)
        }
        assertOneErrorLine(try run(["deep-cluster", "--model", encoder, "--model", encoder, "--out", "\(dir)/x.npy"]),
                           containing: "--model \(encoder) is given twice", "the same encoder twice")
        let scanLabels = "\(dir)/scan.npy"
        let scan = try run(["deep-cluster", "--method", "scan", "--model", encoder, "--limit", "200", "--scan-epochs", "3", "--scan-heads", "2",
                            "--out", scanLabels, "--json"])
        XCTAssertEqual(scan.status, 0, scan.stderr)
        let scanReport = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((scanReport["scanHeadLosses"] as? [Double])?.count, 2)
        XCTAssertEqual((scanReport["scanEpochLosses"] as? [Double])?.count, 3)
        XCTAssertEqual((scanReport["stages"] as? [[String: Any]])?.compactMap { $0["stage"] as? String }, ["codes", "projections", "k-NN", "SCAN"])
        let scanned = try XCTUnwrap(try NPYArray.read(scanLabels).integers)
        XCTAssertEqual(scanned.count, 400)
        XCTAssertTrue(scanned.allSatisfy { (0 ..< 10).contains($0) })
        let selfLabeled = try run(["deep-cluster", "--method", "scan", "--model", encoder, "--limit", "200", "--scan-epochs", "3",
                                   "--scan-heads", "2", "--self-label", "--self-label-epochs", "2", "--out", "\(dir)/self-label.npy", "--json"])
        XCTAssertEqual(selfLabeled.status, 0, selfLabeled.stderr)
        let selfLabelReport = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(selfLabeled.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((selfLabelReport["selfLabelConfident"] as? [Int])?.count, 2)
        XCTAssertEqual((selfLabelReport["stages"] as? [[String: Any]])?.last?["stage"] as? String, "self-labelling")
        XCTAssertEqual(selfLabelReport["scanHeadLosses"] as? [Double], scanReport["scanHeadLosses"] as? [Double], "the same SCAN step first")
        for report in [scanReport, selfLabelReport] {
            let empty = (report["clusterSizes"] as? [Int])?.filter { $0 == 0 }.count ?? -1
            let noted = (report["notes"] as? [String])?.contains { $0.contains("clusters is empty") || $0.contains("clusters are empty") }
            XCTAssertEqual(noted, empty > 0, "an empty cluster is noted, and only then (\(empty) empty)")
        }
        if (selfLabelReport["selfLabelConfident"] as? [Int]) == [0, 0] {
            XCTAssertEqual(try NPYArray.read("\(dir)/self-label.npy").integers, scanned, "nothing confident: SCAN's labels")
            XCTAssertTrue((selfLabelReport["notes"] as? [String])?.contains { $0.contains("self-labelling changed nothing") } ?? false)
        }
        assertOneErrorLine(try run(["deep-cluster", "--method", "n2d", "--model", encoder, "--self-label", "--out", "\(dir)/s.npy"]),
                           containing: "--self-label applies to scan, not n2d", "self-labelling after n2d")
        assertOneErrorLine(try run(["deep-cluster", "--method", "scan", "--model", encoder, "--self-label-epochs", "3", "--out", "\(dir)/s.npy"]),
                           containing: "--self-label-epochs sets the self-labelling, which only --self-label turns on", "epochs without the step")
        let whole = try run(["deep-cluster", "--method", "scan", "--scan-update", "network", "--model", encoder, "--limit", "200",
                             "--scan-epochs", "1", "--out", "\(dir)/scan-network.npy", "--json"])
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let wholeReport = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(whole.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((wholeReport["scanHeadLosses"] as? [Double])?.count, 1, "SCAN's MNIST setting trains one head")
        let simclrViews = try run(["deep-cluster", "--method", "scan", "--scan-update", "network", "--scan-views", "simclr", "--scan-batch", "64",
                                   "--model", encoder, "--limit", "200", "--scan-epochs", "1", "--out", "\(dir)/scan-network-simclr.npy", "--json"])
        XCTAssertEqual(simclrViews.status, 0, simclrViews.stderr)
        let simclrReport = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(simclrViews.stdout.utf8)) as? [String: Any])
        XCTAssertNotEqual(simclrReport["scanEpochLosses"] as? [Double], wholeReport["scanEpochLosses"] as? [Double],
                          "other views and batches train otherwise")
        assertOneErrorLine(try run(["deep-cluster", "--method", "scan", "--pretrain", "autoencoder", "--out", "\(dir)/s.npy"]),
                           containing: "--method scan needs a contrastive encoder", "scan from an autoencoder")
        assertOneErrorLine(try run(["deep-cluster", "--method", "dec", "--pretrain", "contrastive", "--out", "\(dir)/s.npy"]),
                           containing: "--pretrain contrastive serves --method n2d and scan", "dec from a contrastive encoder")
        assertOneErrorLine(try run(["deep-cluster", "--method", "scan", "--shift", "2", "--out", "\(dir)/s.npy"]),
                           containing: "--shift does not apply to --pretrain contrastive", "shifts with contrastive pretraining")
        // One command: pretraining here gives the encoder `train contrastive` gave, hence the same labels.
        let oneCommand = "\(dir)/one-command.npy"
        let pretrained = try run(["deep-cluster", "--method", "n2d", "--pretrain", "contrastive", "--latent", "32", "--pretrain-epochs", "1",
                                  "--limit", "200", "--out", oneCommand, "--json"])
        XCTAssertEqual(pretrained.status, 0, pretrained.stderr)
        XCTAssertEqual(try NPYArray.read(oneCommand).integers, written)
        // And several: --encoders 2 pretrains seeds 0 and 1 (each saved as it is trained) and clusters as the two given.
        let third = "\(dir)/simclr-c.safetensors"
        try trainEncoder(latent: 32, seed: 1, to: third)
        let given = try run(["deep-cluster", "--method", "n2d", "--model", encoder, "--model", third, "--limit", "200",
                             "--out", "\(dir)/given.npy", "--quiet"])
        XCTAssertEqual(given.status, 0, given.stderr)
        let several = try run(["deep-cluster", "--method", "n2d", "--pretrain", "contrastive", "--encoders", "2", "--latent", "32",
                               "--pretrain-epochs", "1", "--limit", "200", "--save-model", "\(dir)/enc.safetensors",
                               "--out", "\(dir)/several.npy", "--json"])
        XCTAssertEqual(several.status, 0, several.stderr)
        XCTAssertEqual(try NPYArray.read("\(dir)/several.npy").integers, try NPYArray.read("\(dir)/given.npy").integers)
        let severalReport = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(several.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((severalReport["pretrainLosses"] as? [Double])?.count, 2)
        XCTAssertEqual(severalReport["savedModels"] as? [String], ["\(dir)/enc-seed0.safetensors", "\(dir)/enc-seed1.safetensors"])
        for (saved, trained) in [("\(dir)/enc-seed0.safetensors", encoder), ("\(dir)/enc-seed1.safetensors", third)] {
            XCTAssertEqual(try Safetensors.read(saved).byName, try Safetensors.read(trained).byName,
                           "\(saved) holds the network `train` gave")
        }
        // An interrupted run (the second network lost): --resume takes the first back, pretrains the second, same labels.
        try FileManager.default.removeItem(atPath: "\(dir)/enc-seed1.safetensors")
        let severalArguments = ["deep-cluster", "--method", "n2d", "--pretrain", "contrastive", "--encoders", "2", "--latent", "32",
                                "--limit", "200", "--save-model", "\(dir)/enc.safetensors", "--out", "\(dir)/resumed.npy", "--resume"]
        let resumed = try run(severalArguments + ["--pretrain-epochs", "1", "--json"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try NPYArray.read("\(dir)/resumed.npy").integers, try NPYArray.read("\(dir)/given.npy").integers)
        let resumedReport = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(resumedReport["reusedModels"] as? [String], ["\(dir)/enc-seed0.safetensors"])
        XCTAssertEqual((resumedReport["stages"] as? [[String: Any]])?.filter { $0["stage"] as? String == "pretraining" }.count, 1)
        let resumeNotes = resumedReport["notes"] as? [String] ?? []
        XCTAssertTrue(resumeNotes.contains { $0.hasPrefix("note: --resume: took \(dir)/enc-seed0.safetensors") }, "\(resumeNotes)")
        XCTAssertEqual(try Safetensors.read("\(dir)/enc-seed1.safetensors").byName, try Safetensors.read(third).byName)
        // A saved network pretrained otherwise is never taken silently.
        assertOneErrorLine(try run(severalArguments + ["--pretrain-epochs", "2"]), containing: "--resume: \(dir)/enc-seed0.safetensors "
                           + "was pretrained with --pretrain-epochs 1, this command asks for 2", "resume with other epochs")
        assertOneErrorLine(try run(["deep-cluster", "--method", "n2d", "--model", encoder, "--scan-heads", "3", "--out", "\(dir)/s.npy"]),
                           containing: "--scan-heads applies to scan, not n2d", "scan flag on n2d")
        assertOneErrorLine(try run(["deep-cluster", "--method", "dec", "--model", encoder, "--limit", "200", "--out", "\(dir)/dec.npy"]),
                           containing: "a contrastive encoder serves --method n2d and scan only", "dec from a contrastive encoder")
    }

    func testBadInputsGiveOneLine() throws {
        let out = "\(dir)/x.npy"
        let cases: [([String], String)] = [
            (["deep-cluster", "--k", "1", "--out", out], "--k 1 must be at least 2"),
            (["deep-cluster", "--model", "\(dir)/ae.safetensors", "--pretrain-epochs", "3", "--out", out], "--pretrain-epochs sets the pretraining"),
            (["deep-cluster", "--method", "n2d", "--gamma", "0.2", "--out", out], "--gamma applies to idec, not n2d"),
            (["deep-cluster", "--method", "dec", "--gamma", "0.2", "--out", out], "--method dec has no reconstruction loss"),
            (["deep-cluster", "--method", "idec", "--umap-dims", "5", "--out", out], "--umap-dims applies to n2d, not idec"),
            (["deep-cluster", "--method", "scan", "--umap-sgd", "sequential", "--out", out], "--umap-sgd applies to n2d, not scan"),
            (["deep-cluster", "--method", "dec", "--n2d-runs", "5", "--out", out], "--n2d-runs applies to n2d, not dec"),
            (["deep-cluster", "--n2d-runs", "0", "--out", out], "--n2d-runs 0 must be at least 1"),
            (["deep-cluster", "--encoders", "0", "--out", out], "--encoders 0 must be at least 1"),
            (["deep-cluster", "--method", "dec", "--resume", "--save-model", "\(dir)/s.safetensors", "--out", out],
             "--resume takes back N2D's pretrained networks; --method dec fine-tunes its own"),
            (["deep-cluster", "--encoders", "2", "--resume", "--out", out], "--resume needs --save-model"),
            (["deep-cluster", "--method", "idec", "--encoders", "3", "--out", out], "--encoders applies to n2d, not idec"),
            (["deep-cluster", "--model", "\(dir)/ae.safetensors", "--encoders", "3", "--out", out],
             "--encoders sets the pretraining, which --model \(dir)/ae.safetensors replaces"),
            (["deep-cluster", "--method", "scan", "--scan-views", "simclr", "--out", out], "--scan-views sets the views of --scan-update network"),
            (["deep-cluster", "--method", "scan", "--scan-batch", "0", "--out", out], "--scan-batch 0 must be at least 1"),
            (["deep-cluster", "--method", "n2d", "--scan-batch", "64", "--out", out], "--scan-batch applies to scan, not n2d"),
            (["deep-cluster", "--method", "scan", "--scan-update", "network", "--scan-views", "crops", "--out", out], "crops"),
            (["deep-cluster", "--model", "\(dir)/missing.safetensors", "--out", out], "missing.safetensors: no such file"),
            (["deep-cluster", "--method", "kmeans", "--out", out], "kmeans"),
            (["deep-cluster", "--limit", "3", "--split", "test", "--k", "5", "--out", out], "--k 5 is larger than the number of images (3)"),
            (["deep-cluster", "--limit", "12", "--split", "test", "--out", out], "--umap-neighbors 20 must be below the number of images (12)"),
            (["train", "classifier", "--images", "all", "--out", "\(dir)/c.safetensors"], "--images all is for autoencoders"),
            (["train", "contrastive", "--shift", "2", "--out", "\(dir)/c.safetensors"], "--shift does not apply to contrastive training"),
            (["train", "autoencoder", "--temperature", "0.5", "--out", "\(dir)/c.safetensors"], "--temperature applies to `train contrastive` only"),
            (["train", "contrastive", "--temperature", "0", "--out", "\(dir)/c.safetensors"], "--temperature 0.0 must be positive"),
            (["train", "autoencoder", "--crop-area", "0.1", "--out", "\(dir)/c.safetensors"], "--crop-area applies to `train contrastive` only"),
            (["train", "contrastive", "--crop-area", "0", "--out", "\(dir)/c.safetensors"], "--crop-area 0.0 must be in (0, 1]"),
            (["train", "contrastive", "--crop-area", "1.5", "--out", "\(dir)/c.safetensors"], "--crop-area 1.5 must be in (0, 1]"),
            (["train", "contrastive", "--crop-area", "nan", "--out", "\(dir)/c.safetensors"], "--crop-area nan must be in (0, 1]"),
            (["train", "contrastive", "--arch", "cnn", "--out", "\(dir)/c.safetensors"], "--arch cnn does not fit `train contrastive`"),
        ]
        for (arguments, message) in cases {
            assertOneErrorLine(try run(arguments), containing: message, "\(arguments)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no labels written on an error")
    }
}
