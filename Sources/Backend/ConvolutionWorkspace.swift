/// Scratch buffers for the convolutions of one geometry, allocated on first use and reused by every
/// later call (a layer owns one per batch size).
///
/// The generic im2col path (`ComputeBackend+Convolution.swift`) processes `chunk` images at a time
/// so the column matrix stays under `budgetBytes` whatever the batch size; a backend with its own
/// convolution asks for `scratch(count:)` instead.
public final class ConvolutionWorkspace<B: ComputeBackend> {
    public let geometry: Conv2DGeometry
    /// Images per pass of the generic path.
    public let chunk: Int
    private let backend: B
    private var passBuffers: (columns: B.Buffer, outputColumns: B.Buffer)?
    private var scratchBuffer: B.Buffer?
    /// The input whose im2col the columns hold when the batch fits one pass (nil: something else, or several
    /// passes), so a backward step right after the forward one skips building the same columns again.
    weak var columnsHoldPatchesOf: B.Buffer?

    /// `budgetBytes` defaults to the backend's `convolutionChunkBytes`.
    public init(backend: B, geometry g: Conv2DGeometry, budgetBytes: Int? = nil) throws {
        let budgetBytes = budgetBytes ?? backend.convolutionChunkBytes
        self.backend = backend
        geometry = g
        let perImage = (g.patchSize + g.outChannels) * g.outHeight * g.outWidth * MemoryLayout<Float>.stride
        chunk = max(1, min(g.batch, budgetBytes / max(1, perImage)))
    }

    /// The generic path's `columns [patchSize, chunk * OH * OW]` and `outputColumns [outChannels,
    /// chunk * OH * OW]`.
    func passColumns() throws -> (columns: B.Buffer, outputColumns: B.Buffer) {
        if let passBuffers { return passBuffers }
        let spatial = geometry.outHeight * geometry.outWidth
        let made = (try backend.makeBuffer(count: geometry.patchSize * chunk * spatial),
                    try backend.makeBuffer(count: geometry.outChannels * chunk * spatial))
        passBuffers = made
        return made
    }

    /// A buffer of at least `count` elements, kept for later calls (grown when a call needs more).
    func scratch(count: Int) throws -> B.Buffer {
        if let scratchBuffer, scratchBuffer.count >= count { return scratchBuffer }
        let made = try backend.makeBuffer(count: count)
        scratchBuffer = made
        return made
    }

    /// Whether the columns still hold im2col of `x` (a batch of one pass, built since the columns were last
    /// overwritten). The caller's contract — `x` unchanged between the forward and backward steps that use it, as the
    /// weight gradient already requires — makes the columns then exactly what im2col would write again.
    func columnsHoldPatches(of x: B.Buffer) -> Bool { passes.count == 1 && columnsHoldPatchesOf === x }

    /// Image ranges of at most `chunk` images covering the batch.
    var passes: [Range<Int>] {
        stride(from: 0, to: geometry.batch, by: chunk).map { $0 ..< min(geometry.batch, $0 + chunk) }
    }
}
