import Dataset

/// Weight initialisations, seeded with SplitMix64. `pytorchDefault`: PyTorch's default for `Linear`,
/// `Conv2d` and `ConvTranspose2d`: weights from `kaiming_uniform_(a = sqrt(5))`, i.e. uniform in
/// `±1/sqrt(fanIn)`, and biases uniform in `±1/sqrt(fanIn)`, where `fanIn = shape[1] * kernel area`
/// (so for a transposed convolution, whose weight is `[in, out, kh, kw]`, it is `out * kh * kw`, as in
/// PyTorch). `kerasDefault`: Keras's default for `Dense`, Glorot-uniform weights (Glorot and Bengio
/// 2010) and zero biases.
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

    /// Keras's `Dense` default for a `Linear` weight of `shape` `[fanOut, fanIn]`: weights uniform in
    /// `±sqrt(6 / (fanIn + fanOut))` (`glorot_uniform`), biases zero.
    static func kerasDefault(shape: [Int], biasCount: Int, generator: inout SplitMix64) -> ([Float], [Float]) {
        precondition(shape.count == 2, "Glorot-uniform is implemented for Linear weights only")
        let bound = (6 / Float(shape[0] + shape[1])).squareRoot()
        return (uniform(count: shape[0] * shape[1], bound: bound, generator: &generator), [Float](repeating: 0, count: biasCount))
    }
}
