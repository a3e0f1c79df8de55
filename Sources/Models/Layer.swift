import Backend

/// One step of a network over NCHW (or `[batch, features]`) tensors held on a backend.
///
/// `forward` returns the layer's output buffer (owned by the layer, valid until its next forward)
/// and keeps what `backward` needs. `backward` takes the gradient of the loss with respect to that
/// output, overwrites the parameter gradients (accumulating nothing) and returns the gradient with
/// respect to the input, or nil without computing it when `inputGradient` is false (the network's
/// first layer: nothing needs the gradient with respect to the images).
public protocol Layer<Backend>: AnyObject {
    associatedtype Backend: ComputeBackend
    /// Elements per example of the input and of the output.
    var inputSize: Int { get }
    var outputSize: Int { get }
    var parameters: [Parameter<Backend>] { get }
    func forward(_ x: Backend.Buffer, batch: Int, training: Bool) throws -> Backend.Buffer
    func backward(_ dy: Backend.Buffer, batch: Int, inputGradient: Bool) throws -> Backend.Buffer?
}

extension Layer {
    /// `backward` with the input gradient.
    public func backward(_ dy: Backend.Buffer, batch: Int) throws -> Backend.Buffer {
        guard let dx = try backward(dy, batch: batch, inputGradient: true) else { preconditionFailure("\(Self.self) gave no input gradient") }
        return dx
    }
}

/// Per-batch-size output buffers, grown lazily: the last batch of an epoch may be smaller.
final class BatchBuffers<B: ComputeBackend> {
    private let backend: B
    private let perExample: Int
    private var buffers: [Int: B.Buffer] = [:]
    init(backend: B, perExample: Int) { (self.backend, self.perExample) = (backend, perExample) }

    func buffer(batch: Int) throws -> B.Buffer {
        if let b = buffers[batch] { return b }
        let b = try backend.makeBuffer(count: batch * perExample)
        buffers[batch] = b
        return b
    }
}
