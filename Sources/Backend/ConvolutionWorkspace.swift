/// Scratch buffers for the im2col convolutions of one geometry, allocated once and reused by every
/// call (a layer owns one). Images are processed `chunk` at a time so the column matrix stays under
/// `budgetBytes` whatever the batch size.
public final class ConvolutionWorkspace<B: ComputeBackend> {
    public let geometry: Conv2DGeometry
    /// Images per pass.
    public let chunk: Int
    /// `[patchSize, chunk * OH * OW]`.
    let columns: B.Buffer
    /// `[outChannels, chunk * OH * OW]`.
    let outputColumns: B.Buffer

    /// `budgetBytes` defaults to the backend's `convolutionChunkBytes`.
    public init(backend: B, geometry g: Conv2DGeometry, budgetBytes: Int? = nil) throws {
        let budgetBytes = budgetBytes ?? backend.convolutionChunkBytes
        geometry = g
        let perImage = (g.patchSize + g.outChannels) * g.outHeight * g.outWidth * MemoryLayout<Float>.stride
        chunk = max(1, min(g.batch, budgetBytes / max(1, perImage)))
        columns = try backend.makeBuffer(count: g.patchSize * chunk * g.outHeight * g.outWidth)
        outputColumns = try backend.makeBuffer(count: g.outChannels * chunk * g.outHeight * g.outWidth)
    }

    /// Image ranges of at most `chunk` images covering the batch.
    var passes: [Range<Int>] {
        stride(from: 0, to: geometry.batch, by: chunk).map { $0 ..< min(geometry.batch, $0 + chunk) }
    }
}
