import Backend
import Dataset
import Foundation
@testable import Models
import XCTest

/// SCAN's self-labelling: the class-balanced cross-entropy against its definition and finite
/// differences, the Cutout hole, and the step on real images (confident images counted as the head
/// predicts them, the encoder trained, nothing trained without confident images, seeded, OpenCL
/// following the CPU).
final class SelfLabelingTests: XCTestCase {
    /// Every present class's mean cross-entropy, averaged over the classes (balanced), or the plain mean.
    func plainLoss(_ logits: [Double], targets: [Int], k: Int, balanced: Bool) -> Double {
        let losses = targets.enumerated().map { r, t -> Double in
            let z = (0 ..< k).map { logits[r * k + $0] }
            return log(z.map { exp($0) }.reduce(0, +)) - z[t]
        }
        guard balanced else { return losses.reduce(0, +) / Double(losses.count) }
        let classes = Set(targets)
        return classes.map { c in
            let mine = zip(targets, losses).filter { $0.0 == c }.map(\.1)
            return mine.reduce(0, +) / Double(mine.count)
        }.reduce(0, +) / Double(classes.count)
    }

    func testBalancedCrossEntropyAndItsGradient() {
        let (k, targets) = (4, [0, 2, 2, 2, 3, 0, 2])
        var generator = SplitMix64(seed: 11)
        let rows = targets.count + 2   // two padding rows
        let logits = (0 ..< rows * k).map { _ in Double(Float(Double(generator.next() >> 11) * 0x1p-53 * 8 - 4)) }
        for balanced in [true, false] {
            var gradient = logits.map { Float($0) }
            let loss = SelfLabeling.balancedCrossEntropy(&gradient, targets: targets, classes: k, balanced: balanced)
            XCTAssertEqual(loss, plainLoss(logits, targets: targets, k: k, balanced: balanced), accuracy: 1e-9)
            XCTAssertEqual(Array(gradient[(targets.count * k)...]), [Float](repeating: 0, count: 2 * k), "padding rows")
            let h = 1e-5
            for i in 0 ..< targets.count * k {
                var plus = logits, minus = logits
                plus[i] += h; minus[i] -= h
                let numeric = (plainLoss(plus, targets: targets, k: k, balanced: balanced)
                    - plainLoss(minus, targets: targets, k: k, balanced: balanced)) / (2 * h)
                XCTAssertEqual(Double(gradient[i]), numeric, accuracy: 1e-6, "balanced \(balanced), entry \(i)")
            }
        }
    }

    /// One square hole of side 2 floor(L / 2) <= largest (clipped at the edges), every size drawn.
    func testCutoutClearsOneSquare() {
        var generator = SplitMix64(seed: 1)
        var sides = Set<Int>()
        for _ in 0 ..< 400 {
            var image = [Float](repeating: 1, count: 28 * 28)
            image.withUnsafeMutableBufferPointer { SelfLabeling.cutout($0.baseAddress!, side: 28, largest: 14, rng: &generator) }
            let cleared = (0 ..< 784).filter { image[$0] == 0 }
            guard let first = cleared.first, let last = cleared.last else { sides.insert(0); continue }
            let (rows, columns) = (last / 28 - first / 28 + 1, last % 28 - first % 28 + 1)
            XCTAssertEqual(cleared.count, rows * columns, "a rectangle")
            XCTAssertLessThanOrEqual(max(rows, columns), 14)
            if first / 28 > 0, last / 28 < 27, first % 28 > 0, last % 28 < 27 { XCTAssertEqual(rows, columns, "unclipped holes are square") }
            sides.insert(max(rows, columns))
        }
        XCTAssertTrue(sides.isSuperset(of: [0, 2, 4, 6, 8, 10, 12, 14]), "sizes drawn: \(sides.sorted())")
        var image = [Float](repeating: 1, count: 784)
        image.withUnsafeMutableBufferPointer { SelfLabeling.cutout($0.baseAddress!, side: 28, largest: 0, rng: &generator) }
        XCTAssertEqual(image, [Float](repeating: 1, count: 784))
    }

    /// 300 real images of three classes and a head made from the encoder's class means (a stand-in for
    /// SCAN's head): the images it predicts above the threshold are the ones counted, the encoder
    /// moves, the confident set grows, the same seed repeats, OpenCL follows the CPU; with a threshold no
    /// prediction reaches, nothing is trained and the labels are the head's argmax.
    func testTrainsOnConfidentPredictions() throws {
        let all = try ModelTests.data.get().train
        let chosen = (0 ..< all.count).filter { [1, 7, 8].contains(all.labels[$0]) }.prefix(300)
        let images = chosen.flatMap { Array(all.images[($0 * 784) ..< (($0 + 1) * 784)]) }
        let truth = chosen.map { [1: 0, 7: 1, 8: 2][Int(all.labels[$0])]! }
        let n = chosen.count
        var c = SelfLabeling.Configuration()
        (c.epochs, c.batchSize, c.seed) = (4, 64, 9)
        /// The head `scale * s (mu_c - mu)`, bias `-scale * s <mu_c - mu, mu>`, with `s` such that at `scale` 1 the
        /// median image's two largest logits differ by log(200) (so about half the images pass 0.99).
        func run<B: ComputeBackend>(_ backend: B, threshold: Float, scale: Double) throws
            -> (result: SelfLabeling.Result, confident: Int, argmax: [Int32], moved: Bool) {
            let network = try Network(.simclr(features: 16), backend: backend, seed: 2)
            let h = try network.infer(images, count: n, through: network.featureLayer).map(Double.init)
            var means = [[Double]](repeating: [Double](repeating: 0, count: 16), count: 3), mu = [Double](repeating: 0, count: 16)
            for (i, t) in truth.enumerated() {
                for j in 0 ..< 16 { means[t][j] += h[i * 16 + j] / 100; mu[j] += h[i * 16 + j] / Double(n) }
            }
            let directions = means.map { m in zip(m, mu).map { $0 - $1 } }
            let raw = (0 ..< n).map { i in directions.map { w in (0 ..< 16).reduce(0.0) { $0 + w[$1] * (h[i * 16 + $1] - mu[$1]) } } }
            let margins = raw.map { z in let s = z.sorted(); return s[2] - s[1] }.sorted()
            let s = scale * log(200) / margins[n / 2]
            let weight = directions.flatMap { $0.map { Float(s * $0) } }
            let bias = directions.map { w in Float(-s * zip(w, mu).reduce(0) { $0 + $1.0 * $1.1 }) }
            var confident = 0, argmax: [Int32] = []
            for i in 0 ..< n {
                let z = (0 ..< 3).map { t in Double(bias[t]) + (0 ..< 16).reduce(0.0) { $0 + Double(weight[t * 16 + $1]) * h[i * 16 + $1] } }
                let best = z.indices.max { z[$0] < z[$1] }!
                argmax.append(Int32(best))
                if 1 / z.map({ exp($0 - z[best]) }).reduce(0, +) > Double(threshold) { confident += 1 }
            }
            let before = try backend.floats(network.parameters[0].value)
            var configuration = c
            configuration.threshold = threshold
            let result = try SelfLabeling.fit(network, headWeight: weight, headBias: bias, images: images, count: n, configuration: configuration)
            return (result, confident, argmax, before != (try backend.floats(network.parameters[0].value)))
        }
        let cpu = try run(CPUBackend(), threshold: 0.99, scale: 1)
        XCTAssertGreaterThan(cpu.confident, n / 4)
        XCTAssertLessThan(cpu.confident, n * 3 / 4)
        XCTAssertEqual(cpu.result.confidentBefore, cpu.confident, "confident images before training")
        XCTAssertTrue(cpu.moved, "the first convolution was not updated")
        XCTAssertEqual(cpu.result.confidentPerEpoch.count, 4)
        XCTAssertGreaterThan(cpu.result.confidentPerEpoch.last!, cpu.result.confidentPerEpoch.first!, "\(cpu.result.confidentPerEpoch)")
        XCTAssertTrue(cpu.result.epochLosses.allSatisfy { $0.isFinite && $0 > 0 })
        XCTAssertEqual(Set(cpu.result.labels), [0, 1, 2])
        let again = try run(CPUBackend(), threshold: 0.99, scale: 1).result
        XCTAssertEqual(again.labels, cpu.result.labels)
        XCTAssertEqual(again.epochLosses, cpu.result.epochLosses)
        if let openCL = try? OpenCLBackend() {
            let device = try run(openCL, threshold: 0.99, scale: 1).result
            XCTAssertEqual(device.confidentBefore, cpu.result.confidentBefore)
            for (a, b) in zip(cpu.result.epochLosses, device.epochLosses) { XCTAssertEqual(a, b, accuracy: 1e-3 * abs(a)) }
        }
        let none = try run(CPUBackend(), threshold: 0.999_999, scale: 0.1)
        XCTAssertEqual(none.confident, 0)
        XCTAssertEqual(none.result.confidentPerEpoch, [0, 0, 0, 0])
        XCTAssertFalse(none.moved)
        XCTAssertEqual(none.result.labels, none.argmax)
    }
}
