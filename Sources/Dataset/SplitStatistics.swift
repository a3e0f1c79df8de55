/// Per-class counts and pixel statistics of one split.
public struct SplitStatistics: Codable, Equatable {
    public var count: Int
    /// Images per class, indexed by label.
    public var perClass: [Int]
    /// Mean and standard deviation (population) of all pixel values in [0, 1].
    public var pixelMean: Double
    public var pixelStd: Double

    /// Statistics of the images at `indices` of `data` (all of them when nil).
    public init(_ data: LabeledImages, indices: [Int]? = nil, classes: Int = 10) {
        let chosen = indices ?? Array(0 ..< data.count)
        var counts = [Int](repeating: 0, count: classes)
        var sum = 0.0, sumSquares = 0.0
        let p = data.pixelsPerImage
        data.images.withUnsafeBufferPointer { pixels in
            for i in chosen {
                counts[Int(data.labels[i])] += 1
                var s = 0.0, q = 0.0
                for v in pixels[(i * p) ..< ((i + 1) * p)] { let d = Double(v); s += d; q += d * d }
                sum += s; sumSquares += q
            }
        }
        let n = Double(chosen.count * p)
        count = chosen.count
        perClass = counts
        pixelMean = n > 0 ? sum / n : 0
        pixelStd = n > 0 ? max(0, sumSquares / n - pixelMean * pixelMean).squareRoot() : 0
    }
}
