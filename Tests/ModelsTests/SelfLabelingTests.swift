import Backend
import Dataset
import Foundation
@testable import Models
import XCTest

/// SCAN's self-labelling: the class-balanced cross-entropy against its definition and finite
/// differences, and the step on real images (confident images counted as the head
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

    /// 300 images of three kinds (a bright band at the top, the middle or the bottom, over uniform
    /// noise) and a head made from the encoder's class means (a stand-in for SCAN's head): the images
    /// it predicts above the threshold are the ones counted, the encoder moves, the confident set
    /// grows and the loss falls while the head's three groups stay, the same seed repeats, OpenCL follows the CPU; with a
    /// threshold no prediction reaches, nothing is trained and the labels are the head's argmax.
    func testTrainsOnConfidentPredictions() throws {
        let n = 300
        var generator = SplitMix64(seed: 21)
        let truth = (0 ..< n).map { $0 % 3 }
        let images = truth.flatMap { t in
            (0 ..< 784).map { i -> Float in (i / 28 >= 9 * t && i / 28 < 9 * t + 9 ? 0.6 : 0) + 0.4 * Float(Double(generator.next() >> 11) * 0x1p-53) }
        }
        var c = SelfLabeling.Configuration()
        (c.epochs, c.batchSize, c.seed) = (4, 64, 9)
        // Views are flips only (no-ops on these images): an untrained encoder is not invariant to the strong
        // operations, which SCAN applies to a pretext-trained one; the operations have their own tests.
        (c.augmentation.operations, c.augmentation.cutout) = (0, 0)
        /// The nearest-class-mean head `z_c = -(scale s / 2) |h - mu_c|^2` up to a constant (weight `scale s mu_c`, bias
        /// `-scale s |mu_c|^2 / 2`), `s` such that at `scale` 1 the median image's two largest logits differ by log(200) (so
        /// about half the images pass 0.99, in every group).
        func run<B: ComputeBackend>(_ backend: B, threshold: Float, scale: Double) throws
            -> (result: SelfLabeling.Result, confident: Int, argmax: [Int32], moved: Bool) {
            let network = try Network(.simclr(features: 16), backend: backend, seed: 2)
            let h = try network.infer(images, count: n, through: network.featureLayer).map(Double.init)
            var means = [[Double]](repeating: [Double](repeating: 0, count: 16), count: 3)
            for (i, t) in truth.enumerated() { for j in 0 ..< 16 { means[t][j] += h[i * 16 + j] / 100 } }
            func logit(_ m: [Double], _ i: Int) -> Double {
                var total = 0.0
                for j in 0 ..< 16 { total += m[j] * h[i * 16 + j] - m[j] * m[j] / 2 }
                return total
            }
            let margins = (0 ..< n).map { i -> Double in
                let z = means.map { logit($0, i) }.sorted()
                return z[2] - z[1]
            }.sorted()
            let s = scale * log(200) / margins[n / 2]
            let weight = means.flatMap { $0.map { Float(s * $0) } }
            let bias = means.map { m -> Float in Float(-s * m.map { $0 * $0 }.reduce(0, +) / 2) }
            var confident = 0, argmax: [Int32] = []
            for i in 0 ..< n {
                let z = (0 ..< 3).map { t -> Double in
                    var total = Double(bias[t])
                    for j in 0 ..< 16 { total += Double(weight[t * 16 + j]) * h[i * 16 + j] }
                    return total
                }
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
        XCTAssertLessThan(cpu.result.epochLosses.last!, cpu.result.epochLosses.first!)
        XCTAssertEqual(Set(cpu.argmax), [0, 1, 2])
        XCTAssertGreaterThan(zip(cpu.result.labels, cpu.argmax).filter { $0 == $1 }.count, n * 95 / 100, "the head's groups kept")
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
