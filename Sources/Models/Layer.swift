import Backend

/// One step of a network over NCHW (or `[batch, features]`) tensors held on a backend.
///
/// `forward` returns the layer's output buffer (owned by the layer, valid until its next forward)
/// and keeps what `backward` needs. `backward` takes the gradient of the loss with respect to that
/// output and returns the gradient with respect to the input, accumulating nothing: parameter
/// gradients are overwritten each call.
public protocol Layer<Backend>: AnyObject {
    associatedtype Backend: ComputeBackend
    /// Elements per example of the input and of the output.
    var inputSize: Int { get }
    var outputSize: Int { get }
    var parameters: [Parameter<Backend>] { get }
    func forward(_ x: Backend.Buffer, batch: Int, training: Bool) throws -> Backend.Buffer
    func backward(_ dy: Backend.Buffer, batch: Int) throws -> Backend.Buffer
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
