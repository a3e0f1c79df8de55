import Backend
import Dataset
import Foundation
@testable import Models
import XCTest

/// SCAN's heads: the batch loss's gradient against finite differences, well-separated groups found
/// from their neighbours alone, the lowest-loss head chosen, determinism and backend agreement.
final class SemanticClusteringTests: XCTestCase {
    /// The loss of `logits` ([2m, heads * k]) recomputed plainly in Double.
    func plainLoss(_ logits: [Double], pairs m: Int, heads: Int, k: Int, weight: Double) -> Double {
        func softmax(_ row: Int, _ h: Int) -> [Double] {
            let z = (0 ..< k).map { logits[row * heads * k + h * k + $0] }
            let e = z.map { exp($0 - z.max()!) }
            return e.map { $0 / e.reduce(0, +) }
        }
        var total = 0.0
        for h in 0 ..< heads {
            let p = (0 ..< m).map { softmax($0, h) }, q = (0 ..< m).map { softmax(m + $0, h) }
            let consistency = (0 ..< m).map { i in -log(zip(p[i], q[i]).reduce(0) { $0 + $1.0 * $1.1 }) }.reduce(0, +) / Double(m)
            let mean = (0 ..< k).map { j in p.reduce(0) { $0 + $1[j] } / Double(m) }
            let entropy = -mean.reduce(0) { $0 + $1 * log($1) }
            total += consistency - weight * entropy
        }
        return total
    }

    func testBatchGradientMatchesFiniteDifferences() {
        let (m, heads, k, weight) = (5, 2, 4, 5.0)
        var generator = SplitMix64(seed: 3)
        let logits = (0 ..< 2 * m * heads * k).map { _ in Double(generator.next() >> 11) * 0x1p-53 * 6 - 3 }
        var gradient = logits.map { Float($0) }
        let loss = SemanticClustering.batchLossAndGradient(&gradient, pairs: m, heads: heads, clusters: k, entropyWeight: weight)
        XCTAssertEqual(loss, plainLoss(logits.map { Double(Float($0)) }, pairs: m, heads: heads, k: k, weight: weight), accuracy: 1e-9)
        let h = 1e-5
        for i in stride(from: 0, to: logits.count, by: 3) {
            var plus = logits.map { Double(Float($0)) }, minus = plus
            plus[i] += h; minus[i] -= h
            let numeric = (plainLoss(plus, pairs: m, heads: heads, k: k, weight: weight) - plainLoss(minus, pairs: m, heads: heads, k: k, weight: weight)) / (2 * h)
            XCTAssertEqual(Double(gradient[i]), numeric, accuracy: 1e-4 * max(1, abs(numeric)), "entry \(i)")
        }
    }

    /// Four groups of points in 6-d, each point's neighbours its own group's: every head is trained,
    /// the labels are the groups (up to naming), the chosen head has the lowest selection loss, and
    /// the same seed gives the same labels, on each backend and across them.
    func testFindsGroupsFromNeighbours() throws {
        let (groups, perGroup, d) = (4, 60, 6)
        let n = groups * perGroup
        var generator = SplitMix64(seed: 5)
        func uniform() -> Float { Float(Double(generator.next() >> 11) * 0x1p-53) }
        var features = [Float](repeating: 0, count: n * d), truth = [Int](repeating: 0, count: n)
        for i in 0 ..< n {
            truth[i] = i % groups
            for c in 0 ..< d { features[i * d + c] = (c == truth[i] ? 3 : 0) + uniform() - 0.5 }
        }
        var neighbours: [Int32] = []
        for i in 0 ..< n { for t in 1 ... 5 { neighbours.append(Int32((i + groups * t) % n)) } }
        var c = SemanticClustering.Configuration()
        (c.clusters, c.heads, c.epochs, c.batchSize, c.learningRate, c.seed) = (groups, 3, 30, 32, 0.01, 7)
        var backends: [any ComputeBackend] = [CPUBackend()]
        if let openCL = try? OpenCLBackend() { backends.append(openCL) }
        var previous: [Int32]?
        for backend in backends {
            let result = try fit(backend, features, n, d, neighbours, c)
            XCTAssertEqual(result.epochLosses.count, 30)
            XCTAssertLessThan(result.epochLosses.last!, result.epochLosses.first!)
            XCTAssertEqual(result.headLosses[result.head], result.headLosses.min())
            var mapping: [Int: Int32] = [:]
            for i in 0 ..< n {
                if let known = mapping[truth[i]] { XCTAssertEqual(result.labels[i], known, "point \(i)") } else { mapping[truth[i]] = result.labels[i] }
            }
            XCTAssertEqual(Set(mapping.values).count, groups, "\(backend.name): one cluster per group")
            XCTAssertEqual(try fit(backend, features, n, d, neighbours, c).labels, result.labels, "\(backend.name): same seed, same labels")
            if let previous { XCTAssertEqual(previous, result.labels, "CPU and OpenCL") }
            previous = result.labels
        }
    }

    private func fit<B: ComputeBackend>(_ backend: B, _ features: [Float], _ n: Int, _ d: Int, _ neighbours: [Int32],
                                        _ c: SemanticClustering.Configuration) throws -> SemanticClustering.Result {
        try SemanticClustering.fit(features: features, rows: n, dim: d, neighbours: neighbours, configuration: c, backend: backend)
    }

    /// The whole-network step on 256 real images whose neighbours are images of the same class: the
    /// encoder's weights move (the heads alone would leave them), the loss falls, the same seed
    /// repeats every loss and label, and OpenCL follows the CPU (losses within 1e-3).
    func testWholeNetworkStepTrainsTheEncoder() throws {
        let data = try ModelTests.data.get().train.prefix(256)
        var byClass: [Int32: [Int]] = [:]
        for (i, y) in data.labels.enumerated() { byClass[y, default: []].append(i) }
        var neighbours: [Int32] = []
        for (i, y) in data.labels.enumerated() {
            let same = byClass[y]!.filter { $0 != i }
            let first = same.firstIndex { $0 > i } ?? 0
            for t in 0 ..< 4 { neighbours.append(Int32(same[(first + t) % same.count])) }
        }
        var c = SemanticClustering.Configuration.wholeNetwork
        (c.epochs, c.batchSize, c.seed) = (3, 32, 4)
        func run<B: ComputeBackend>(_ backend: B) throws -> (SemanticClustering.Result, before: [Float], after: [Float]) {
            let network = try Network(.simclr(features: 16), backend: backend, seed: 2)
            let before = try backend.floats(network.parameters[0].value)
            let result = try SemanticClustering.fitNetwork(network, images: data.images, count: data.count, neighbours: neighbours, configuration: c)
            return (result, before, try backend.floats(network.parameters[0].value))
        }
        let (cpu, before, after) = try run(CPUBackend())
        XCTAssertNotEqual(before, after, "the first convolution was not updated")
        XCTAssertEqual(cpu.epochLosses.count, 3)
        XCTAssertLessThan(cpu.epochLosses.last!, cpu.epochLosses.first!)
        XCTAssertTrue(cpu.labels.allSatisfy { (0 ..< 10).contains($0) })
        let again = try run(CPUBackend()).0
        XCTAssertEqual(again.epochLosses, cpu.epochLosses)
        XCTAssertEqual(again.labels, cpu.labels)
        if let openCL = try? OpenCLBackend() {
            let device = try run(openCL).0
            for (a, b) in zip(cpu.epochLosses, device.epochLosses) { XCTAssertEqual(a, b, accuracy: 1e-3 * abs(a)) }
        }
    }

    /// The whole-network step trains on the views it is given: SCAN's strong views by default, and
    /// SimCLR's views when asked, which give other losses from the same seed.
    func testWholeNetworkViewsAreTheConfigured() throws {
        let data = try ModelTests.data.get().train.prefix(64)
        let neighbours = (0 ..< 64).flatMap { i in (1 ... 2).map { Int32((i + $0) % 64) } }
        var c = SemanticClustering.Configuration.wholeNetwork
        (c.epochs, c.batchSize) = (1, 16)
        XCTAssertEqual(c.views, .strong(StrongAugmentation()), "SCAN's augmentation by default")
        func losses(_ views: SemanticClustering.SCANViews) throws -> [Double] {
            c.views = views
            let network = try Network(.simclr(features: 16), backend: CPUBackend(), seed: 2)
            return try SemanticClustering.fitNetwork(network, images: data.images, count: data.count, neighbours: neighbours, configuration: c)
                .epochLosses
        }
        let strong = try losses(.strong(StrongAugmentation()))
        XCTAssertEqual(try losses(.strong(StrongAugmentation())), strong)
        XCTAssertNotEqual(try losses(.simclr(ContrastiveAugmentation())), strong)
    }

    func testRefusesBadNeighbours() {
        var c = SemanticClustering.Configuration()
        c.clusters = 2
        XCTAssertThrowsError(try SemanticClustering.fit(features: [0, 1, 2, 3], rows: 4, dim: 1, neighbours: [1, 2, 3, 4], configuration: c,
                                                        backend: CPUBackend()))
    }
}
