import Dataset

/// PyTorch's default initialisation for `Linear`, `Conv2d` and `ConvTranspose2d`: weights from
/// `kaiming_uniform_(a = sqrt(5))`, i.e. uniform in `±1/sqrt(fanIn)`, and biases uniform in
/// `±1/sqrt(fanIn)`, where `fanIn = shape[1] * kernel area` (so for a transposed convolution,
/// whose weight is `[in, out, kh, kw]`, it is `out * kh * kw`, as in PyTorch). Seeded with SplitMix64.
enum Initialization {
    static func uniform(count: Int, bound: Float, generator: inout SplitMix64) -> [Float] {
        (0 ..< count).map { _ in
            let unit = Float(generator.next() >> 40) / Float(1 << 24)
            return (unit * 2 - 1) * bound
        }
    }

    /// `(weights, bias)` for a weight of `shape`.
    static func pytorchDefault(shape: [Int], biasCount: Int, generator: inout SplitMix64) -> ([Float], [Float]) {
        let fanIn = shape.dropFirst().reduce(1, *)
        let bound = 1 / Float(fanIn).squareRoot()
        let weights = uniform(count: shape.reduce(1, *), bound: bound, generator: &generator)
        return (weights, uniform(count: biasCount, bound: bound, generator: &generator))
    }
}
