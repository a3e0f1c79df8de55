import Backend

/// An activation applied elementwise (`relu` or `sigmoid`); its gradient comes from its output.
public final class ActivationLayer<B: ComputeBackend>: Layer {
    public let inputSize: Int
    public var outputSize: Int { inputSize }
    public var parameters: [Parameter<B>] { [] }
    private let backend: B
    private let function: Activation
    private let outputs: BatchBuffers<B>, inputGradients: BatchBuffers<B>
    private var output: B.Buffer?

    init(backend: B, _ function: Activation, size: Int) {
        (self.backend, self.function, inputSize) = (backend, function, size)
        outputs = BatchBuffers(backend: backend, perExample: size)
        inputGradients = BatchBuffers(backend: backend, perExample: size)
    }

    public func forward(_ x: B.Buffer, batch: Int, training: Bool) throws -> B.Buffer {
        let y = try outputs.buffer(batch: batch)
        let map: UnaryFunction = function == .relu ? .relu : (function == .sigmoid ? .sigmoid : .tanh)
        try backend.map(map, x, into: y, count: batch * inputSize)
        output = y
        return y
    }

    public func backward(_ dy: B.Buffer, batch: Int, inputGradient: Bool) throws -> B.Buffer? {
        guard let output else { preconditionFailure("activation backward before forward") }
        guard inputGradient else { return nil }
        let dx = try inputGradients.buffer(batch: batch)
        try backend.activationGradient(function, output: output, gradient: dy, into: dx, count: batch * inputSize)
        return dx
    }
}

/// PyTorch's `MaxPool2d(k)` (stride k, no padding) over `[batch, channels, height, width]`.
public final class MaxPool<B: ComputeBackend>: Layer {
    public let inputSize: Int, outputSize: Int
    public var parameters: [Parameter<B>] { [] }
    private let backend: B
    private let shape: (channels: Int, height: Int, width: Int, kernel: Int)
    private let outputs: BatchBuffers<B>, indices: BatchBuffers<B>, inputGradients: BatchBuffers<B>

    init(backend: B, channels: Int, height: Int, width: Int, kernel: Int) throws {
        self.backend = backend
        shape = (channels, height, width, kernel)
        let g = try Pool2DGeometry(batch: 1, channels: channels, inHeight: height, inWidth: width, kernel: (kernel, kernel))
        (inputSize, outputSize) = (g.inputCount, g.outputCount)
        outputs = BatchBuffers(backend: backend, perExample: outputSize)
        indices = BatchBuffers(backend: backend, perExample: outputSize)
        inputGradients = BatchBuffers(backend: backend, perExample: inputSize)
    }

    private func geometry(_ batch: Int) throws -> Pool2DGeometry {
        try Pool2DGeometry(batch: batch, channels: shape.channels, inHeight: shape.height, inWidth: shape.width, kernel: (shape.kernel, shape.kernel))
    }

    public func forward(_ x: B.Buffer, batch: Int, training: Bool) throws -> B.Buffer {
        let y = try outputs.buffer(batch: batch)
        try backend.maxPoolForward(x, geometry: try geometry(batch), into: y, indices: try indices.buffer(batch: batch))
        return y
    }

    public func backward(_ dy: B.Buffer, batch: Int, inputGradient: Bool) throws -> B.Buffer? {
        guard inputGradient else { return nil }
        let dx = try inputGradients.buffer(batch: batch)
        try backend.maxPoolBackward(dy, indices: try indices.buffer(batch: batch), geometry: try geometry(batch), into: dx)
        return dx
    }
}

/// Inverted dropout with probability `p` while training (identity otherwise). Each forward draws a
/// new mask from `seed` and a call counter, so a run is reproducible and identical across backends.
public final class DropoutLayer<B: ComputeBackend>: Layer {
    public let inputSize: Int
    public var outputSize: Int { inputSize }
    public var parameters: [Parameter<B>] { [] }
    public let probability: Float
    /// Forward passes made while training; part of the resumable state.
    public var draws: UInt64 = 0
    private let backend: B
    private let seed: UInt64
    private let outputs: BatchBuffers<B>, masks: BatchBuffers<B>, inputGradients: BatchBuffers<B>
    private var active = false

    init(backend: B, size: Int, probability: Float, seed: UInt64) {
        (self.backend, inputSize, self.probability, self.seed) = (backend, size, probability, seed)
        outputs = BatchBuffers(backend: backend, perExample: size)
        masks = BatchBuffers(backend: backend, perExample: size)
        inputGradients = BatchBuffers(backend: backend, perExample: size)
    }

    public func forward(_ x: B.Buffer, batch: Int, training: Bool) throws -> B.Buffer {
        active = training && probability > 0
        guard active else { return x }
        let y = try outputs.buffer(batch: batch)
        try backend.dropout(x, into: y, mask: try masks.buffer(batch: batch), count: batch * inputSize, probability: probability,
                            seed: seed &+ draws &* 0x9E37_79B9_7F4A_7C15)
        draws += 1
        return y
    }

    public func backward(_ dy: B.Buffer, batch: Int, inputGradient: Bool) throws -> B.Buffer? {
        guard inputGradient else { return nil }
        guard active else { return dy }
        let dx = try inputGradients.buffer(batch: batch)
        try backend.combine(.multiply, dy, try masks.buffer(batch: batch), into: dx, count: batch * inputSize)
        return dx
    }
}
