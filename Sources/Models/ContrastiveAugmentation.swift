import Backend
import Dataset
import Foundation

/// The random views SimCLR compares (Chen et al. 2020, appendix A), for grayscale images, in this
/// order:
/// 1. a random resized crop: area a fraction `U[minimumArea, 1]` of the image, aspect ratio
///    log-uniform in [3/4, 4/3] (each side capped at the image's), placed uniformly, resampled to
///    the full size bilinearly with the edge pixels repeated (PyTorch's `affine_grid` +
///    `grid_sample(mode="bilinear", padding_mode="border", align_corners=False)`);
/// 2. a horizontal flip with probability 1/2;
/// 3. with probability `jitterProbability`, brightness then contrast jitter (SimCLR's colour
///    distortion without the hue and saturation a grayscale image lacks): `x <- clamp(b x, 0, 1)`,
///    then `x <- clamp(c (x - mean x) + mean x, 0, 1)`, `b, c ~ U[1 - jitter, 1 + jitter]`.
/// Defaults: area 0.2 (the lower bound SimCLR reproductions use for 28- to 32-pixel images instead of
/// ImageNet's 0.08), jitter 0.4 with probability 0.8 (SimCLR's strength-0.5 colour distortion's
/// brightness and contrast). `benchmarks/torch/contrastive.py` draws the same distributions in PyTorch.
public struct ContrastiveAugmentation: Sendable, Equatable {
    public var minimumArea = 0.2
    public var jitter = 0.4
    public var jitterProbability = 0.8
    public init() {}

    /// The random choices of one view.
    struct Draw {
        var width: Double, height: Double, centreX: Double, centreY: Double, flip: Bool, brightness: Double?, contrast: Double
    }

    func draw(_ rng: inout SplitMix64) -> Draw {
        func uniform() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
        let area = minimumArea + (1 - minimumArea) * uniform()
        let aspect = exp(log(3.0 / 4) + (log(4.0 / 3) - log(3.0 / 4)) * uniform())
        let w = min(1, (area * aspect).squareRoot()), h = min(1, (area / aspect).squareRoot())
        let cx = (1 - w) * (2 * uniform() - 1), cy = (1 - h) * (2 * uniform() - 1)
        let flip = uniform() < 0.5
        let jittered = uniform() < jitterProbability
        let b = 1 - jitter + 2 * jitter * uniform(), c = 1 - jitter + 2 * jitter * uniform()
        return Draw(width: w, height: h, centreX: cx, centreY: cy, flip: flip, brightness: jittered ? b : nil, contrast: c)
    }

    /// Writes a random view of image `sources[r]` of `images [*, height, width]` into row `r` of
    /// `destination` for every `r`: the random choices drawn from `rng` in row order (so the views do
    /// not depend on the number of cores), the resampling across the cores.
    public func views(of images: UnsafePointer<Float>, sources: [Int], width: Int, height: Int, into destination: UnsafeMutablePointer<Float>,
                      rng: inout SplitMix64) {
        let draws = sources.map { _ in draw(&rng) }, size = width * height
        parallelFor(sources.count, grain: 32) { rows in
            for r in rows { apply(draws[r], source: images + sources[r] * size, width: width, height: height, into: destination + r * size) }
        }
    }

    /// The crop and flip as an affine map of normalised coordinates in [-1, 1] (pixel centres at
    /// `(2 x + 1) / width - 1`): output `(x, y)` samples the source at `(sx x + cx, h y + cy)` with
    /// `sx = ±w`; then the jitter.
    func apply(_ d: Draw, source: UnsafePointer<Float>, width: Int, height: Int, into out: UnsafeMutablePointer<Float>) {
        let sx = d.flip ? -d.width : d.width
        for y in 0 ..< height {
            let ny = (2 * Double(y) + 1) / Double(height) - 1
            // Source pixel coordinate, clamped to the edge (border padding).
            let py = min(max(((d.height * ny + d.centreY + 1) * Double(height) - 1) / 2, 0), Double(height - 1))
            let y0 = Int(py), y1 = min(y0 + 1, height - 1), fy = Float(py - Double(y0))
            for x in 0 ..< width {
                let nx = (2 * Double(x) + 1) / Double(width) - 1
                let px = min(max(((sx * nx + d.centreX + 1) * Double(width) - 1) / 2, 0), Double(width - 1))
                let x0 = Int(px), x1 = min(x0 + 1, width - 1), fx = Float(px - Double(x0))
                let top = source[y0 * width + x0] * (1 - fx) + source[y0 * width + x1] * fx
                let bottom = source[y1 * width + x0] * (1 - fx) + source[y1 * width + x1] * fx
                out[y * width + x] = top * (1 - fy) + bottom * fy
            }
        }
        guard let b = d.brightness else { return }
        let count = width * height
        var total: Float = 0
        for i in 0 ..< count {
            out[i] = min(max(out[i] * Float(b), 0), 1)
            total += out[i]
        }
        let mean = total / Float(count), c = Float(d.contrast)
        for i in 0 ..< count { out[i] = min(max(c * (out[i] - mean) + mean, 0), 1) }
    }
}
