import Backend
import Cluster
import Dataset
import DeepCluster
import Foundation
import Models
import XCTest

/// The pipelines on real Fashion-MNIST images (a subset, few epochs: CI-sized, so the thresholds
/// are far below the full runs in benchmarks/results, but far above chance, NMI ~0).
final class DeepClusteringTests: XCTestCase {
    static let test: Result<LabeledImages, Error> = Result { try FashionMNIST.load(from: FashionMNIST.directory(flag: nil)).test.prefix(1500) }

    /// N2D from scratch on 1,500 test images (8 epochs), shared by the tests.
    static let n2d: Result<(DeepClustering.Result, Network<CPUBackend>), Error> = Result {
        var c = DeepClustering.Configuration()
        (c.method, c.pretrainEpochs, c.seed) = (.n2d, 8, 1)
        return try DeepClustering.run(images: try test.get(), network: nil, configuration: c, backend: CPUBackend())
    }

    /// Pretraining, UMAP of the codes, GMM. Measured: NMI 0.42 at 5 epochs and 0.50 at 15 on 2,000
    /// images (K-means on their pixels: 0.53); 0.65 with 20 epochs on 70,000.
    func testN2DFromScratchFindsTheClasses() throws {
        let images = try Self.test.get()
        let (result, trained) = try Self.n2d.get()
        XCTAssertEqual(trained.architecture, .denseAutoencoder(latent: 10))
        XCTAssertEqual(result.labels.count, images.count)
        XCTAssertEqual(Set(result.labels).count, 10)
        XCTAssertEqual(result.seconds.map(\.stage), ["pretraining", "codes", "UMAP", "GMM"])
        // Better than predicting every image by the mean image (MSE = the mean pixel variance).
        let n = Double(images.count), p = images.pixelsPerImage
        var variance = 0.0
        for c in 0 ..< p {
            var sum = 0.0, squares = 0.0
            for i in 0 ..< images.count { let v = Double(images.images[i * p + c]); sum += v; squares += v * v }
            variance += squares / n - (sum / n) * (sum / n)
        }
        XCTAssertLessThan(try XCTUnwrap(result.pretrainLoss), 0.8 * variance / Double(p), "reconstruction MSE after 8 epochs")
        let metrics = ExternalMetrics(truth: images.labels.map(Int64.init), predicted: result.labels.map(Int64.init))
        XCTAssertGreaterThan(metrics.nmi, 0.4, "N2D NMI on 1,500 test images")
    }

    /// N2D with three runs is the consensus of the three single runs seeded 1, 101 and 201 on the same
    /// codes (the N2D run's autoencoder, given) — the runs share one k-NN graph and take their
    /// gradient steps at once on the host's cores, which changes no layout —, and still finds the classes.
    func testN2DConsensusOfRuns() throws {
        let images = try Self.test.get()
        let (_, trained) = try Self.n2d.get()
        var c = DeepClustering.Configuration()
        (c.method, c.seed, c.n2dRuns) = (.n2d, 1, 3)
        let combined = try DeepClustering.run(images: images, network: trained, configuration: c, backend: CPUBackend()).result
        XCTAssertEqual(combined.seconds.map(\.stage), ["codes", "k-NN", "UMAP start", "UMAP steps", "GMM", "consensus"])
        var singles: [[Int32]] = []
        for seed: UInt64 in [1, 101, 201] {
            (c.seed, c.n2dRuns) = (seed, 1)
            singles.append(try DeepClustering.run(images: images, network: trained, configuration: c, backend: CPUBackend()).result.labels)
        }
        let consensus = try ConsensusClustering.fit(singles, clusters: 10, seed: 1, backend: CPUBackend())
        XCTAssertEqual(combined.labels, consensus.labels)
        let metrics = ExternalMetrics(truth: images.labels.map(Int64.init), predicted: combined.labels.map(Int64.init))
        XCTAssertGreaterThan(metrics.nmi, 0.4, "N2D consensus NMI on 1,500 test images")
    }

    /// The stages of N2D on two encoders, one run each: both prepared, then their steps at once when
    /// the host has two threads, else one encoder's run after the other's.
    static var twoEncoderStages: [String] {
        let prepare = ["codes", "k-NN", "UMAP start"], finish = ["UMAP steps", "GMM"]
        return (CPUThreads.count >= 2 ? prepare + prepare + finish : prepare + finish + prepare + finish) + ["consensus"]
    }

    /// Two networks for N2D: one run on each (seeds 1 and 2), combined by consensus — the consensus
    /// of the two single runs; DEC refuses a second network, and networks of two kinds are refused.
    func testN2DOnTwoNetworks() throws {
        let images = try Self.test.get()
        let (_, trained) = try Self.n2d.get()
        let backend = CPUBackend()
        let other = try Network(.denseAutoencoder(latent: 10), backend: backend, seed: 9)
        var c = DeepClustering.Configuration()
        (c.method, c.seed) = (.n2d, 1)
        let result = try DeepClustering.run(images: images, network: trained, companions: [other], configuration: c, backend: backend).result
        XCTAssertEqual(result.seconds.map(\.stage), Self.twoEncoderStages)
        let first = try DeepClustering.run(images: images, network: trained, configuration: c, backend: backend).result.labels
        c.seed = 2
        let second = try DeepClustering.run(images: images, network: other, configuration: c, backend: backend).result.labels
        XCTAssertEqual(result.labels, try ConsensusClustering.fit([first, second], clusters: 10, seed: 1, backend: backend).labels)
        (c.method, c.seed) = (.dec, 1)
        XCTAssertThrowsError(try DeepClustering.run(images: images, network: trained, companions: [other], configuration: c, backend: backend)) {
            XCTAssertTrue("\($0)".contains("N2D only"), "\($0)")
        }
        c.method = .n2d
        let encoder = try Network(.simclr(features: 16), backend: backend, seed: 2)
        XCTAssertThrowsError(try DeepClustering.run(images: images, network: trained, companions: [encoder], configuration: c, backend: backend)) {
            XCTAssertTrue("\($0)".contains("different kinds of network"), "\($0)")
        }
    }

    /// DEC from a given autoencoder (a copy of the N2D run's): K-means starts it, self-training
    /// changes some labels and the network passed in is the one fine-tuned.
    func testDECFromAGivenAutoencoder() throws {
        let images = try Self.test.get()
        let source = try Self.n2d.get().1
        let network = try source.copy(seed: 0)
        let encoderBefore = try network.backend.floats(network.parameters[0].value)
        var c = DeepClustering.Configuration()
        (c.method, c.seed, c.selfTraining.maxIterations, c.selfTraining.updateInterval) = (.dec, 2, 30, 10)
        let (result, tuned) = try DeepClustering.run(images: images, network: network, configuration: c, backend: CPUBackend())
        XCTAssertTrue(tuned === network)
        XCTAssertNotEqual(try tuned.backend.floats(tuned.parameters[0].value), encoderBefore)
        XCTAssertEqual(result.seconds.map(\.stage), ["codes", "K-means", "self-training"])
        let fitted = try XCTUnwrap(result.selfTraining)
        XCTAssertEqual(fitted.updates.map(\.iteration), [0, 10, 20, 30])
        XCTAssertTrue(fitted.updates.dropFirst().contains { ($0.changedFraction ?? 0) > 0 }, "self-training moves some labels")
        let metrics = ExternalMetrics(truth: images.labels.map(Int64.init), predicted: result.labels.map(Int64.init))
        XCTAssertGreaterThan(metrics.nmi, 0.4, "DEC NMI on 1,500 test images")
    }
}
