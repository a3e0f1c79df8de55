import Backend

extension Network {
    /// The batch every command infers in. One size for all, because an image's outputs depend, in
    /// their last bits, on the batch it sits in: OpenBLAS computes the last rows of a product with
    /// other kernels than the rest (measured: with the Haswell kernels, the last 4 to 8 rows of
    /// every call), and UMAP or a mixture downstream turns such bits into other labels. With one
    /// size, `encode` then `embed` then `cluster` reproduces `deep-cluster`'s N2D labels exactly.
    public static var inferenceBatch: Int { 1024 }

    /// Runs `count` images (`[count, 784]` floats in [0, 1]) through layers `0 ... last` (default:
    /// the whole network) in batches of `batchSize` (default `inferenceBatch`), without training, and
    /// returns the outputs `[count, outputs]` on the host; `progress` receives the images done after each batch.
    public func infer(_ images: [Float], count: Int, through last: Int? = nil, batchSize: Int = inferenceBatch,
                      progress: (Int) -> Void = { _ in }) throws -> [Float] {
        precondition(images.count == count * inputSize, "infer: \(images.count) values for \(count) images of \(inputSize)")
        let width = layers[last ?? layers.count - 1].outputSize
        var out = [Float](repeating: 0, count: count * width)
        var input: [Int: B.Buffer] = [:]
        for start in stride(from: 0, to: count, by: batchSize) {
            let n = min(batchSize, count - start)
            let x = try input[n] ?? backend.makeBuffer(count: n * inputSize)
            input[n] = x
            try images.withUnsafeBufferPointer { try backend.upload(UnsafeBufferPointer(rebasing: $0[(start * inputSize) ..< ((start + n) * inputSize)]), to: x, offset: 0) }
            let y = try forward(x, batch: n, training: false, through: last)
            try out.withUnsafeMutableBufferPointer {
                try backend.download(y, offset: 0, into: UnsafeMutableBufferPointer(rebasing: $0[(start * width) ..< ((start + n) * width)]))
            }
            progress(start + n)
        }
        return out
    }
}
