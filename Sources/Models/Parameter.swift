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
    /// One Adam step (PyTorch's algorithm, `settings.weightDecay` as its L2 `weight_decay`) on every parameter of
    /// `parameters` from its gradient, at once (`ComputeBackend.adamSteps`: on OpenCL one launch per eight tensors);
    /// the moments are allocated, zero, on a parameter's first step.
    static func adamStep(of parameters: [Parameter], settings: AdamSettings, step: Int, backend: B) throws {
        var tensors: [AdamTensor<B.Buffer>] = []
        for p in parameters {
            if p.firstMoment == nil {
                p.firstMoment = try backend.makeBuffer([Float](repeating: 0, count: p.count))
                p.secondMoment = try backend.makeBuffer([Float](repeating: 0, count: p.count))
            }
            tensors.append(AdamTensor(parameters: p.value, gradients: p.gradient, firstMoment: p.firstMoment!,
                                      secondMoment: p.secondMoment!, count: p.count))
        }
        try backend.adamSteps(tensors, settings: settings, step: step)
    }
}
