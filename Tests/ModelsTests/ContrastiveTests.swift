import Backend
import Dataset
import Foundation
@testable import Models
import XCTest

/// SimCLR's pieces: the augmentation against PyTorch's `grid_sample`, the encoder's layout and
/// checkpoint recognition, and contrastive training (it learns; the same on CPU and OpenCL).
final class ContrastiveTests: XCTestCase {
    func fixture(_ name: String) throws -> [Float] {
        let path = try XCTUnwrap(Bundle.module.path(forResource: name, ofType: "npy", inDirectory: "Fixtures"), "missing \(name).npy")
        return try NPYArray.read(path).floats
    }

    /// A flipped crop of width 0.6 and height 0.8 centred at (0.1, -0.2): PyTorch's `affine_grid` +
    /// `grid_sample` (bilinear, border, align_corners False) of the same image gives the same pixels.
    func testCropMatchesPyTorchsGridSample() throws {
        let image = try fixture("crop_image"), expected = try fixture("crop_view")
        let draw = ContrastiveAugmentation.Draw(width: 0.6, height: 0.8, centreX: 0.1, centreY: -0.2, flip: true, brightness: nil, contrast: 1)
        var view = [Float](repeating: -1, count: 784)
        image.withUnsafeBufferPointer { ContrastiveAugmentation().apply(draw, source: $0.baseAddress!, width: 28, height: 28, into: &view) }
        let worst = zip(view, expected).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst, 1e-5, "largest pixel difference from PyTorch")
    }

    /// The whole image unflipped and unjittered is the image itself; flipped, its mirror; the jitter
    /// keeps pixels in [0, 1] and with factors 1 changes nothing.
    func testIdentityFlipAndJitter() throws {
        let image = (0 ..< 784).map { Float(($0 * 37) % 101) / 100 }
        let augmentation = ContrastiveAugmentation()
        func view(_ d: ContrastiveAugmentation.Draw) -> [Float] {
            var out = [Float](repeating: -1, count: 784)
            image.withUnsafeBufferPointer { augmentation.apply(d, source: $0.baseAddress!, width: 28, height: 28, into: &out) }
            return out
        }
        let whole = ContrastiveAugmentation.Draw(width: 1, height: 1, centreX: 0, centreY: 0, flip: false, brightness: nil, contrast: 1)
        // Exact up to the rounding of the sample coordinates (1e-16 of a pixel).
        for (a, b) in zip(view(whole), image) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        var mirrored = whole
        mirrored.flip = true
        let flipped = view(mirrored)
        for y in 0 ..< 28 { for x in 0 ..< 28 { XCTAssertEqual(flipped[y * 28 + x], image[y * 28 + 27 - x], accuracy: 1e-6) } }
        var unit = whole
        (unit.brightness, unit.contrast) = (1, 1)
        for (a, b) in zip(view(unit), image) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        var strong = whole
        (strong.brightness, strong.contrast) = (1.4, 1.4)
        let jittered = view(strong)
        XCTAssertTrue(jittered.allSatisfy { (0 ... 1).contains($0) })
        XCTAssertNotEqual(jittered, image)
    }

    /// Random views: the same seed gives the same view, another seed another one, and the draws
    /// stay within the stated ranges.
    func testViewsAreSeededAndDrawsInRange() {
        let image = (0 ..< 784).map { Float($0 % 28) / 27 }
        let augmentation = ContrastiveAugmentation()
        func view(seed: UInt64) -> [Float] {
            var rng = SplitMix64(seed: seed), out = [Float](repeating: 0, count: 784)
            image.withUnsafeBufferPointer { augmentation.views(of: $0.baseAddress!, sources: [0], width: 28, height: 28, into: &out, rng: &rng) }
            return out
        }
        XCTAssertEqual(view(seed: 4), view(seed: 4))
        XCTAssertNotEqual(view(seed: 4), view(seed: 5))
        var rng = SplitMix64(seed: 9), flips = 0, jittered = 0
        for _ in 0 ..< 2000 {
            let d = augmentation.draw(&rng)
            let area = d.width * d.height
            XCTAssertTrue(area >= 0.2 * 0.75 - 1e-9 && area <= 1 + 1e-9, "area \(area)")
            XCTAssertLessThanOrEqual(abs(d.centreX), 1 - d.width + 1e-12)
            XCTAssertLessThanOrEqual(abs(d.centreY), 1 - d.height + 1e-12)
            XCTAssertTrue((0.6 ... 1.4).contains(d.contrast))
            if d.flip { flips += 1 }
            if let b = d.brightness { jittered += 1; XCTAssertTrue((0.6 ... 1.4).contains(b)) }
        }
        XCTAssertEqual(Double(flips) / 2000, 0.5, accuracy: 0.05)
        XCTAssertEqual(Double(jittered) / 2000, 0.8, accuracy: 0.05)
    }

    func testEncoderLayoutAndCheckpointRecognition() throws {
        let net = try Network(.simclr(features: 128), backend: CPUBackend(), seed: 1)
        XCTAssertEqual(net.parameters.map(\.name), ["encoder.conv1.weight", "encoder.conv1.bias", "encoder.conv2.weight", "encoder.conv2.bias",
                                                    "encoder.fc.weight", "encoder.fc.bias", "head.fc1.weight", "head.fc1.bias",
                                                    "head.fc2.weight", "head.fc2.bias"])
        XCTAssertEqual(net.featureSize, 128)
        XCTAssertEqual(net.outputSize, Architecture.projectionSize)
        let tensors = try net.stateDict().reduce(into: [String: Safetensors.Tensor]()) { $0[$1.name] = Safetensors.Tensor(shape: $1.shape, values: $1.values) }
        XCTAssertEqual(Checkpoint.recognise(tensors), .simclr(features: 128))
        let ae = try Network(.convAutoencoder(latent: 10), backend: CPUBackend(), seed: 1)
        let aeTensors = try ae.stateDict().reduce(into: [String: Safetensors.Tensor]()) { $0[$1.name] = Safetensors.Tensor(shape: $1.shape, values: $1.values) }
        XCTAssertEqual(Checkpoint.recognise(aeTensors), .convAutoencoder(latent: 10), "the conv AE shares the encoder's names")
        XCTAssertEqual(try Architecture.parse(metadata: Architecture.simclr(features: 32).metadata, source: "m"), .simclr(features: 32))
    }

    /// `simclr-cnn`: the CNN classifier's pooled trunk under its own names, recognised from them and
    /// from its metadata, the same representation and projection sizes, and `--arch simclr-cnn`.
    func testPooledEncoderLayoutAndRecognition() throws {
        let net = try Network(.simclrCNN(features: 64), backend: CPUBackend(), seed: 1)
        XCTAssertEqual(net.parameters.map(\.name), ["backbone.conv1.weight", "backbone.conv1.bias", "backbone.conv2.weight", "backbone.conv2.bias",
                                                    "backbone.fc.weight", "backbone.fc.bias", "head.fc1.weight", "head.fc1.bias",
                                                    "head.fc2.weight", "head.fc2.bias"])
        XCTAssertEqual(net.parameters.map(\.shape), try Network(.cnn(dropout: 0.25), backend: CPUBackend(), seed: 1).parameters.prefix(4).map(\.shape)
                       + [[64, 3136], [64], [64, 64], [64], [Architecture.projectionSize, 64], [Architecture.projectionSize]])
        XCTAssertEqual(net.featureSize, 64)
        XCTAssertEqual(net.layers[net.featureLayer].inputSize, 64, "h is the fc's output after ReLU")
        let tensors = try net.stateDict().reduce(into: [String: Safetensors.Tensor]()) { $0[$1.name] = Safetensors.Tensor(shape: $1.shape, values: $1.values) }
        XCTAssertEqual(Checkpoint.recognise(tensors), .simclrCNN(features: 64))
        XCTAssertEqual(try Architecture.parse(metadata: Architecture.simclrCNN(features: 32).metadata, source: "m"), .simclrCNN(features: 32))
        XCTAssertEqual(try ArchitectureRequest(name: "simclr-cnn", task: .contrastive).fresh(), .simclrCNN(features: 128))
        XCTAssertThrowsError(try ArchitectureRequest(name: "simclr-cnn", task: .autoencoder).fresh())
        XCTAssertEqual(Architecture.simclrCNN(features: 8).task, .contrastive)
    }

    /// Three epochs on 1,024 real images lower the NT-Xent loss well below its value for an
    /// untrained encoder, and the same seed gives the same losses.
    func testContrastiveTrainingLearnsAndIsDeterministic() throws {
        let data = try ModelTests.data.get().train
        var settings = TrainingSettings()
        settings.seed = 2
        settings.batchSize = 128
        func run() throws -> [[Float]] {
            let trainer = try Trainer(network: try Network(.simclr(features: 32), backend: CPUBackend(), seed: 3), settings: settings)
            return try (0 ..< 3).map { try trainer.trainEpoch(data, indices: Array(0 ..< 1024), epoch: $0) }
        }
        let losses = try run()
        let first = losses[0].first!, last = losses[2].reduce(0, +) / Float(losses[2].count)
        XCTAssertLessThan(last, first - 0.5, "epoch means \(losses.map { $0.reduce(0, +) / Float($0.count) })")
        XCTAssertEqual(try run(), losses)
    }

    /// A final batch of one image has no negatives (NT-Xent exactly 0, no gradient): it is left out of
    /// training and of the validation mean, which it dragged towards 0.
    func testSingleImageBatchesAreLeftOut() throws {
        let data = try ModelTests.data.get().train
        var settings = TrainingSettings()
        settings.batchSize = 8
        let trainer = try Trainer(network: try Network(.simclr(features: 8), backend: CPUBackend(), seed: 1), settings: settings)
        let losses = try trainer.trainEpoch(data, indices: Array(0 ..< 17), epoch: 0)
        XCTAssertEqual(losses.count, 2)
        XCTAssertTrue(losses.allSatisfy { $0 > 1 }, "\(losses)")
        let sixteen = try trainer.evaluate(data, indices: Array(0 ..< 16)).loss
        XCTAssertEqual(try trainer.evaluate(data, indices: Array(0 ..< 17)).loss, sixteen, accuracy: 1e-9)
        XCTAssertThrowsError(try trainer.trainEpoch(data, indices: [0], epoch: 1))
    }
}
