import Backend
import Dataset

/// A feed-forward network: layers applied in order to `[batch, 1, 28, 28]` images (a flat
/// `[batch, 784]` view is the same memory). `featureLayer` marks the layer whose output is the
/// learned representation: the autoencoder's bottleneck, the classifier's `fc1` (after ReLU).
public final class Network<B: ComputeBackend> {
    public let architecture: Architecture
    public let backend: B
    public let layers: [any Layer<B>]
    /// Index into `layers` of the representation `encode` returns.
    public let featureLayer: Int
    public var parameters: [Parameter<B>] { layers.flatMap { $0.parameters } }
    public var inputSize: Int { layers[0].inputSize }
    public var outputSize: Int { layers[layers.count - 1].outputSize }
    public var featureSize: Int { layers[featureLayer].outputSize }

    /// A freshly initialised network (PyTorch's default initialisation, drawn from `seed`; n2d-ae: Keras's).
    public init(_ architecture: Architecture, backend b: B, seed: UInt64) throws {
        self.architecture = architecture
        backend = b
        var rng = SplitMix64(seed: seed)
        func initial(_ shape: [Int], bias: Int) -> ([Float], [Float]) { Initialization.pytorchDefault(shape: shape, biasCount: bias, generator: &rng) }
        func linear(_ name: String, _ i: Int, _ o: Int) throws -> Linear<B> {
            try Linear(backend: b, name: name, input: i, output: o, initial: initial([o, i], bias: o))
        }
        func relu(_ n: Int) -> ActivationLayer<B> { ActivationLayer(backend: b, .relu, size: n) }
        /// The conv autoencoder's and SimCLR's trunk: conv 1>32 s2, ReLU, conv 32>64 s2, ReLU -> [64, 7, 7].
        func convolutionTrunk() throws -> [any Layer<B>] {
            [
                try Conv2d(backend: b, name: "encoder.conv1", inChannels: 1, height: 28, width: 28, outChannels: 32, kernel: 3, stride: 2, padding: 1,
                           initial: initial([32, 1, 3, 3], bias: 32)), relu(32 * 14 * 14),
                try Conv2d(backend: b, name: "encoder.conv2", inChannels: 32, height: 14, width: 14, outChannels: 64, kernel: 3, stride: 2, padding: 1,
                           initial: initial([64, 32, 3, 3], bias: 64)), relu(3136),
            ]
        }
        /// The CNN classifier's trunk: conv 1>32 p1, ReLU, pool, conv 32>64 p1, ReLU, pool -> [64, 7, 7],
        /// computed as conv, pool, ReLU: the maximum of ReLUs is the ReLU of the maximum, and the
        /// gradient reaches the same element (where the maximum is not positive both give 0), so the
        /// values and gradients are the same bit for bit, and the ReLU runs on a quarter of the values.
        func pooledTrunk(prefix: String) throws -> [any Layer<B>] {
            [
                try Conv2d(backend: b, name: prefix + "conv1", inChannels: 1, height: 28, width: 28, outChannels: 32, kernel: 3, stride: 1,
                           padding: 1, initial: initial([32, 1, 3, 3], bias: 32)),
                try MaxPool(backend: b, channels: 32, height: 28, width: 28, kernel: 2), relu(32 * 196),
                try Conv2d(backend: b, name: prefix + "conv2", inChannels: 32, height: 14, width: 14, outChannels: 64, kernel: 3, stride: 1,
                           padding: 1, initial: initial([64, 32, 3, 3], bias: 64)),
                try MaxPool(backend: b, channels: 64, height: 14, width: 14, kernel: 2), relu(3136),
            ]
        }
        /// SimCLR's projection head on `d` features: fc d>d, ReLU, fc d>`projectionSize` (`z`).
        func projectionHead(_ d: Int) throws -> [any Layer<B>] {
            [try linear("head.fc1", d, d), relu(d), try linear("head.fc2", d, Architecture.projectionSize)]
        }
        var list: [any Layer<B>] = []
        switch architecture {
        case .convAutoencoder(let d):
            list = try convolutionTrunk() + [try linear("encoder.fc", 3136, d)]
            featureLayer = list.count - 1
            list += [
                try linear("decoder.fc", d, 3136), relu(3136),
                try ConvTranspose2d(backend: b, name: "decoder.deconv1", inChannels: 64, height: 7, width: 7, outChannels: 32, kernel: 3, stride: 2,
                                    padding: 1, outputPadding: 1, initial: initial([64, 32, 3, 3], bias: 32)), relu(32 * 14 * 14),
                try ConvTranspose2d(backend: b, name: "decoder.deconv2", inChannels: 32, height: 14, width: 14, outChannels: 1, kernel: 3, stride: 2,
                                    padding: 1, outputPadding: 1, initial: initial([32, 1, 3, 3], bias: 1)),
                ActivationLayer(backend: b, .sigmoid, size: 784),
            ]
        case .denseAutoencoder(let d), .n2dAutoencoder(let d):
            // n2d-ae: Keras's initialisation and a linear output, as N2D's and DEC-Keras's reference code.
            let keras = architecture == .n2dAutoencoder(latent: d)
            func dense(_ name: String, _ i: Int, _ o: Int) throws -> Linear<B> {
                guard keras else { return try linear(name, i, o) }
                return try Linear(backend: b, name: name, input: i, output: o,
                                  initial: Initialization.kerasDefault(shape: [o, i], biasCount: o, generator: &rng))
            }
            let widths = [784, 500, 500, 2000, d]
            for i in 0 ..< 4 {
                list.append(try dense("encoder.fc\(i + 1)", widths[i], widths[i + 1]))
                if i < 3 { list.append(relu(widths[i + 1])) }
            }
            featureLayer = list.count - 1
            let back = Array(widths.reversed())
            for i in 0 ..< 4 {
                list.append(try dense("decoder.fc\(i + 1)", back[i], back[i + 1]))
                if i < 3 { list.append(relu(back[i + 1])) } else if !keras { list.append(ActivationLayer(backend: b, .sigmoid, size: 784)) }
            }
        case .cnn(let dropout):
            list = try pooledTrunk(prefix: "") + [try linear("fc1", 3136, 128), relu(128)]
            featureLayer = list.count - 1
            list += [DropoutLayer(backend: b, size: 128, probability: dropout, seed: seed ^ 0xD80_0D80), try linear("fc2", 128, 10)]
        case .simclr(let d):
            list = try convolutionTrunk() + [try linear("encoder.fc", 3136, d), relu(d)]
            featureLayer = list.count - 1
            list += try projectionHead(d)
        case .simclrCNN(let d):
            list = try pooledTrunk(prefix: "backbone.") + [try linear("backbone.fc", 3136, d), relu(d)]
            featureLayer = list.count - 1
            list += try projectionHead(d)
        case .softmax:
            list = [try linear("fc", 784, 10)]
            featureLayer = 0
        }
        layers = list
    }

    /// Runs layers `0 ... last` (default: all) on `x` and returns the last one's output buffer.
    public func forward(_ x: B.Buffer, batch: Int, training: Bool, through last: Int? = nil) throws -> B.Buffer {
        try forward(x, batch: batch, training: training, layers: 0 ... (last ?? layers.count - 1))
    }

    /// Runs `layers[range]` on `x` (the input of the range's first layer), e.g. the decoder alone
    /// on codes: `featureLayer + 1 ... layers.count - 1`.
    public func forward(_ x: B.Buffer, batch: Int, training: Bool, layers range: ClosedRange<Int>) throws -> B.Buffer {
        var activation = x
        for layer in layers[range] { activation = try layer.forward(activation, batch: batch, training: training) }
        return activation
    }

    /// Back-propagates `dOutput` (the loss gradient with respect to the last forward's output)
    /// through every layer, leaving each parameter's gradient in `Parameter.gradient`.
    public func backward(_ dOutput: B.Buffer, batch: Int) throws {
        try backward(dOutput, batch: batch, layers: 0 ... layers.count - 1)
    }

    /// Back-propagates through `layers[range]` only (last to first) and returns the gradient with
    /// respect to the range's input: a buffer owned by its first layer, valid until that layer's next
    /// backward (a caller may add another gradient into it in place); nil when the range starts at
    /// the network's input, whose gradient is not computed.
    @discardableResult
    public func backward(_ dOutput: B.Buffer, batch: Int, layers range: ClosedRange<Int>) throws -> B.Buffer? {
        var gradient: B.Buffer? = dOutput
        for index in range.reversed() {
            guard let dy = gradient else { preconditionFailure("layer \(index + 1) gave no input gradient") }
            gradient = try layers[index].backward(dy, batch: batch, inputGradient: index > 0)
        }
        return gradient
    }

    /// The parameters of `layers[range]` (the encoder's: `0 ... featureLayer`).
    public func parameters(of range: ClosedRange<Int>) -> [Parameter<B>] { layers[range].flatMap { $0.parameters } }

    /// A network of the same architecture with a copy of these weights (fresh optimizer state; `seed`
    /// seeds what weights do not hold, the dropout stream).
    public func copy(seed: UInt64) throws -> Network<B> {
        let other = try Network(architecture, backend: backend, seed: seed)
        for (mine, theirs) in zip(parameters, other.parameters) { try backend.copy(mine.value, srcOffset: 0, to: theirs.value, dstOffset: 0, count: mine.count) }
        return other
    }

    /// Parameter values by name, downloaded.
    public func stateDict() throws -> [(name: String, shape: [Int], values: [Float])] {
        try parameters.map { ($0.name, $0.shape, try backend.floats($0.value)) }
    }

    /// Replaces every parameter's values; each name must be present with the same shape.
    public func load(_ tensors: [String: (shape: [Int], values: [Float])], source: String) throws {
        for p in parameters {
            guard let t = tensors[p.name] else { throw DataError("\(source): tensor \(p.name) is missing for \(architecture.name)") }
            guard t.shape == p.shape else {
                throw DataError("\(source): tensor \(p.name) has shape \(t.shape), \(architecture.name) needs \(p.shape)")
            }
            try t.values.withUnsafeBufferPointer { try backend.upload($0, to: p.value, offset: 0) }
        }
    }
}
