import Dataset
import Foundation
import XCTest

/// `fmnist train`, `encode`, `reconstruct` and `test` end to end on small real subsets (CPU backend).
final class ModelCommandTests: XCTestCase {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-models-\(getpid())").path

    override func setUpWithError() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func run(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> FmnistProcess.Outcome {
        try FmnistProcess.run(arguments + ["--backend", "cpu"])
    }

    /// Two epochs in one run and one epoch plus `--resume` end with identical weights: a classifier
    /// (dropout draws) and a contrastive encoder (its views are drawn from the seed, epoch and batch);
    /// resuming on another draw or with other settings is refused.
    func testResumeGivesTheSameWeightsAsAnUninterruptedRun() throws {
        try resume(task: "classifier", arch: "cnn")
        try resume(task: "contrastive", arch: "simclr")
    }

    private func resume(task: String, arch: String) throws {
        let common = ["train", task, "--limit", "600", "--batch", "100", "--seed", "4", "--quiet"]
        let straight = "\(dir)/straight-\(task).safetensors", resumed = "\(dir)/resumed-\(task).safetensors"
        XCTAssertEqual(try run(common + ["--epochs", "2", "--out", straight]).status, 0)
        XCTAssertEqual(try run(common + ["--epochs", "1", "--out", resumed]).status, 0)
        let again = try run(common + ["--epochs", "2", "--resume", "--out", resumed])
        XCTAssertEqual(again.status, 0, again.stderr)
        let a = try Safetensors.read(straight), b = try Safetensors.read(resumed)
        XCTAssertEqual(a.tensors.map(\.name), b.tensors.map(\.name))
        for (x, y) in zip(a.tensors, b.tensors) {
            let differing = zip(x.tensor.values, y.tensor.values).filter { $0 != $1 }.count
            XCTAssertTrue(x.tensor.shape == y.tensor.shape && differing == 0, "\(x.name): \(differing) values differ after resume")
        }
        XCTAssertEqual(b.metadata["fmnist.epoch"], "2")
        XCTAssertEqual(b.metadata["fmnist.arch"], arch)
        // Resuming on another validation draw would train on images the run held out.
        let otherDraw = try run(common + ["--epochs", "3", "--resume", "--split-seed", "1", "--out", resumed])
        assertOneErrorLine(otherDraw, containing: "the run trained on train images, val-fraction 0.1, split-seed 0, limit 600; this command "
                           + "asks for train images, val-fraction 0.1, split-seed 1, limit 600", "resume on another draw")
        // Resuming without the run's flags continued it at the defaults' batch size and seed, silently.
        let forgotten = try run(["train", task, "--limit", "600", "--quiet", "--epochs", "3", "--resume", "--out", resumed])
        assertOneErrorLine(forgotten, containing: "the run used --batch 100 --seed 4; this command asks for --batch 256 --seed 0 — resume with "
                           + "the run's settings", "resume with other settings")
        if task == "contrastive" {
            // The views' crops shape the run too (the run recorded the default, 0.2).
            let otherCrops = try run(common + ["--epochs", "3", "--resume", "--crop-area", "0.08", "--out", resumed])
            assertOneErrorLine(otherCrops, containing: "the run used --crop-area 0.2; this command asks for --crop-area 0.08", "other crops")
            // A state written before --crop-area was recorded: its run had the default crops, and says so.
            var state = try Safetensors.read(resumed + ".state")
            state.metadata["fmnist.setting--crop-area"] = nil
            state.metadata["fmnist.settings"] = state.metadata["fmnist.settings"]?.replacingOccurrences(of: " --crop-area", with: "")
            XCTAssertEqual(state.metadata["fmnist.settings"]?.contains("--crop-area"), false)
            try state.write(to: resumed + ".state")
            let olderRun = try run(common + ["--epochs", "3", "--resume", "--crop-area", "0.08", "--out", resumed])
            assertOneErrorLine(olderRun, containing: "the run used --crop-area 0.2; this command asks for --crop-area 0.08", "an older run's crops")
        }
    }

    /// `--patience` stops when the monitored loss stops improving, says which loss it watched (the
    /// training loss without validation images; it used to say "validation loss") and which epoch the
    /// checkpoint holds. A rate of 0.5 makes the second epoch worse than the first.
    func testEarlyStoppingSaysWhatItWatchedAndKept() throws {
        let model = "\(dir)/patience.safetensors"
        let outcome = try run(["train", "autoencoder", "--epochs", "5", "--limit", "300", "--val-fraction", "0", "--patience", "1",
                               "--lr", "0.5", "--out", model])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let epoch = try XCTUnwrap(Safetensors.read(model).metadata["fmnist.epoch"])
        XCTAssertTrue(outcome.stderr.contains("early stop: training loss (no validation images) has not improved for 1 epochs"), outcome.stderr)
        XCTAssertTrue(outcome.stderr.contains("\(model) holds the weights after epoch \(epoch))"), outcome.stderr)
        XCTAssertLessThan(Int(epoch)!, 5)
    }

    /// `test` says when its score is not held out: another validation draw than the model's, or a
    /// model trained on every image; it stays silent on held-out images.
    func testTestNotesScoresThatAreNotHeldOut() throws {
        let cnn = "\(dir)/drawn.safetensors", ae = "\(dir)/everything.safetensors"
        XCTAssertEqual(try run(["train", "classifier", "--epochs", "1", "--limit", "300", "--split-seed", "1", "--quiet", "--out", cnn]).status, 0)
        let metadata = try Safetensors.read(cnn).metadata
        XCTAssertEqual([metadata["fmnist.trained_on"], metadata["fmnist.val_fraction"], metadata["fmnist.split_seed"]], ["train", "0.1", "1"])
        let otherDraw = try run(["test", "--model", cnn, "--split", "val", "--limit", "300"])
        XCTAssertEqual(otherDraw.status, 0, otherDraw.stderr)
        XCTAssertTrue(otherDraw.stderr.contains("note: \(cnn) held out --val-fraction 0.1 --split-seed 1; this --split val (--val-fraction 0.1 "
                                                + "--split-seed 0) holds images it trained on"), otherDraw.stderr)
        for heldOut in [["--split", "val", "--split-seed", "1"], ["--split", "test"]] {
            let outcome = try run(["test", "--model", cnn, "--limit", "300"] + heldOut)
            XCTAssertEqual(outcome.status, 0, outcome.stderr)
            XCTAssertFalse(outcome.stderr.contains("note:"), "\(heldOut): \(outcome.stderr)")
        }
        let all = try run(["test", "--model", cnn, "--split", "all", "--limit", "300"])
        XCTAssertTrue(all.stderr.contains("note: --split all holds images \(cnn) trained on: this is not a held-out score"), all.stderr)
        XCTAssertEqual(try run(["train", "autoencoder", "--epochs", "1", "--limit", "300", "--images", "all", "--quiet", "--out", ae]).status, 0)
        let everything = try run(["test", "--model", ae, "--split", "test", "--limit", "300"])
        XCTAssertTrue(everything.stderr.contains("trained on the test images too (--images all): this is not a held-out score"),
                      everything.stderr)
    }

    func testTrainEncodeReconstructAndTest() throws {
        let ae = "\(dir)/ae.safetensors"
        let train = try run(["train", "autoencoder", "--epochs", "1", "--limit", "500", "--out", ae, "--json"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((report["epochs"] as? [[String: Any]])?.count, 1)

        let codes = "\(dir)/codes.npy", labels = "\(dir)/labels.npy"
        let encode = try run(["encode", "--model", ae, "--split", "test", "--limit", "300", "--out", codes, "--labels-out", labels])
        XCTAssertEqual(encode.status, 0, encode.stderr)
        XCTAssertEqual(try NPYArray.read(codes).shape, [300, 10])
        XCTAssertEqual(try NPYArray.read(labels).integers?.prefix(3), [9, 2, 1])

        // `--split all` is every image in file order, training then test, whatever the validation
        // draw (default 10 %): the order deep-cluster writes labels in, so `evaluate --split all`
        // scores them against the right images (it used to put the validation images after the rest).
        let set = try FashionMNIST.load(from: FashionMNIST.directory(flag: nil))
        let fileOrder = set.train.prefix(120).appending(set.test.prefix(120))
        let allLabels = "\(dir)/all-labels.npy"
        let encodeAll = try run(["encode", "--model", ae, "--split", "all", "--limit", "120", "--out", "\(dir)/all.npy", "--labels-out", allLabels])
        XCTAssertEqual(encodeAll.status, 0, encodeAll.stderr)
        XCTAssertEqual(try NPYArray.read(allLabels).integers, fileOrder.labels.map(Int64.init))
        let direct = "\(dir)/direct.npy"
        try NPYArray(shape: [fileOrder.count, 784], elements: .float32(fileOrder.images)).write(to: direct)
        XCTAssertEqual(try run(["encode", "--model", ae, "--input", direct, "--out", "\(dir)/direct-codes.npy"]).status, 0)
        XCTAssertEqual(try NPYArray.read("\(dir)/all.npy").elements, try NPYArray.read("\(dir)/direct-codes.npy").elements,
                       "the codes of the images in file order")
        let scored = try run(["evaluate", "--pred", allLabels, "--split", "all", "--limit", "120", "--json"])
        XCTAssertEqual(scored.status, 0, scored.stderr)
        let scores = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(scored.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(scores["acc"] as? Double, 1, "the true labels in file order score perfectly: \(scored.stdout)")

        let recon = "\(dir)/recon.npy", png = "\(dir)/recon.png"
        let reconstruct = try run(["reconstruct", "--model", ae, "--split", "test", "--limit", "200", "--out", recon, "--png", png, "--json"])
        XCTAssertEqual(reconstruct.status, 0, reconstruct.stderr)
        XCTAssertEqual(try NPYArray.read(recon).shape, [200, 1, 28, 28])
        XCTAssertTrue(FileManager.default.fileExists(atPath: png))
        let reconstructed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(reconstruct.stdout.utf8)) as? [String: Any])
        let original = try XCTUnwrap(FashionMNIST.load(from: FashionMNIST.directory(flag: nil)).test.prefix(200).images)
        let mse = zip(original, try NPYArray.read(recon).floats).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / Double(original.count)
        XCTAssertEqual(try XCTUnwrap(reconstructed["reconstructionMSE"] as? Double), mse, accuracy: 1e-6)
        XCTAssertEqual(reconstructed["rows"] as? Int, 200)
        let encodedJSON = try run(["encode", "--model", ae, "--split", "test", "--limit", "30", "--out", "\(dir)/c30.npy", "--json"])
        let encodedReport = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(encodedJSON.stdout.utf8)) as? [String: Any], encodedJSON.stderr)
        XCTAssertEqual([encodedReport["rows"] as? Int, encodedReport["features"] as? Int], [30, 10])
        // Both were refused only after the first output had been written.
        assertOneErrorLine(try run(["reconstruct", "--model", ae, "--input", codes, "--out", "\(dir)/r2.npy", "--png", "\(dir)/r2.png"]),
                           containing: "--png needs --split", "reconstruct --input --png")
        assertOneErrorLine(try run(["encode", "--model", ae, "--input", recon, "--out", "\(dir)/c4.npy", "--labels-out", "\(dir)/l4.npy"]),
                           containing: "--labels-out needs --split", "encode --input --labels-out")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/r2.npy") || FileManager.default.fileExists(atPath: "\(dir)/c4.npy"))

        // The reconstruction file is a valid --input: encoding it works; a wrong shape is refused.
        XCTAssertEqual(try run(["encode", "--model", ae, "--input", recon, "--out", "\(dir)/c2.npy"]).status, 0)
        let bad = try run(["encode", "--model", ae, "--input", codes, "--out", "\(dir)/c3.npy"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("shape [300, 10] is none of [N, 784], [N, 28, 28] and [N, 1, 28, 28]"), bad.stderr)
        // The images as Keras' load_data() gives them (uint8 0-255, [N, 28, 28]) and as float64: the
        // same codes as --split test (uint8 was refused: "dtype |u1 is not float32").
        let testImages = try FashionMNIST.load(from: FashionMNIST.directory(flag: nil)).test.prefix(30).images
        let bytes = testImages.map { UInt8(($0 * 255).rounded()) }
        try NPYArray(shape: [30, 28, 28], elements: .uint8(bytes)).write(to: "\(dir)/keras.npy")
        try NPYArray(shape: [30, 784], elements: .float64(testImages.map(Double.init))).write(to: "\(dir)/f64.npy")
        for (file, out) in [("keras.npy", "c-u8.npy"), ("f64.npy", "c-f64.npy")] {
            let encoded = try run(["encode", "--model", ae, "--input", "\(dir)/\(file)", "--out", "\(dir)/\(out)", "--quiet"])
            XCTAssertEqual(encoded.status, 0, encoded.stderr)
            XCTAssertEqual(try NPYArray.read("\(dir)/\(out)").floats, try NPYArray.read("\(dir)/c30.npy").floats, file)
        }
        try NPYArray(shape: [2, 784], elements: .int32([Int32](repeating: 0, count: 1568))).write(to: "\(dir)/i32.npy")
        assertOneErrorLine(try run(["encode", "--model", ae, "--input", "\(dir)/i32.npy", "--out", "\(dir)/c5.npy"]),
                           containing: "dtype <i4 is not float32, float64 or uint8", "int32 images")

        let test = try run(["test", "--model", ae, "--split", "test", "--limit", "200", "--json"])
        XCTAssertEqual(test.status, 0, test.stderr)
        let testReport = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(test.stdout.utf8)) as? [String: Any])
        XCTAssertLessThan(try XCTUnwrap(testReport["reconstructionMSE"] as? Double), 0.2)
    }

    func testClassifierReport() throws {
        let cnn = "\(dir)/cnn.safetensors"
        XCTAssertEqual(try run(["train", "classifier", "--epochs", "1", "--limit", "1000", "--quiet", "--out", cnn]).status, 0)
        let outcome = try run(["test", "--model", cnn, "--split", "test", "--limit", "500", "--json", "--out-dir", dir])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let classification = try XCTUnwrap(report["classification"] as? [String: Any])
        let accuracy = try XCTUnwrap(classification["accuracy"] as? Double)
        XCTAssertGreaterThan(accuracy, 0.5, "a CNN after one epoch on 1,000 images beats chance by far")
        let confusion = try XCTUnwrap(classification["confusion"] as? [[Int]])
        XCTAssertEqual(confusion.flatMap { $0 }.reduce(0, +), 500)
        XCTAssertTrue(try String(contentsOfFile: "\(dir)/confusion.csv", encoding: .utf8).hasPrefix("true\\predicted,\"T-shirt/top\""))
    }

    /// `train classifier --targets` learns the classes it is given, not the true ones: trained on 1,000
    /// images (the first 500 training and test images, `--images all --limit 500`) relabelled by a
    /// derangement of the classes,
    /// the CNN's `test --predictions` agree with those targets on most images and with the true labels
    /// on few; images left out (-1) are not trained on. Bad target files and flags are one line each.
    func testClassifierTrainsOnGivenTargets() throws {
        // One target per image of --images all (70,000); --limit 500 trains on the first 500 of each split.
        let truth = try FashionMNIST.load(from: FashionMNIST.directory(flag: nil)).allImages(limit: nil).labels
        let targets = truth.enumerated().map { i, label in i % 10 == 9 ? Int64(-1) : Int64((label + 3) % 10) }
        let targetPath = "\(dir)/targets.npy", cnn = "\(dir)/cnn-targets.safetensors", predicted = "\(dir)/predicted.csv"
        try LabelFile.write(targets, to: targetPath)
        let trained = try run(["train", "classifier", "--images", "all", "--limit", "500", "--targets", targetPath, "--val-fraction", "0",
                               "--epochs", "3", "--json", "--quiet", "--out", cnn])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let tested = try run(["test", "--model", cnn, "--split", "all", "--limit", "500", "--predictions", predicted, "--out-dir", dir,
                              "--quiet"])
        XCTAssertEqual(tested.status, 0, tested.stderr)
        let classes = try LabelFile.read(predicted)
        XCTAssertEqual(classes.count, 1000)
        let images = Array(0 ..< 500) + Array(60_000 ..< 60_500) // what --split all --limit 500 tested, in its order
        let kept = classes.indices.filter { targets[images[$0]] >= 0 }
        let agreeTargets = Double(kept.filter { classes[$0] == targets[images[$0]] }.count) / Double(kept.count)
        let agreeTruth = Double(kept.filter { classes[$0] == Int64(truth[images[$0]]) }.count) / Double(kept.count)
        XCTAssertGreaterThan(agreeTargets, 0.4, "the classifier learnt its targets (chance: 0.1; 0.56 measured after 3 epochs)")
        XCTAssertLessThan(agreeTruth, 0.1, "the classifier learnt the true labels it was never given")

        try LabelFile.write(Array(targets.prefix(10)), to: "\(dir)/short.npy")
        try LabelFile.write(targets.map { $0 == 4 ? 10 : $0 }, to: "\(dir)/eleven.npy")
        let common = ["train", "classifier", "--images", "all", "--limit", "500", "--out", "\(dir)/t.safetensors"]
        let cases: [([String], String)] = [
            (common + ["--targets", targetPath], "--targets needs --val-fraction 0"),
            (common + ["--targets", "\(dir)/short.npy", "--val-fraction", "0"], "short.npy: 10 labels for the 70000 images of --images"),
            (common + ["--targets", "\(dir)/eleven.npy", "--val-fraction", "0"], "label 10 at image"),
            (common + ["--targets", "\(dir)/none.npy", "--val-fraction", "0"], "--targets \(dir)/none.npy: no such file"),
            (common, "--images all is for autoencoders and contrastive encoders"),
            (["train", "autoencoder", "--targets", targetPath, "--val-fraction", "0", "--out", "\(dir)/a.safetensors"],
             "--targets applies to `train classifier` only"),
            (["test", "--model", cnn, "--predictions", "\(dir)/p.txt"], "--predictions"),
        ]
        for (arguments, message) in cases {
            assertOneErrorLine(try run(arguments), containing: message, "\(arguments)")
        }
    }

    func testBadInputsGiveOneLine() throws {
        let cases: [([String], String)] = [
            (["train", "autoencoder", "--arch", "cnn", "--out", "\(dir)/x"], "--arch cnn does not fit"),
            (["train", "classifier", "--arch", "resnet", "--out", "\(dir)/x"], "--arch 'resnet' is unknown"),
            (["train", "classifier", "--resume", "--out", "\(dir)/missing.safetensors"], "--resume: no interrupted run"),
            (["encode", "--model", "\(dir)/missing.safetensors", "--out", "\(dir)/x.npy"], "missing.safetensors: no such file"),
            // A negative value reaches the option's own check (the parser used to say "Missing value for '--lr'").
            (["train", "classifier", "--lr", "-1", "--out", "\(dir)/x"], "--lr -1.0 must be positive"),
            (["train", "autoencoder", "--epochs", "-1", "--out", "\(dir)/x.safetensors"], "--epochs -1 must be at least 1"),
            (["train", "autoencoder", "--shift", "-2", "--out", "\(dir)/x.safetensors"], "--shift -2 must be between 0 and 8 pixels"),
            (["train", "classifier", "--out", "\(dir)/model.pt"], "--out \(dir)/model.pt: the file name must end in .safetensors"),
            (["train", "autoencoder", "--out", "/nonexistent-dir/ae.safetensors"], "directory /nonexistent-dir does not exist"),
            // It trained on no image and saved the untouched weights with a training loss of 0.
            (["train", "classifier", "--val-fraction", "0.99999", "--out", "\(dir)/none.safetensors"],
             "--val-fraction 0.99999 holds out every training image: nothing is left to train on"),
            (["cluster", "--split", "train", "--val-fraction", "0.99999", "--out", "\(dir)/x.npy"],
             "--split train holds no images with --val-fraction 0.99999"),
            // Each was ignored: the model trained without it, exit 0.
            (["train", "autoencoder", "--dropout", "0.5", "--out", "\(dir)/x.safetensors"], "--dropout applies to cnn, not conv-ae"),
            (["train", "classifier", "--latent", "5", "--out", "\(dir)/x.safetensors"], "--latent applies to conv-ae, dense-ae, n2d-ae, simclr, simclr-cnn, not cnn"),
            (["train", "classifier", "--arch", "softmax", "--dropout", "0.3", "--out", "\(dir)/x.safetensors"], "--dropout applies to cnn, not softmax"),
            (["train", "contrastive", "--l2", "0.1", "--out", "\(dir)/x.safetensors"], "--l2 applies to softmax, not simclr"),
        ]
        for (arguments, message) in cases {
            assertOneErrorLine(try run(arguments), containing: message, "\(arguments)")
        }
    }
}
