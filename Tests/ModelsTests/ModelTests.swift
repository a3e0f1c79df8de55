import Backend
import Dataset
import Foundation
import Models
import XCTest

/// The models on the real data: PyTorch names and shapes, CPU/OpenCL training parity, checkpoints.
final class ModelTests: XCTestCase {
    static let data: Result<FashionMNIST, Error> = Result { try FashionMNIST.load(from: FashionMNIST.directory(flag: nil)) }
    static let openCL: OpenCLBackend? = try? OpenCLBackend()

    func testParameterNamesAndShapesArePyTorchs() throws {
        let ae = try Network(.convAutoencoder(latent: 10), backend: CPUBackend(), seed: 1)
        XCTAssertEqual(ae.parameters.map(\.name), ["encoder.conv1.weight", "encoder.conv1.bias", "encoder.conv2.weight", "encoder.conv2.bias",
                                                   "encoder.fc.weight", "encoder.fc.bias", "decoder.fc.weight", "decoder.fc.bias",
                                                   "decoder.deconv1.weight", "decoder.deconv1.bias", "decoder.deconv2.weight", "decoder.deconv2.bias"])
        XCTAssertEqual(ae.parameters.map(\.shape), [[32, 1, 3, 3], [32], [64, 32, 3, 3], [64], [10, 3136], [10], [3136, 10], [3136],
                                                    [64, 32, 3, 3], [32], [32, 1, 3, 3], [1]])
        XCTAssertEqual(ae.featureSize, 10)
        let cnn = try Network(.cnn(dropout: 0.25), backend: CPUBackend(), seed: 1)
        XCTAssertEqual(cnn.parameters.map(\.name), ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        XCTAssertEqual(cnn.featureSize, 128)
        XCTAssertEqual(cnn.outputSize, 10)
        let dense = try Network(.denseAutoencoder(latent: 10), backend: CPUBackend(), seed: 1)
        XCTAssertEqual(dense.parameters.map(\.shape).prefix(8), [[500, 784], [500], [500, 500], [500], [2000, 500], [2000], [10, 2000], [10]])
        // PyTorch's default init: |w| <= 1/sqrt(fan_in); for ConvTranspose2d fan_in = out * k * k.
        let deconv2 = try ae.backend.floats(ae.parameters[10].value)
        XCTAssertLessThanOrEqual(deconv2.map(abs).max()!, 1 / Float(9).squareRoot())
        XCTAssertGreaterThan(deconv2.map(abs).max()!, 0.8 / Float(9).squareRoot())
    }

    /// n2d-ae: dense-ae's tensors, Keras's initialisation (Glorot-uniform weights, zero biases) and
    /// no activation on the output, so reconstructions are not confined to (0, 1).
    func testReferenceAutoencoderIsDenseAEWithKerasInitialisationAndLinearOutput() throws {
        let backend = CPUBackend()
        let reference = try Network(.n2dAutoencoder(latent: 10), backend: backend, seed: 1)
        let dense = try Network(.denseAutoencoder(latent: 10), backend: backend, seed: 1)
        XCTAssertEqual(reference.parameters.map(\.name), dense.parameters.map(\.name))
        XCTAssertEqual(reference.parameters.map(\.shape), dense.parameters.map(\.shape))
        XCTAssertEqual(reference.layers.count, dense.layers.count - 1, "one layer fewer: no sigmoid")
        for p in reference.parameters {
            let values = try backend.floats(p.value)
            if p.shape.count == 1 { XCTAssertEqual(values.map(abs).max(), 0, p.name); continue }
            let bound = (6 / Float(p.shape[0] + p.shape[1])).squareRoot()
            XCTAssertLessThanOrEqual(values.map(abs).max()!, bound, p.name)
            XCTAssertGreaterThan(values.map(abs).max()!, 0.95 * bound, p.name)
        }
        let batch = 8
        let x = try backend.makeBuffer((0 ..< batch * 784).map { Float(($0 * 37) % 101) / 101 })
        let out = try backend.floats(try reference.forward(x, batch: batch, training: false))
        XCTAssertTrue(out.contains { $0 < 0 }, "a linear output layer gives negative values too")
        XCTAssertTrue(try backend.floats(try dense.forward(x, batch: batch, training: false)).allSatisfy { $0 > 0 && $0 < 1 })
    }

    /// Queuing batches in groups and reading their losses once per group (`batchesPerRead`) trains
    /// exactly what one batch at a time does: the same losses and weights, bit for bit, on every
    /// backend, for a model with dropout, one with shifted images and one with an elastic-net penalty
    /// (read per batch), with groups that do not divide the batches (10 batches in groups of 3).
    func testGroupsOfBatchesTrainTheSameWeights() throws {
        let data = try Self.data.get().train
        var backends: [any ComputeBackend] = [CPUBackend()]
        if let openCL = Self.openCL { backends.append(openCL) }
        else if ProcessInfo.processInfo.environment["FMNIST_REQUIRE_OPENCL"] == "1" { XCTFail("no OpenCL backend") }
        for backend in backends {
            try groupsTrainTheSameWeights(backend, data: data)
        }
    }

    private func groupsTrainTheSameWeights<B: ComputeBackend>(_ backend: B, data: LabeledImages) throws {
        for (architecture, shift) in [(Architecture.cnn(dropout: 0.25), 0), (.convAutoencoder(latent: 10), 2), (.softmax(l1: 1e-4, l2: 1e-3), 0)] {
            var runs: [(losses: [Float], weights: [[UInt32]])] = []
            for perRead in [1, 3, 16] {
                var settings = TrainingSettings()
                (settings.batchSize, settings.seed, settings.shiftPixels, settings.batchesPerRead) = (50, 3, shift, perRead)
                let network = try Network(architecture, backend: backend, seed: 5)
                let trainer = try Trainer(network: network, settings: settings)
                var batchesSeen: [Int] = []
                let losses = try trainer.trainEpoch(data, indices: Array(0 ..< 500), epoch: 1) { batchesSeen.append($0.batch) }
                XCTAssertEqual(batchesSeen, Array(1 ... 10), "\(backend.name) \(architecture): progress hears of every batch in order")
                runs.append((losses, try network.stateDict().map { $0.values.map(\.bitPattern) }))
            }
            XCTAssertEqual(runs[0].losses.count, 10)
            for run in runs.dropFirst() {
                XCTAssertEqual(run.losses, runs[0].losses, "\(backend.name) \(architecture) losses")
                XCTAssertTrue(run.weights == runs[0].weights, "\(backend.name) \(architecture): the weights differ")
            }
        }
    }

    /// On a device, a group's batches cost one upload of their images, one of their labels and one read of their
    /// losses — no transfer per batch (the queue's profile of a second epoch of 8 batches in groups of 4 on OpenCL).
    func testGroupsTransferOncePerGroupOnADevice() throws {
        guard let shared = Self.openCL else {
            if ProcessInfo.processInfo.environment["FMNIST_REQUIRE_OPENCL"] == "1" { XCTFail("no OpenCL backend") }
            return
        }
        let backend = try OpenCLBackend(deviceIndex: shared.info.index, profiling: true)
        let data = try Self.data.get().train
        var settings = TrainingSettings()
        (settings.batchSize, settings.batchesPerRead) = (50, 4)
        let trainer = try Trainer(network: try Network(.cnn(dropout: 0.25), backend: backend, seed: 2), settings: settings)
        let transfers = { (profile: KernelProfile) -> [String: Int] in
            Dictionary(profile.rows.filter { $0.name == "read" || $0.name == "write" }.map { ("\($0.name) \($0.shape)", $0.count) },
                       uniquingKeysWith: +)
        }
        _ = try trainer.trainEpoch(data, indices: Array(0 ..< 400), epoch: 0) // the first step also uploads Adam's zero moments
        let before = transfers(try backend.kernelProfile())
        XCTAssertEqual(try trainer.trainEpoch(data, indices: Array(0 ..< 400), epoch: 1).count, 8)
        let during = transfers(try backend.kernelProfile()).merging(before.mapValues { -$0 }, uniquingKeysWith: +).filter { $0.value != 0 }
        XCTAssertEqual(during, ["write 156800": 2, "write 200": 2, "read 4": 2], "images, labels and losses once per group")
    }

    /// A non-finite loss in the middle of a group names its own batch (batch 5 of 10: the NaN image is row 450);
    /// an epoch without images trains nothing.
    func testNonFiniteLossNamesItsBatchInsideAGroup() throws {
        var data = try Self.data.get().train.prefix(1000)
        data.images[450 * 784 + 300] = .nan
        var settings = TrainingSettings()
        (settings.batchSize, settings.shuffle, settings.batchesPerRead) = (100, false, 4)
        let trainer = try Trainer(network: try Network(.cnn(dropout: 0), backend: CPUBackend(), seed: 1), settings: settings)
        XCTAssertThrowsError(try trainer.trainEpoch(data, indices: Array(0 ..< 1000), epoch: 0)) { error in
            XCTAssertTrue("\(error)".contains("loss became nan in epoch 0, batch 5 of 10"), "\(error)")
        }
        XCTAssertEqual(try trainer.trainEpoch(data, indices: [], epoch: 1), [], "no images: no batches, no losses")
    }

    /// One epoch on 1,000 images in file order with the same seed: the same per-batch losses
    /// (1e-4 relative) and final weights (NMSE 1e-6) on the CPU and OpenCL backends.
    func testOneEpochIsTheSameOnCPUAndOpenCL() throws {
        guard let openCL = Self.openCL else {
            if ProcessInfo.processInfo.environment["FMNIST_REQUIRE_OPENCL"] == "1" { XCTFail("no OpenCL backend") }
            return
        }
        let data = try Self.data.get().train
        for architecture in [Architecture.convAutoencoder(latent: 10), .cnn(dropout: 0.25), .simclr(features: 128), .simclrCNN(features: 128),
                             .n2dAutoencoder(latent: 10)] {
            var settings = TrainingSettings()
            settings.shuffle = false
            settings.seed = 3
            let cpuNet = try Network(architecture, backend: CPUBackend(), seed: 5)
            let clNet = try Network(architecture, backend: openCL, seed: 5)
            let cpuLosses = try Trainer(network: cpuNet, settings: settings).trainEpoch(data, indices: Array(0 ..< 1000), epoch: 0)
            let clLosses = try Trainer(network: clNet, settings: settings).trainEpoch(data, indices: Array(0 ..< 1000), epoch: 0)
            XCTAssertEqual(cpuLosses.count, 4)
            for (a, b) in zip(cpuLosses, clLosses) {
                XCTAssertEqual(a, b, accuracy: 1e-4 * abs(a), "\(architecture) batch losses \(cpuLosses) vs \(clLosses)")
            }
            for (p, q) in zip(try cpuNet.stateDict(), try clNet.stateDict()) {
                var num = 0.0, den = 0.0
                for (x, y) in zip(p.values, q.values) { num += Double(x - y) * Double(x - y); den += Double(x) * Double(x) }
                XCTAssertLessThanOrEqual(num / max(den, 1e-30), 1e-6, "\(architecture) \(p.name) after one epoch")
            }
        }
    }

    /// `Network.backward` skips the gradient with respect to the images (the first layer returns
    /// nil) and every parameter gradient is the one the layers give when asked for all input
    /// gradients; a range starting past the input still returns its input gradient.
    func testBackwardSkipsOnlyTheImageGradient() throws {
        let backend = CPUBackend()
        for architecture in [Architecture.convAutoencoder(latent: 3), .cnn(dropout: 0), .denseAutoencoder(latent: 3)] {
            let net = try Network(architecture, backend: backend, seed: 2)
            let batch = 5
            let x = try backend.makeBuffer((0 ..< batch * 784).map { Float(($0 * 37) % 101) / 101 })
            _ = try net.forward(x, batch: batch, training: true)
            let dy = try backend.makeBuffer((0 ..< batch * net.outputSize).map { Float(($0 * 13) % 7) / 7 - 0.4 })
            XCTAssertNil(try net.backward(dy, batch: batch, layers: 0 ... net.layers.count - 1), "\(architecture)")
            let skipped = try net.parameters.map { try backend.floats($0.gradient) }
            var gradient = dy
            for layer in net.layers.reversed() { gradient = try layer.backward(gradient, batch: batch) }
            XCTAssertGreaterThanOrEqual(gradient.count, batch * 784)
            for (p, before) in zip(net.parameters, skipped) {
                XCTAssertEqual(try backend.floats(p.gradient), before, "\(architecture) \(p.name)")
            }
            XCTAssertNotNil(try net.backward(dy, batch: batch, layers: 1 ... net.layers.count - 1), "\(architecture)")
        }
    }

    /// Save, load, and the loaded network computes the same codes; a PyTorch-style file without
    /// metadata is recognised from its tensor names; a mismatching file is refused naming the tensor.
    func testCheckpointRoundTrip() throws {
        let data = try Self.data.get().test
        let backend = CPUBackend()
        let network = try Network(.convAutoencoder(latent: 7), backend: backend, seed: 9)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ae-\(getpid()).safetensors").path
        try Checkpoint.save(network, to: path, extra: ["fmnist.epoch": "0"])
        let loaded = try Checkpoint.load(path, backend: backend)
        XCTAssertEqual(loaded.architecture, .convAutoencoder(latent: 7))
        let x = try backend.makeBuffer(Array(data.images.prefix(5 * 784)))
        let a = try backend.floats(try network.forward(x, batch: 5, training: false, through: network.featureLayer))
        let b = try backend.floats(try loaded.forward(x, batch: 5, training: false, through: loaded.featureLayer))
        XCTAssertEqual(a, b, "re-encoded codes differ after save and load")

        var bare = try Safetensors.read(path)
        bare.metadata = [:]
        try bare.write(to: path)
        XCTAssertEqual(try Checkpoint.load(path, backend: backend).architecture, .convAutoencoder(latent: 7))

        let cnn = try Network(.cnn(dropout: 0.25), backend: backend, seed: 1)
        try Checkpoint.save(cnn, to: path)
        var broken = try Safetensors.read(path)
        broken.tensors[0].tensor = Safetensors.Tensor(shape: [16, 1, 3, 3], values: [Float](repeating: 0, count: 144))
        try broken.write(to: path)
        XCTAssertThrowsError(try Checkpoint.load(path, backend: backend)) { error in
            XCTAssertTrue("\(error)".contains("conv1.weight has shape [16, 1, 3, 3], cnn needs [32, 1, 3, 3]"), "\(error)")
        }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Metadata values out of range are one error naming the file and the field (a latent of -3
    /// once made the tool allocate without end); tensors the network lacks are a note.
    func testCheckpointMetadataIsValidated() throws {
        let backend = CPUBackend()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("meta-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Checkpoint.save(try Network(.convAutoencoder(latent: 3), backend: backend, seed: 2), to: path)
        let good = try Safetensors.read(path)
        let cases: [([String: String], String)] = [
            (["fmnist.arch": "conv-ae", "fmnist.latent": "-3"], "metadata fmnist.latent = -3 must be between 1 and 4096"),
            (["fmnist.arch": "conv-ae", "fmnist.latent": "99999999"], "fmnist.latent = 99999999 must be between 1 and 4096"),
            (["fmnist.arch": "dense-ae"], "metadata fmnist.latent is missing for dense-ae"),
            (["fmnist.arch": "n2d-ae", "fmnist.latent": "0"], "metadata fmnist.latent = 0 must be between 1 and 4096"),
            (["fmnist.arch": "conv-ae", "fmnist.latent": "ten"], "metadata fmnist.latent = 'ten' is not a number"),
            (["fmnist.arch": "cnn", "fmnist.dropout": "1.5"], "metadata fmnist.dropout = 1.5 must be in [0, 1)"),
            (["fmnist.arch": "softmax", "fmnist.l1": "nan"], "metadata fmnist.l1 = nan must be finite and not negative"),
            (["fmnist.arch": "resnet"], "metadata fmnist.arch = 'resnet' is not conv-ae"),
        ]
        for (metadata, message) in cases {
            var bad = good
            bad.metadata = metadata
            try bad.write(to: path)
            XCTAssertThrowsError(try Checkpoint.load(path, backend: backend)) { XCTAssertTrue("\($0)".contains(message), "\($0)") }
        }
        var extra = good
        extra.tensors.append(("encoder.bn.weight", .init(shape: [3], values: [1, 1, 1])))
        try extra.write(to: path)
        var notes: [String] = []
        XCTAssertEqual(try Checkpoint.load(path, backend: backend) { notes.append($0) }.architecture, .convAutoencoder(latent: 3))
        XCTAssertEqual(notes.count, 1)
        XCTAssertTrue(notes.first?.contains("1 tensor(s) that conv-ae does not have were not loaded: encoder.bn.weight") == true, "\(notes)")
    }

    /// Training lowers the loss on real data (a short run on a subset; full runs are in the notes).
    func testShortTrainingLearns() throws {
        let data = try Self.data.get()
        let backend = CPUBackend()
        var settings = TrainingSettings()
        settings.seed = 1
        let network = try Network(.convAutoencoder(latent: 10), backend: backend, seed: 1)
        let trainer = try Trainer(network: network, settings: settings)
        let validation = Array(0 ..< 500)
        let before = try trainer.evaluate(data.test, indices: validation).loss
        for epoch in 0 ..< 6 { _ = try trainer.trainEpoch(data.train, indices: Array(0 ..< 4000), epoch: epoch) }
        let after = try trainer.evaluate(data.test, indices: validation).loss
        // Baseline: predicting every validation image as the per-pixel mean training image.
        var mean = [Double](repeating: 0, count: 784)
        for i in 0 ..< 4000 { for p in 0 ..< 784 { mean[p] += Double(data.train.images[i * 784 + p]) / 4000 } }
        var baseline = 0.0
        for i in validation { for p in 0 ..< 784 { let d = Double(data.test.images[i * 784 + p]) - mean[p]; baseline += d * d } }
        baseline /= Double(validation.count * 784)
        print("short conv-ae run: validation MSE \(before) -> \(after); mean-image baseline \(baseline)")
        XCTAssertLessThan(after, 0.5 * before, "validation MSE \(before) -> \(after)")
        XCTAssertLessThan(after, 0.5 * baseline, "the autoencoder must beat the mean image clearly")
    }
}

/// Softmax regression with the elastic-net penalty: it learns, and the L1 term shrinks the weights.
final class SoftmaxRegressionTests: XCTestCase {
    func testElasticNetShrinksWeightsAndTheModelLearns() throws {
        let data = try ModelTests.data.get()
        var settings = TrainingSettings()
        settings.learningRate = 2e-3
        var l1Norms: [Float] = [], accuracies: [Double] = []
        for l1: Float in [0, 1e-3] {
            let network = try Network(.softmax(l1: l1, l2: 0), backend: CPUBackend(), seed: 2)
            XCTAssertEqual(network.parameters.map(\.name), ["fc.weight", "fc.bias"])
            let trainer = try Trainer(network: network, settings: settings)
            for epoch in 0 ..< 3 { _ = try trainer.trainEpoch(data.train, indices: Array(0 ..< 6000), epoch: epoch) }
            l1Norms.append(try network.backend.floats(network.parameters[0].value).reduce(0) { $0 + abs($1) })
            accuracies.append(try XCTUnwrap(try trainer.evaluate(data.test, indices: Array(0 ..< 1000)).accuracy))
        }
        XCTAssertGreaterThan(accuracies[0], 0.75, "softmax regression on 6,000 images, 3 epochs")
        XCTAssertLessThan(l1Norms[1], 0.7 * l1Norms[0], "the L1 penalty must shrink |W|_1: \(l1Norms)")
    }
}
