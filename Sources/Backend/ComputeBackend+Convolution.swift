/// Convolutions and transposed convolutions by im2col + GEMM, built from the backend primitives.
/// Shapes are PyTorch's (see `Conv2DGeometry`). The three `conv2d` entry points are protocol
/// requirements with these as defaults (the OpenCL backend's), so a backend may replace them (the CPU
/// backend's works image by image across its cores); the transposed convolutions are built on them.
extension ComputeBackend {
    /// `y = conv(x, weight) + bias`: per pass `Y' [O, n*OH*OW] = W [O, C*KH*KW] . im2col(x)`, then
    /// `Y'` is reordered to NCHW. When the batch is one pass, the workspace's columns are left holding im2col(x)
    /// for `conv2dBackwardWeights`.
    public func conv2dForward(_ x: Buffer, weight: Buffer, bias: Buffer?, into y: Buffer,
                              workspace ws: ConvolutionWorkspace<Self>) throws {
        try im2colConvolution(x, weight: weight, bias: bias, into: y, workspace: ws, reusingColumns: false)
    }

    /// `conv2dForward` by im2col + GEMM; with `reusingColumns`, columns that still hold im2col(x) are not built
    /// again (a transposed convolution's backward step: its weight gradient, then its input gradient, from the same
    /// patches of `dy`). Only a backward step may reuse: a forward step's `x` may hold a new batch in the same buffer.
    func im2colConvolution(_ x: Buffer, weight: Buffer, bias: Buffer?, into y: Buffer, workspace ws: ConvolutionWorkspace<Self>,
                           reusingColumns: Bool) throws {
        let g = ws.geometry
        checkConvolutionBuffers(g, input: x.count, weight: weight.count, output: y.count, bias: bias?.count)
        let spatial = g.outHeight * g.outWidth
        let (columns, outputColumns) = try ws.passColumns()
        let built = reusingColumns && ws.columnsHoldPatches(of: x)
        ws.columnsHoldPatchesOf = nil
        for images in ws.passes {
            if !built { try im2col(x, geometry: g, images: images, into: columns) }
            try gemm(weight, aOffset: 0, columns, bOffset: 0, into: outputColumns, cOffset: 0,
                     m: g.outChannels, n: images.count * spatial, k: g.patchSize, transA: false, transB: false, alpha: 1, beta: 0)
            try swapLeadingAxes(outputColumns, xOffset: 0, a: g.outChannels, b: images.count, k: spatial,
                                into: y, yOffset: images.lowerBound * g.outChannels * spatial)
        }
        if ws.passes.count == 1 { ws.columnsHoldPatchesOf = x }
        if let bias { try addBias(y, bias: bias, outer: g.batch, channels: g.outChannels, inner: spatial) }
    }

    /// `dx = conv^T(dy, weight)`: per pass `dcol = W^T . dY'`, then col2im. Overwrites `dx`.
    public func conv2dBackwardData(_ dy: Buffer, weight: Buffer, into dx: Buffer, workspace ws: ConvolutionWorkspace<Self>) throws {
        let g = ws.geometry
        checkConvolutionBuffers(g, input: dx.count, weight: weight.count, output: dy.count, bias: nil)
        let spatial = g.outHeight * g.outWidth
        let (columns, outputColumns) = try ws.passColumns()
        ws.columnsHoldPatchesOf = nil
        for images in ws.passes {
            try swapLeadingAxes(dy, xOffset: images.lowerBound * g.outChannels * spatial, a: images.count, b: g.outChannels,
                                k: spatial, into: outputColumns, yOffset: 0)
            try gemm(weight, aOffset: 0, outputColumns, bOffset: 0, into: columns, cOffset: 0,
                     m: g.patchSize, n: images.count * spatial, k: g.outChannels, transA: true, transB: false, alpha: 1, beta: 0)
            try col2im(columns, geometry: g, images: images, into: dx)
        }
    }

    /// `dw = dY' . im2col(x)^T` summed over passes (overwrites `dw`); `db[o] = sum dy[:, o, :, :]`. Reuses the
    /// columns when they still hold im2col(x) from `conv2dForward` (one pass), and leaves them holding it.
    public func conv2dBackwardWeights(_ x: Buffer, _ dy: Buffer, weightGradient dw: Buffer, biasGradient db: Buffer?,
                                      workspace ws: ConvolutionWorkspace<Self>) throws {
        let g = ws.geometry
        checkConvolutionBuffers(g, input: x.count, weight: dw.count, output: dy.count, bias: db?.count)
        let spatial = g.outHeight * g.outWidth
        let (columns, outputColumns) = try ws.passColumns()
        let built = ws.columnsHoldPatches(of: x)
        ws.columnsHoldPatchesOf = nil
        for (pass, images) in ws.passes.enumerated() {
            if !built { try im2col(x, geometry: g, images: images, into: columns) }
            try swapLeadingAxes(dy, xOffset: images.lowerBound * g.outChannels * spatial, a: images.count, b: g.outChannels,
                                k: spatial, into: outputColumns, yOffset: 0)
            try gemm(outputColumns, aOffset: 0, columns, bOffset: 0, into: dw, cOffset: 0,
                     m: g.outChannels, n: g.patchSize, k: images.count * spatial, transA: false, transB: true,
                     alpha: 1, beta: pass == 0 ? 0 : 1)
        }
        if ws.passes.count == 1 { ws.columnsHoldPatchesOf = x }
        if let db { try biasGradient(dy, outer: g.batch, channels: g.outChannels, inner: spatial, into: db) }
    }

    /// `y = convTranspose(x, weight) + bias`, weight `[inChannels, outChannels, KH, KW]`: the input
    /// gradient of the adjoint convolution. `ws` must be built for `geometry.adjoint`.
    public func convTranspose2dForward(_ x: Buffer, weight: Buffer, bias: Buffer?, into y: Buffer,
                                       geometry: ConvTranspose2DGeometry, workspace ws: ConvolutionWorkspace<Self>) throws {
        precondition(ws.geometry == geometry.adjoint, "convTranspose2d: workspace built for \(ws.geometry), need \(geometry.adjoint)")
        try conv2dBackwardData(x, weight: weight, into: y, workspace: ws)
        if let bias {
            precondition(bias.count >= geometry.outChannels, "convTranspose2d: bias holds \(bias.count), needs \(geometry.outChannels)")
            try addBias(y, bias: bias, outer: geometry.batch, channels: geometry.outChannels, inner: geometry.outHeight * geometry.outWidth)
        }
    }

    /// `dx` of the transposed convolution: the adjoint convolution applied to `dy`.
    public func convTranspose2dBackwardData(_ dy: Buffer, weight: Buffer, into dx: Buffer,
                                            geometry: ConvTranspose2DGeometry, workspace ws: ConvolutionWorkspace<Self>) throws {
        precondition(ws.geometry == geometry.adjoint, "convTranspose2d: workspace built for \(ws.geometry), need \(geometry.adjoint)")
        // Columns holding im2col(dy) were left by the generic weight gradient (a backend with its own convolutions
        // never marks them), so the generic path runs on without building them again.
        if ws.columnsHoldPatches(of: dy) {
            try im2colConvolution(dy, weight: weight, bias: nil, into: dx, workspace: ws, reusingColumns: true)
        } else {
            try conv2dForward(dy, weight: weight, bias: nil, into: dx, workspace: ws)
        }
    }

    /// `dw` (layout `[inChannels, outChannels, KH, KW]`) and `db` of the transposed convolution.
    public func convTranspose2dBackwardWeights(_ x: Buffer, _ dy: Buffer, weightGradient dw: Buffer, biasGradient db: Buffer?,
                                               geometry: ConvTranspose2DGeometry, workspace ws: ConvolutionWorkspace<Self>) throws {
        precondition(ws.geometry == geometry.adjoint, "convTranspose2d: workspace built for \(ws.geometry), need \(geometry.adjoint)")
        try conv2dBackwardWeights(dy, x, weightGradient: dw, biasGradient: nil, workspace: ws)
        if let db {
            try biasGradient(dy, outer: geometry.batch, channels: geometry.outChannels, inner: geometry.outHeight * geometry.outWidth, into: db)
        }
    }
}

/// Preconditions shared by the convolution entry points: every buffer holds its tensor.
func checkConvolutionBuffers(_ g: Conv2DGeometry, input: Int, weight: Int, output: Int, bias: Int?) {
    precondition(input >= g.inputCount, "convolution \(g): input buffer holds \(input), needs \(g.inputCount)")
    precondition(weight >= g.weightCount, "convolution \(g): weight buffer holds \(weight), needs \(g.weightCount)")
    precondition(output >= g.outputCount, "convolution \(g): output buffer holds \(output), needs \(g.outputCount)")
    if let bias { precondition(bias >= g.outChannels, "convolution \(g): bias holds \(bias), needs \(g.outChannels)") }
}
