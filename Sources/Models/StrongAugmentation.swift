import Backend
import Dataset
import Foundation

/// SCAN's strong augmentation (Van Gansbeke et al. 2020, appendix; reference implementation
/// wvangansbeke/Unsupervised-Classification, `augmentation_strategy: ours` in `common_config.py` and
/// `data/augment.py`), for 8-bit grayscale images held as `pixel / 255`, in this order:
/// 1. a horizontal flip with probability 1/2 (the reference's random crop of the full size is the
///    identity);
/// 2. `operations` (4) operations drawn uniformly with replacement from RandAugment's list, each
///    with a magnitude `v ~ U[low, high]`, applied in turn as PIL applies them to an 8-bit image
///    (results rounded and clipped to 0 ... 255 after each):
///    identity; autocontrast (min ... max stretched to 0 ... 255); equalize (PIL's histogram
///    equalisation); rotate by `v` in [-30, 30] degrees about the centre; solarize (pixels >= `v` in
///    [0, 256) inverted); colour (`v` in [0.05, 0.95]; the identity on grayscale); contrast (blend with
///    the mean grey, `v` in [0.05, 0.95]); brightness (blend with black); sharpness (blend with PIL's
///    3 x 3 smoothing, border kept); shear x / y by `v` in [-0.1, 0.1]; translate x / y by `v` in
///    [-0.1, 0.1] of the side; posterize to `floor(v)` in [4, 8) bits. Geometric operations sample the
///    nearest source pixel (PIL's default), outside the image 0, and mirror `v` with probability 1/2;
/// 3. Cutout: one square hole of side `L ~ U{1 ... cutout}` (`2 floor(L / 2)` pixels cleared, centre
///    uniform, clipped at the edges) set to 0; `cutout` defaults to half the side, the reference's 16
///    of 32. (The reference cuts after normalising, so its hole is the mean colour; here it is 0,
///    the background.)
/// Every random choice of a view is drawn in row order, so views do not depend on the number of cores.
public struct StrongAugmentation: Sendable, Equatable {
    public var operations = 4
    /// Largest side of the Cutout hole in pixels (nil: half the image side; 0: no Cutout).
    public var cutout: Int?
    public init() {}

    /// RandAugment's operations as the reference lists them, with their magnitude ranges.
    enum Operation: Int, CaseIterable {
        case identity, autoContrast, equalize, rotate, solarize, color, contrast, brightness, sharpness, shearX, translateX, translateY,
             posterize, shearY

        var range: (low: Double, high: Double) {
            switch self {
            case .identity, .autoContrast, .equalize: (0, 1)
            case .rotate: (-30, 30)
            case .solarize: (0, 256)
            case .color, .contrast, .brightness, .sharpness: (0.05, 0.95)
            case .shearX, .shearY, .translateX, .translateY: (-0.1, 0.1)
            case .posterize: (4, 8)
            }
        }
    }

    /// The random choices of one view.
    struct Draw {
        var flip: Bool
        var steps: [(operation: Operation, value: Double)]
        var hole: (length: Int, y: Int, x: Int)?
    }

    func draw(_ rng: inout SplitMix64, side: Int) -> Draw {
        func uniform() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
        let flip = uniform() < 0.5
        let steps = (0 ..< operations).map { _ -> (operation: Operation, value: Double) in
            let operation = Operation.allCases[rng.next(below: Operation.allCases.count)]
            var value = operation.range.low + (operation.range.high - operation.range.low) * uniform()
            if uniform() > 0.5, [.rotate, .shearX, .shearY, .translateX, .translateY].contains(operation) { value = -value }
            return (operation, value)
        }
        let largest = cutout ?? side / 2
        let hole = largest >= 1 ? (1 + rng.next(below: largest), rng.next(below: side), rng.next(below: side)) : nil
        return Draw(flip: flip, steps: steps, hole: hole)
    }

    /// Writes a strong view of image `sources[r]` of `images [*, side, side]` into row `r` of
    /// `destination` for every `r`: choices drawn from `rng` in row order, the images across the cores.
    public func views(of images: UnsafePointer<Float>, sources: [Int], side: Int, into destination: UnsafeMutablePointer<Float>,
                      rng: inout SplitMix64) {
        let draws = sources.map { _ in draw(&rng, side: side) }, size = side * side
        parallelFor(sources.count, grain: 32) { rows in
            for r in rows { apply(draws[r], source: images + sources[r] * size, side: side, into: destination + r * size) }
        }
    }

    func apply(_ d: Draw, source: UnsafePointer<Float>, side: Int, into out: UnsafeMutablePointer<Float>) {
        var image = (0 ..< side * side).map { i -> Double in
            let x = i % side, y = i / side
            return (Double(source[y * side + (d.flip ? side - 1 - x : x)]) * 255).rounded()
        }
        for step in d.steps { image = Self.apply(step.operation, value: step.value, to: image, side: side) }
        if let hole = d.hole {
            let (y1, y2) = (max(0, hole.y - hole.length / 2), min(side, hole.y + hole.length / 2))
            let (x1, x2) = (max(0, hole.x - hole.length / 2), min(side, hole.x + hole.length / 2))
            for y in y1 ..< max(y1, y2) { for x in x1 ..< max(x1, x2) { image[y * side + x] = 0 } }
        }
        for i in 0 ..< side * side { out[i] = Float(image[i] / 255) }
    }

    /// One operation on an 8-bit image held as Doubles `0 ... 255` (whole numbers in and out).
    static func apply(_ operation: Operation, value v: Double, to image: [Double], side: Int) -> [Double] {
        func clip(_ x: Double) -> Double { min(max(x.rounded(), 0), 255) }
        /// PIL's `Image.blend(degenerate, image, v)`: `degenerate + v (image - degenerate)`, truncated.
        func blend(_ degenerate: [Double]) -> [Double] {
            zip(degenerate, image).map { min(max(($0 + v * ($1 - $0)).rounded(.down), 0), 255) }
        }
        /// PIL's `transform(AFFINE, (a, b, c, d, e, f))`: output pixel centre `(x, y)` samples the input at
        /// `(a x + b y + c, d x + e y + f)`, nearest pixel, 0 outside.
        func affine(_ a: Double, _ b: Double, _ c: Double, _ d: Double, _ e: Double, _ f: Double) -> [Double] {
            (0 ..< side * side).map { i in
                let (x, y) = (Double(i % side) + 0.5, Double(i / side) + 0.5)
                let (sx, sy) = ((a * x + b * y + c).rounded(.down), (d * x + e * y + f).rounded(.down))
                guard sx >= 0, sy >= 0, sx < Double(side), sy < Double(side) else { return 0 }
                return image[Int(sy) * side + Int(sx)]
            }
        }
        let n = Double(side)
        switch operation {
        case .identity, .color:
            return image
        case .autoContrast:
            let (low, high) = (image.min()!, image.max()!)
            guard high > low else { return image }
            return image.map { min(255, (($0 - low) * 255 / (high - low)).rounded(.down)) }
        case .equalize:
            // PIL's ImageOps.equalize: step = (pixels - count of the last non-empty level) / 255, floored.
            var histogram = [Int](repeating: 0, count: 256)
            for p in image { histogram[Int(p)] += 1 }
            let last = histogram.lastIndex { $0 > 0 }!
            let step = (image.count - histogram[last]) / 255
            guard step > 0 else { return image }
            var lut = [Double](repeating: 0, count: 256), running = step / 2
            for level in 0 ..< 256 {
                lut[level] = Double(min(255, running / step))
                running += histogram[level]
            }
            return image.map { lut[Int($0)] }
        case .rotate:
            // PIL's rotate(v): counter-clockwise by v degrees about the centre.
            let angle = -v * .pi / 180, (c, s) = (cos(angle), sin(angle)), centre = n / 2
            return affine(c, s, centre - c * centre - s * centre, -s, c, centre + s * centre - c * centre)
        case .solarize:
            return image.map { $0 >= v ? 255 - $0 : $0 }
        case .contrast:
            let mean = (image.reduce(0, +) / Double(image.count) + 0.5).rounded(.down)
            return blend([Double](repeating: mean, count: image.count))
        case .brightness:
            return blend([Double](repeating: 0, count: image.count))
        case .sharpness:
            var smooth = image
            for y in 1 ..< side - 1 {
                for x in 1 ..< side - 1 {
                    var total = 4 * image[y * side + x]
                    for dy in -1 ... 1 { for dx in -1 ... 1 { total += image[(y + dy) * side + x + dx] } }
                    smooth[y * side + x] = clip(total / 13)
                }
            }
            return blend(smooth)
        case .shearX:
            return affine(1, v, 0, 0, 1, 0)
        case .shearY:
            return affine(1, 0, 0, v, 1, 0)
        case .translateX:
            return affine(1, 0, v * n, 0, 1, 0)
        case .translateY:
            return affine(1, 0, 0, 0, 1, v * n)
        case .posterize:
            let keep = Double(1 << (8 - Int(v)))
            return image.map { ($0 / keep).rounded(.down) * keep }
        }
    }
}
