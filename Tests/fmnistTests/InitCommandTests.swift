import Dataset
import Foundation
import XCTest

/// `fmnist train --init FILE`: the file gives only the weights; hyper-parameters come from the
/// command line, and a flag that contradicts the tensors is an error.
final class InitCommandTests: XCTestCase {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-init-\(getpid())").path
    let backends = ProcessInfo.processInfo.environment["FMNIST_REQUIRE_OPENCL"] == "1" ? ["cpu", "opencl"] : ["cpu"]

    override func setUpWithError() throws { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    static let cnnShapes: [(String, [Int])] = [
        ("conv1.weight", [32, 1, 3, 3]), ("conv1.bias", [32]), ("conv2.weight", [64, 32, 3, 3]), ("conv2.bias", [64]),
        ("fc1.weight", [128, 3136]), ("fc1.bias", [128]), ("fc2.weight", [10, 128]), ("fc2.bias", [10]),
    ]

    /// A `state_dict` as PyTorch saves it with `safetensors.torch.save_file`: names and layouts
    /// only, no metadata. Values uniform in +-1/sqrt(fan-in), as PyTorch's default initialisation.
    func writeStateDict(_ shapes: [(String, [Int])], seed: UInt64, to path: String) throws -> Safetensors {
        var rng = SplitMix64(seed: seed)
        var fanIn = 1
        let tensors: [(name: String, tensor: Safetensors.Tensor)] = shapes.map { name, shape in
            if shape.count > 1 { fanIn = shape.dropFirst().reduce(1, *) }
            let bound = 1 / Float(fanIn).squareRoot()
            return (name, Safetensors.Tensor(shape: shape, values: (0 ..< shape.reduce(1, *)).map { _ in bound * (2 * Float(rng.next() >> 40) / Float(1 << 24) - 1) }))
        }
        let file = Safetensors(tensors: tensors)
        try file.write(to: path)
        return file
    }

    func train(_ arguments: [String], backend: String = "cpu") throws -> FmnistProcess.Outcome {
        try FmnistProcess.run(["train"] + arguments + ["--epochs", "1", "--no-shuffle", "--val-fraction", "0", "--lr-schedule", "constant",
                                                       "--backend", backend])
    }

    /// One SGD step (first step: `w - lr g`) from a metadata-free file with `--dropout 0` equals a
    /// float64 reference step, on every backend; `--dropout 0.5` gives other weights, and the
    /// start line names what is trained.
    func testInitTakesOnlyTheWeightsAndDropoutFromTheCommandLine() throws {
        let initial = "\(dir)/w.safetensors"
        let start = try writeStateDict(Self.cnnShapes, seed: 11, to: initial)
        let count = 4, lr = 0.1
        let data = try FashionMNIST.load(from: FashionMNIST.directory(flag: nil)).train
        let x = data.images.prefix(count * 784).map(Double.init), labels = data.labels.prefix(count).map(Int.init)
        let weights = Dictionary(uniqueKeysWithValues: start.tensors.map { ($0.name, $0.tensor.values.map(Double.init)) })
        let gradients = CNNReference.gradients(weights, x: x, labels: labels, count: count)
        let common = ["classifier", "--arch", "cnn", "--init", initial, "--optimizer", "sgd", "--lr", "\(lr)", "--batch", "\(count)",
                      "--limit", "\(count)"]
        for backend in backends {
            let out = "\(dir)/step-\(backend).safetensors"
            let outcome = try train(common + ["--dropout", "0", "--out", out], backend: backend)
            XCTAssertEqual(outcome.status, 0, outcome.stderr)
            XCTAssertTrue(outcome.stderr.contains("cnn (dropout 0.0)") && outcome.stderr.contains("weights from \(initial)"), outcome.stderr)
            let stepped = try Safetensors.read(out)
            XCTAssertEqual(stepped.metadata["fmnist.dropout"], "0.0")
            for (name, tensor) in stepped.tensors {
                let before = try XCTUnwrap(weights[name]), g = try XCTUnwrap(gradients[name])
                let delta = zip(tensor.values, before).map { Double($0) - $1 }, expected = g.map { -lr * $0 }
                let error = zip(delta, expected).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / expected.reduce(0) { $0 + $1 * $1 }
                XCTAssertLessThan(error, 1e-6, "\(backend) \(name): the step differs from the float64 reference (NMSE \(error))")
            }
        }
        let half = "\(dir)/half.safetensors"
        XCTAssertEqual(try train(common + ["--dropout", "0.5", "--out", half, "--quiet"]).status, 0)
        let a = try Safetensors.read("\(dir)/step-cpu.safetensors").byName, b = try Safetensors.read(half).byName
        XCTAssertNotEqual(a["fc1.weight"], b["fc1.weight"], "--dropout 0.5 must change the step")
        XCTAssertEqual(try Safetensors.read(half).metadata["fmnist.dropout"], "0.5")
    }

    /// A softmax model started from a metadata-free file keeps `--l1/--l2`; a stored value that
    /// differs from the flag is a note; contradicting flags are one clear error.
    func testElasticNetAndContradictions() throws {
        let plain = "\(dir)/softmax.safetensors"
        _ = try writeStateDict([("fc.weight", [10, 784]), ("fc.bias", [10])], seed: 3, to: plain)
        let common = ["classifier", "--arch", "softmax", "--init", plain, "--optimizer", "sgd", "--lr", "0.5", "--batch", "32", "--limit", "32", "--quiet"]
        let penalised = "\(dir)/penalised.safetensors", free = "\(dir)/free.safetensors"
        XCTAssertEqual(try train(common + ["--l1", "0.01", "--l2", "0.1", "--out", penalised]).status, 0)
        XCTAssertEqual(try train(common + ["--out", free]).status, 0)
        let p = try Safetensors.read(penalised)
        XCTAssertEqual(p.metadata["fmnist.l1"], "0.01")
        XCTAssertEqual(p.metadata["fmnist.l2"], "0.1")
        XCTAssertNotEqual(p.byName["fc.weight"], try Safetensors.read(free).byName["fc.weight"])

        // The penalised file stores l1 0.01; starting from it with --l1 0 uses 0 and says so.
        let noted = try train(["classifier", "--init", penalised, "--l1", "0", "--limit", "32", "--quiet", "--out", "\(dir)/n.safetensors"])
        XCTAssertEqual(noted.status, 0, noted.stderr)
        XCTAssertTrue(noted.stderr.contains("note: --init \(penalised) was trained as softmax (l1 0.01, l2 0.1)"), noted.stderr)
        XCTAssertEqual(try Safetensors.read("\(dir)/n.safetensors").metadata["fmnist.l1"], "0.0")

        let ae = "\(dir)/ae.safetensors"
        XCTAssertEqual(try train(["autoencoder", "--latent", "6", "--limit", "16", "--quiet", "--out", ae]).status, 0)
        let contradictions: [([String], String)] = [
            (["autoencoder", "--init", ae, "--latent", "20"], "--latent 20 contradicts --init \(ae), whose encoder has a 6-d bottleneck"),
            (["autoencoder", "--arch", "dense-ae", "--init", ae], "--arch dense-ae contradicts --init \(ae), which holds conv-ae weights"),
            (["classifier", "--init", ae], "--init \(ae) holds conv-ae weights, which `train classifier` cannot start from"),
        ]
        for (arguments, message) in contradictions {
            let outcome = try train(arguments + ["--limit", "16", "--out", "\(dir)/x.safetensors"])
            XCTAssertNotEqual(outcome.status, 0)
            XCTAssertEqual(outcome.stderr.split(separator: "\n").filter { $0.contains("rror") }.count, 1, outcome.stderr)
            XCTAssertTrue(outcome.stderr.contains(message), outcome.stderr)
        }
        // Without --latent, the file's bottleneck is used.
        let same = try train(["autoencoder", "--init", ae, "--limit", "16", "--out", "\(dir)/y.safetensors"])
        XCTAssertTrue(same.stderr.contains("conv-ae (latent 6)"), same.stderr)
    }

    /// dense-ae and n2d-ae hold the same tensors: the metadata tells which a file holds, `--init`
    /// continues as that one, and `--arch` may switch between the two (with a note), never to another kind.
    func testInitKeepsTheReferenceAutoencoderApartFromDenseAE() throws {
        let reference = "\(dir)/n2d.safetensors"
        let first = try train(["autoencoder", "--arch", "n2d-ae", "--latent", "4", "--limit", "16", "--quiet", "--out", reference])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(try Safetensors.read(reference).metadata["fmnist.arch"], "n2d-ae")

        let continued = try train(["autoencoder", "--init", reference, "--limit", "16", "--out", "\(dir)/a.safetensors"])
        XCTAssertEqual(continued.status, 0, continued.stderr)
        XCTAssertTrue(continued.stderr.contains("n2d-ae (latent 4)"), continued.stderr)
        XCTAssertFalse(continued.stderr.contains("note:"), continued.stderr)
        XCTAssertEqual(try Safetensors.read("\(dir)/a.safetensors").metadata["fmnist.arch"], "n2d-ae")

        let switched = try train(["autoencoder", "--arch", "dense-ae", "--init", reference, "--limit", "16", "--out", "\(dir)/b.safetensors"])
        XCTAssertEqual(switched.status, 0, switched.stderr)
        XCTAssertTrue(switched.stderr.contains("note: --init \(reference) holds n2d-ae weights; training them as dense-ae (latent 4)"),
                      switched.stderr)
        XCTAssertEqual(try Safetensors.read("\(dir)/b.safetensors").metadata["fmnist.arch"], "dense-ae")

        let refused = try train(["autoencoder", "--arch", "conv-ae", "--init", reference, "--limit", "16", "--out", "\(dir)/c.safetensors"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("--arch conv-ae contradicts --init \(reference), which holds n2d-ae weights"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/c.safetensors"))
    }
}
