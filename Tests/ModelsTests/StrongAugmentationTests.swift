import Dataset
import Foundation
@testable import Models
import XCTest

/// SCAN's strong augmentation: every RandAugment operation against PIL's (the reference's calls,
/// `benchmarks/strong_augmentation_fixture.py`), the Cutout hole, and seeded views.
final class StrongAugmentationTests: XCTestCase {
    func fixture(_ name: String) throws -> [Double] {
        let path = try XCTUnwrap(Bundle.module.path(forResource: name, ofType: "npy", inDirectory: "Fixtures"), "missing \(name).npy")
        return try NPYArray.read(path).floats.map(Double.init)
    }

    /// Each operation at three magnitudes on a real image gives PIL's pixels.
    func testOperationsMatchPIL() throws {
        let image = try fixture("strong_image"), values = try fixture("strong_values"), expected = try fixture("strong_ops")
        XCTAssertEqual(values.count, StrongAugmentation.Operation.allCases.count * 3)
        for operation in StrongAugmentation.Operation.allCases {
            for t in 0 ..< 3 {
                let row = operation.rawValue * 3 + t
                let mine = StrongAugmentation.apply(operation, value: values[row], to: image, side: 28)
                let theirs = Array(expected[(row * 784) ..< ((row + 1) * 784)])
                let differing = zip(mine, theirs).filter { $0 != $1 }.count
                XCTAssertEqual(differing, 0, "\(operation) at \(values[row]): \(differing) pixels differ from PIL, largest "
                    + "\(zip(mine, theirs).map { abs($0 - $1) }.max()!)")
            }
        }
    }

    /// With no operations and no flip, the view is the image with one square hole of side
    /// 2 floor(L / 2) <= cutout (clipped at the edges); every size is drawn; cutout 0 keeps the image.
    func testCutoutClearsOneSquare() {
        var augmentation = StrongAugmentation()
        augmentation.operations = 0
        var generator = SplitMix64(seed: 1)
        var sides = Set<Int>()
        let image = [Float](repeating: 1, count: 784)
        for _ in 0 ..< 400 {
            var draw = augmentation.draw(&generator, side: 28)
            draw.flip = false
            var view = [Float](repeating: -1, count: 784)
            image.withUnsafeBufferPointer { augmentation.apply(draw, source: $0.baseAddress!, side: 28, into: &view) }
            let cleared = (0 ..< 784).filter { view[$0] == 0 }
            XCTAssertTrue(view.allSatisfy { $0 == 0 || $0 == 1 })
            guard let first = cleared.first, let last = cleared.last else { sides.insert(0); continue }
            let (rows, columns) = (last / 28 - first / 28 + 1, last % 28 - first % 28 + 1)
            XCTAssertEqual(cleared.count, rows * columns, "a rectangle")
            XCTAssertLessThanOrEqual(max(rows, columns), 14)
            if first / 28 > 0, last / 28 < 27, first % 28 > 0, last % 28 < 27 { XCTAssertEqual(rows, columns, "unclipped holes are square") }
            sides.insert(max(rows, columns))
        }
        XCTAssertTrue(sides.isSuperset(of: [0, 2, 4, 6, 8, 10, 12, 14]), "sizes drawn: \(sides.sorted())")
        augmentation.cutout = 0
        XCTAssertNil(augmentation.draw(&generator, side: 28).hole)
    }

    /// Views are pixels / 255 of whole levels, the same for a seed and different for another; all
    /// operations and both mirror signs are drawn.
    func testSeededViews() throws {
        let image = try fixture("strong_image").map { Float($0 / 255) }
        let augmentation = StrongAugmentation()
        func views(_ seed: UInt64) -> [Float] {
            var generator = SplitMix64(seed: seed), out = [Float](repeating: 0, count: 8 * 784)
            image.withUnsafeBufferPointer { augmentation.views(of: $0.baseAddress!, sources: Array(repeating: 0, count: 8), side: 28, into: &out,
                                                                  rng: &generator) }
            return out
        }
        let a = views(3)
        XCTAssertEqual(a, views(3))
        XCTAssertNotEqual(a, views(4))
        XCTAssertTrue(a.allSatisfy { ($0 * 255).rounded() == $0 * 255 || abs(($0 * 255).rounded() - $0 * 255) < 1e-3 })
        var generator = SplitMix64(seed: 5)
        var drawn = Set<Int>(), negative = false
        for _ in 0 ..< 200 {
            for step in augmentation.draw(&generator, side: 28).steps {
                drawn.insert(step.operation.rawValue)
                if step.operation == .rotate, step.value < 0 { negative = true }
            }
        }
        XCTAssertEqual(drawn.count, StrongAugmentation.Operation.allCases.count)
        XCTAssertTrue(negative, "mirrored rotations")
    }
}
