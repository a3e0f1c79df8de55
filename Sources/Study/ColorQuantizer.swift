import Backend
import Cluster
import Dataset
import Foundation
import Imaging

/// Colour quantisation (seed 002, part 3): K-means on the RGB values of a photograph's pixels, each
/// pixel replaced by its cluster's centre, so the image keeps only k colours.
public enum ColorQuantizer {
    /// The colour photograph the study quantises: Grace Hopper's portrait, shipped in Debian's
    /// `python-matplotlib-data` package (matplotlib's sample data), which the Makefile installs.
    public static let debianPhotograph = "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg"

    public struct Result {
        public var image: Raster
        public var k: Int
        /// Mean squared error per channel on the 0 ... 255 scale.
        public var meanSquaredError: Double
        public var iterations: Int
        /// Distinct colours in `image`: fewer than `k` when the photograph has fewer distinct colours
        /// (k-means then leaves clusters empty or repeats centres) or when centres round to one byte value.
        public var colours: Int
    }

    /// Distinct RGB colours of `raster` (gray as R = G = B, alpha ignored).
    public static func distinctColours(_ raster: Raster) -> Int {
        let n = raster.width * raster.height, c = raster.channels
        var seen = Set<UInt32>(minimumCapacity: min(n, 1 << 16))
        for i in 0 ..< n {
            let (g, b) = (c == 1 ? (0, 0) : (1, 2))
            seen.insert(UInt32(raster.pixels[i * c]) << 16 | UInt32(raster.pixels[i * c + g]) << 8 | UInt32(raster.pixels[i * c + b]))
        }
        return seen.count
    }

    /// The RGB pixels of `raster` as `[pixels, 3]` floats in [0, 1] (gray repeated, alpha dropped).
    public static func pixels(_ raster: Raster) -> [Float] {
        let n = raster.width * raster.height, c = raster.channels
        var out = [Float](repeating: 0, count: n * 3)
        for i in 0 ..< n {
            for j in 0 ..< 3 { out[i * 3 + j] = Float(raster.pixels[i * c + (c == 1 ? 0 : j)]) / 255 }
        }
        return out
    }

    /// K-means (k-means++, seeded, scikit-learn's defaults) on the backend over all pixels.
    public static func quantize<B: ComputeBackend>(_ raster: Raster, k: Int, seed: UInt64, backend: B) throws -> Result {
        let x = pixels(raster)
        let n = raster.width * raster.height
        guard k >= 1, k <= n else { throw BackendError.invalidArgument("--k \(k) must be between 1 and the number of pixels (\(n))") }
        var c = KMeans.Configuration()
        (c.k, c.seed) = (k, seed)
        let result = try KMeans.fit(x, rows: n, dim: 3, configuration: c, backend: backend)
        var image = Raster(width: raster.width, height: raster.height, channels: 3)
        var error = 0.0
        for i in 0 ..< n {
            let label = Int(result.labels[i])
            for j in 0 ..< 3 {
                let v = Raster.byte(result.centres[label * 3 + j])
                image.pixels[i * 3 + j] = v
                let diff = Double(v) - Double(x[i * 3 + j] * 255)
                error += diff * diff
            }
        }
        return Result(image: image, k: k, meanSquaredError: error / Double(3 * n), iterations: result.iterations,
                      colours: distinctColours(image))
    }

    /// The original and its quantised versions side by side, each captioned.
    public static func sideBySide(original: Raster, results: [Result]) -> ImageRow {
        ImageRow(images: [(original, "original")] + results.map { ($0.image, String(format: "k = %d (MSE %.1f)", $0.k, $0.meanSquaredError)) })
    }
}

/// Colour images in one row with a caption under each.
public struct ImageRow: Figure {
    public var images: [(raster: Raster, caption: String)]
    public var gap = 12
    public var width: Int { images.map(\.raster.width).reduce(0, +) + gap * (images.count + 1) }
    public var height: Int { (images.map(\.raster.height).max() ?? 0) + 2 * gap + 20 }

    public func draw<S: DrawingSurface>(on surface: inout S) {
        var x = gap
        for (raster, caption) in images {
            surface.drawImage(raster, x: x, y: gap)
            surface.drawText(caption, x: x, y: gap + raster.height + 6, scale: 2)
            x += raster.width + gap
        }
    }
}
