import Backend

/// PyTorch's `Conv2d` over NCHW: weight `[out, in, k, k]`, bias `[out]`, square kernel, stride and padding.
public final class Conv2d<B: ComputeBackend>: Layer {
    public let weight: Parameter<B>, bias: Parameter<B>
    public var parameters: [Parameter<B>] { [weight, bias] }
    public let inputSize: Int, outputSize: Int
    private let backend: B
    private let shape: (channels: Int, height: Int, width: Int, out: Int, kernel: Int, stride: Int, padding: Int)
    private var workspaces: [Int: ConvolutionWorkspace<B>] = [:]
    private let outputs: BatchBuffers<B>, inputGradients: BatchBuffers<B>
    private var input: B.Buffer?

    init(backend: B, name: String, inChannels: Int, height: Int, width: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int,
         initial: ([Float], [Float])) throws {
        self.backend = backend
        shape = (inChannels, height, width, outChannels, kernel, stride, padding)
        let g = try Self.geometry(shape, batch: 1)
        (inputSize, outputSize) = (g.inputCount, g.outputCount)
        weight = try Parameter(backend: backend, name: name + ".weight", shape: [outChannels, inChannels, kernel, kernel], values: initial.0)
        bias = try Parameter(backend: backend, name: name + ".bias", shape: [outChannels], values: initial.1)
        outputs = BatchBuffers(backend: backend, perExample: g.outputCount)
        inputGradients = BatchBuffers(backend: backend, perExample: g.inputCount)
    }

    /// Output height and width per example.
    public var outputHeight: Int { (shape.height + 2 * shape.padding - shape.kernel) / shape.stride + 1 }
    public var outputWidth: Int { (shape.width + 2 * shape.padding - shape.kernel) / shape.stride + 1 }

    private static func geometry(_ s: (channels: Int, height: Int, width: Int, out: Int, kernel: Int, stride: Int, padding: Int),
                                 batch: Int) throws -> Conv2DGeometry {
        try Conv2DGeometry(batch: batch, inChannels: s.channels, inHeight: s.height, inWidth: s.width, outChannels: s.out,
                           kernel: (s.kernel, s.kernel), stride: (s.stride, s.stride), padding: (s.padding, s.padding))
    }

    private func workspace(batch: Int) throws -> ConvolutionWorkspace<B> {
        if let ws = workspaces[batch] { return ws }
        let ws = try ConvolutionWorkspace(backend: backend, geometry: try Self.geometry(shape, batch: batch))
        workspaces[batch] = ws
        return ws
    }

    public func forward(_ x: B.Buffer, batch: Int, training: Bool) throws -> B.Buffer {
        input = x
        let y = try outputs.buffer(batch: batch)
        try backend.conv2dForward(x, weight: weight.value, bias: bias.value, into: y, workspace: try workspace(batch: batch))
        return y
    }

    public func backward(_ dy: B.Buffer, batch: Int, inputGradient: Bool) throws -> B.Buffer? {
        guard let input else { preconditionFailure("Conv2d.backward before forward") }
        let ws = try workspace(batch: batch)
        try backend.conv2dBackwardWeights(input, dy, weightGradient: weight.gradient, biasGradient: bias.gradient, workspace: ws)
        guard inputGradient else { return nil }
        let dx = try inputGradients.buffer(batch: batch)
        try backend.conv2dBackwardData(dy, weight: weight.value, into: dx, workspace: ws)
        return dx
    }
}

/// PyTorch's `ConvTranspose2d` over NCHW: weight `[in, out, k, k]`, bias `[out]`, with output padding.
public final class ConvTranspose2d<B: ComputeBackend>: Layer {
    public let weight: Parameter<B>, bias: Parameter<B>
    public var parameters: [Parameter<B>] { [weight, bias] }
    public let inputSize: Int, outputSize: Int
    private let backend: B
    private let shape: (channels: Int, height: Int, width: Int, out: Int, kernel: Int, stride: Int, padding: Int, outputPadding: Int)
    private var geometries: [Int: (ConvTranspose2DGeometry, ConvolutionWorkspace<B>)] = [:]
    private let outputs: BatchBuffers<B>, inputGradients: BatchBuffers<B>
    private var input: B.Buffer?

    init(backend: B, name: String, inChannels: Int, height: Int, width: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int,
         outputPadding: Int, initial: ([Float], [Float])) throws {
        self.backend = backend
        shape = (inChannels, height, width, outChannels, kernel, stride, padding, outputPadding)
        let t = try Self.geometry(shape, batch: 1)
        (inputSize, outputSize) = (t.inputCount, t.outputCount)
        weight = try Parameter(backend: backend, name: name + ".weight", shape: [inChannels, outChannels, kernel, kernel], values: initial.0)
        bias = try Parameter(backend: backend, name: name + ".bias", shape: [outChannels], values: initial.1)
        outputs = BatchBuffers(backend: backend, perExample: t.outputCount)
        inputGradients = BatchBuffers(backend: backend, perExample: t.inputCount)
    }

    private static func geometry(_ s: (channels: Int, height: Int, width: Int, out: Int, kernel: Int, stride: Int, padding: Int, outputPadding: Int),
                                 batch: Int) throws -> ConvTranspose2DGeometry {
        try ConvTranspose2DGeometry(batch: batch, inChannels: s.channels, inHeight: s.height, inWidth: s.width, outChannels: s.out,
                                    kernel: (s.kernel, s.kernel), stride: (s.stride, s.stride), padding: (s.padding, s.padding),
                                    outputPadding: (s.outputPadding, s.outputPadding))
    }

    private func plan(batch: Int) throws -> (ConvTranspose2DGeometry, ConvolutionWorkspace<B>) {
        if let p = geometries[batch] { return p }
        let t = try Self.geometry(shape, batch: batch)
        let p = (t, try ConvolutionWorkspace(backend: backend, geometry: t.adjoint))
        geometries[batch] = p
        return p
    }

    public func forward(_ x: B.Buffer, batch: Int, training: Bool) throws -> B.Buffer {
        input = x
        let (t, ws) = try plan(batch: batch)
        let y = try outputs.buffer(batch: batch)
        try backend.convTranspose2dForward(x, weight: weight.value, bias: bias.value, into: y, geometry: t, workspace: ws)
        return y
    }

    public func backward(_ dy: B.Buffer, batch: Int, inputGradient: Bool) throws -> B.Buffer? {
        guard let input else { preconditionFailure("ConvTranspose2d.backward before forward") }
        let (t, ws) = try plan(batch: batch)
        try backend.convTranspose2dBackwardWeights(input, dy, weightGradient: weight.gradient, biasGradient: bias.gradient, geometry: t, workspace: ws)
        guard inputGradient else { return nil }
        let dx = try inputGradients.buffer(batch: batch)
        try backend.convTranspose2dBackwardData(dy, weight: weight.value, into: dx, geometry: t, workspace: ws)
        return dx
    }
}
