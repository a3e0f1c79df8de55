import Backend

/// A trainable tensor: its PyTorch `state_dict` name and shape, its values and gradient on the
/// device, and the optimizer's state (allocated on the first step).
public final class Parameter<B: ComputeBackend> {
    public let name: String
    public let shape: [Int]
    public let value: B.Buffer
    public let gradient: B.Buffer
    /// Adam's first moment, or SGD's momentum buffer.
    public internal(set) var firstMoment: B.Buffer?
    /// Adam's second moment.
    public internal(set) var secondMoment: B.Buffer?

    public var count: Int { shape.reduce(1, *) }

    init(backend: B, name: String, shape: [Int], values: [Float]) throws {
        precondition(values.count == shape.reduce(1, *), "Parameter \(name): \(values.count) values for shape \(shape)")
        self.name = name
        self.shape = shape
        value = try backend.makeBuffer(values)
        gradient = try backend.makeBuffer(count: values.count)
    }
}

extension Parameter {
    /// One Adam step (PyTorch's algorithm, `settings.weightDecay` as its L2 `weight_decay`) on this
    /// parameter from its gradient; the moments are allocated, zero, on the first call.
    func adamStep(settings: AdamSettings, step: Int, backend: B) throws {
        if firstMoment == nil {
            firstMoment = try backend.makeBuffer([Float](repeating: 0, count: count))
            secondMoment = try backend.makeBuffer([Float](repeating: 0, count: count))
        }
        try backend.adamStep(parameters: value, gradients: gradient, firstMoment: firstMoment!, secondMoment: secondMoment!, count: count,
                             settings: settings, step: step)
    }
}
