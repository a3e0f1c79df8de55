import Backend
import Dataset
import Foundation
@testable import Models
import XCTest

/// DEC / IDEC self-training on small synthetic images: the target distribution, which parameters
/// each variant trains, the stopping rule, determinism and CPU / OpenCL agreement.
final class DeepEmbeddedClusteringTests: XCTestCase {
    /// DEC's eq. 3 on a hand-made `q`: confident rows sharpen; a tied row leans to the less
    /// populated cluster (`f = [1.6, 1.4]`).
    func testTargetDistribution() {
        let p = DeepEmbeddedClustering.targetDistribution([0.9, 0.1, 0.2, 0.8, 0.5, 0.5], rows: 3, clusters: 2)
        let expected: [Double] = [0.986_087, 0.013_913, 0.051_852, 0.948_148, 0.466_667, 0.533_333]
        for (a, b) in zip(p, expected) { XCTAssertEqual(Double(a), b, accuracy: 1e-5) }
    }

    /// Three groups of noisy copies of three random patterns, 24 images each (in group order).
    static let images: [Float] = {
        var rng = SplitMix64(seed: 7)
        let prototypes = (0 ..< 3).map { _ in (0 ..< 784).map { _ in Float.random(in: 0 ... 1, using: &rng) > 0.6 ? Float(0.9) : 0.1 } }
        return (0 ..< 72).flatMap { i in prototypes[i / 24].map { min(1, max(0, $0 + Float.random(in: -0.08 ... 0.08, using: &rng))) } }
    }()

    /// Centroids at the codes of one image per group (as a K-means start would be near).
    func centroids<B: ComputeBackend>(_ network: Network<B>) throws -> [Float] {
        let codes = try network.infer(Self.images, count: 72, through: network.featureLayer)
        let d = network.featureSize
        return [0, 24, 48].flatMap { i in codes[(i * d) ..< ((i + 1) * d)] }
    }

    func configuration(_ variant: DeepEmbeddedClustering.Variant) -> DeepEmbeddedClustering.Configuration {
        var c = DeepEmbeddedClustering.Configuration()
        (c.variant, c.batchSize, c.updateInterval, c.maxIterations, c.tolerance, c.seed) = (variant, 16, 5, 20, 0, 3)
        return c
    }

    func testDECTrainsTheEncoderAndCentroidsOnlyAndFindsTheGroups() throws {
        let network = try Network(.denseAutoencoder(latent: 4), backend: CPUBackend(), seed: 1)
        let before = try network.stateDict()
        let start = try centroids(network)
        let result = try DeepEmbeddedClustering.fit(network: network, images: Self.images, count: 72, initialCentroids: start,
                                                    configuration: configuration(.dec))
        let after = try network.stateDict()
        for (b, a) in zip(before, after) {
            if b.name.hasPrefix("encoder") { XCTAssertNotEqual(a.values, b.values, "DEC trains \(b.name)") } else {
                XCTAssertEqual(a.values, b.values, "DEC leaves \(b.name) alone")
            }
        }
        XCTAssertNotEqual(result.centroids, start, "the centroids move")
        XCTAssertEqual(result.iterations, 20)
        XCTAssertFalse(result.converged, "tolerance 0 never stops early")
        XCTAssertEqual(result.updates.map(\.iteration), [0, 5, 10, 15, 20])
        let groups = (0 ..< 72).map { $0 / 24 }
        XCTAssertEqual(Set(zip(groups, result.labels.map(Int.init)).map { "\($0)-\($1)" }).count, 3, "one cluster per group: \(result.labels)")
        XCTAssertEqual(Set(result.labels).count, 3, "three clusters: \(result.labels)")
        XCTAssertTrue(result.updates.dropFirst().allSatisfy { ($0.clusteringLoss ?? .nan).isFinite && $0.reconstructionLoss == nil })
    }

    func testIDECTrainsTheDecoderToo() throws {
        let network = try Network(.denseAutoencoder(latent: 4), backend: CPUBackend(), seed: 1)
        let before = try network.stateDict()
        let result = try DeepEmbeddedClustering.fit(network: network, images: Self.images, count: 72, initialCentroids: try centroids(network),
                                                    configuration: configuration(.idec))
        for (b, a) in zip(before, try network.stateDict()) { XCTAssertNotEqual(a.values, b.values, "IDEC trains \(b.name)") }
        XCTAssertTrue(result.updates.dropFirst().allSatisfy { ($0.reconstructionLoss ?? .nan) > 0 })
    }

    /// With tolerance 1 the second target update stops the run (fewer than 100 % of labels change).
    func testStopsWhenFewLabelsChange() throws {
        let network = try Network(.denseAutoencoder(latent: 4), backend: CPUBackend(), seed: 1)
        var c = configuration(.idec)
        c.tolerance = 1
        let result = try DeepEmbeddedClustering.fit(network: network, images: Self.images, count: 72, initialCentroids: try centroids(network),
                                                    configuration: c)
        XCTAssertTrue(result.converged)
        XCTAssertEqual(result.iterations, 5)
        XCTAssertEqual(result.updates.last?.changedFraction.map { $0 < 1 }, true)
    }

    /// The same seed gives the same run; the CPU and OpenCL backends give the same labels and
    /// centroids within float rounding.
    func testDeterministicAndTheSameOnOpenCL() throws {
        func run<B: ComputeBackend>(_ backend: B) throws -> DeepEmbeddedClustering.Result {
            let network = try Network(.denseAutoencoder(latent: 4), backend: backend, seed: 1)
            return try DeepEmbeddedClustering.fit(network: network, images: Self.images, count: 72, initialCentroids: try centroids(network),
                                                  configuration: configuration(.idec))
        }
        let (first, second) = (try run(CPUBackend()), try run(CPUBackend()))
        XCTAssertEqual(first.labels, second.labels)
        XCTAssertEqual(first.centroids, second.centroids)
        guard let openCL = ModelTests.openCL else {
            if ProcessInfo.processInfo.environment["FMNIST_REQUIRE_OPENCL"] == "1" { XCTFail("no OpenCL backend") }
            return
        }
        let device = try run(openCL)
        XCTAssertEqual(device.labels, first.labels)
        let error = zip(device.centroids, first.centroids).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +)
            / first.centroids.map { Double($0) * Double($0) }.reduce(0, +)
        XCTAssertLessThan(error, 1e-6, "centroids NMSE")
    }

    /// Fine-tuning starts a fresh optimizer: a network just trained with Adam in this process gives
    /// the same run as a fresh copy of its weights (no moments carried over).
    func testFineTuningStartsAFreshOptimizer() throws {
        let trained = try Network(.denseAutoencoder(latent: 4), backend: CPUBackend(), seed: 1)
        let trainer = try Trainer(network: trained, settings: TrainingSettings())
        _ = try trainer.trainEpoch(LabeledImages(images: Self.images, labels: [Int32](repeating: 0, count: 72), height: 28, width: 28),
                                   indices: Array(0 ..< 72), epoch: 0)
        let copy = try trained.copy(seed: 9)
        XCTAssertTrue(try copy.stateDict().map(\.values) == trained.stateDict().map(\.values), "copy holds the same weights")
        let start = try centroids(trained)
        let a = try DeepEmbeddedClustering.fit(network: trained, images: Self.images, count: 72, initialCentroids: start, configuration: configuration(.idec))
        let b = try DeepEmbeddedClustering.fit(network: copy, images: Self.images, count: 72, initialCentroids: start, configuration: configuration(.idec))
        XCTAssertEqual(a.centroids, b.centroids)
        XCTAssertTrue(try trained.stateDict().map(\.values) == copy.stateDict().map(\.values), "the same weights after fine-tuning")
    }

    func testRefusesCentroidsOfTheWrongWidth() throws {
        let network = try Network(.denseAutoencoder(latent: 4), backend: CPUBackend(), seed: 1)
        XCTAssertThrowsError(try DeepEmbeddedClustering.fit(network: network, images: Self.images, count: 72, initialCentroids: [1, 2, 3],
                                                            configuration: configuration(.dec)))
    }
}
