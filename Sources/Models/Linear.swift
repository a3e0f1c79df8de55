import Backend

/// PyTorch's `Linear`: `y[n, :] = W x[n, :] + b`, weight `[out, in]`, bias `[out]`.
public final class Linear<B: ComputeBackend>: Layer {
    public let inputSize: Int, outputSize: Int
    public let weight: Parameter<B>, bias: Parameter<B>
    public var parameters: [Parameter<B>] { [weight, bias] }
    private let backend: B
    private let outputs: BatchBuffers<B>, inputGradients: BatchBuffers<B>
    private var input: B.Buffer?

    init(backend: B, name: String, input: Int, output: Int, initial: ([Float], [Float])) throws {
        (self.backend, inputSize, outputSize) = (backend, input, output)
        weight = try Parameter(backend: backend, name: name + ".weight", shape: [output, input], values: initial.0)
        bias = try Parameter(backend: backend, name: name + ".bias", shape: [output], values: initial.1)
        outputs = BatchBuffers(backend: backend, perExample: output)
        inputGradients = BatchBuffers(backend: backend, perExample: input)
    }

    public func forward(_ x: B.Buffer, batch: Int, training: Bool) throws -> B.Buffer {
        input = x
        let y = try outputs.buffer(batch: batch)
        try backend.gemm(x, weight.value, into: y, m: batch, n: outputSize, k: inputSize, transB: true)
        try backend.addBias(y, bias: bias.value, outer: batch, channels: outputSize, inner: 1)
        return y
    }

    public func backward(_ dy: B.Buffer, batch: Int, inputGradient: Bool) throws -> B.Buffer? {
        guard let input else { preconditionFailure("Linear.backward before forward") }
        try backend.gemm(dy, input, into: weight.gradient, m: outputSize, n: inputSize, k: batch, transA: true)
        try backend.biasGradient(dy, outer: batch, channels: outputSize, inner: 1, into: bias.gradient)
        guard inputGradient else { return nil }
        let dx = try inputGradients.buffer(batch: batch)
        try backend.gemm(dy, weight.value, into: dx, m: batch, n: inputSize, k: outputSize)
        return dx
    }
}
