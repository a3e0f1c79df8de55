import Kernels

extension OpenCLBackend {
    /// `y = conv(x, weight) + bias` by the implicit GEMM (`gemm_conv_forward`, one launch) or by the generic im2col
    /// path, as `convolutionForward` says (`ConvolutionForward`); the same bits either way. After the implicit GEMM the
    /// workspace's columns hold nothing a backward step could reuse.
    public func conv2dForward(_ x: OpenCLBuffer, weight: OpenCLBuffer, bias: OpenCLBuffer?, into y: OpenCLBuffer,
                              workspace ws: ConvolutionWorkspace<OpenCLBackend>) throws {
        let g = ws.geometry
        switch try convolutionForwardPath(x, weight: weight, bias: bias, into: y, workspace: ws) {
        case .im2col:
            try im2colConvolution(x, weight: weight, bias: bias, into: y, workspace: ws, reusingColumns: false)
        case .implicit(let tiling):
            checkConvolutionBuffers(g, input: x.count, weight: weight.count, output: y.count, bias: bias?.count)
            ws.columnsHoldPatchesOf = nil
            try launchImplicitConvolution(x, weight: weight, bias: bias, into: y, geometry: g, tiling: tiling)
        }
    }

    /// The path `conv2dForward` takes. `automatic` asks the tuner, which on a geometry's
    /// `GemmTuner.callsBeforeTuning`-th forward step builds the patches (for the im2col path's product) and times the
    /// two paths (`timeConvolutionPaths`); the chosen one then runs as on any other step, whatever the timing runs left
    /// in `y`.
    private func convolutionForwardPath(_ x: OpenCLBuffer, weight: OpenCLBuffer, bias: OpenCLBuffer?,
                                        into y: OpenCLBuffer, workspace ws: ConvolutionWorkspace<OpenCLBackend>)
        throws -> ConvolutionForwardChoice {
        let g = ws.geometry
        let m = g.outChannels, n = g.batch * g.outHeight * g.outWidth, k = g.patchSize
        let heuristic: GemmTiling
        switch gemmStrategy {
        case .tiled: heuristic = gemmStrategy.tiling(m: m, n: n, computeUnits: info.computeUnits)
        case .vector: heuristic = GemmTiling.cpuCandidates[0]
        }
        // A product the im2col path cuts along K adds its terms in another order: it keeps that path.
        if case .tiled = gemmStrategy, splitKSlices(m: m, n: n, k: k, tiling: heuristic) > 1 { return .im2col }
        switch convolutionForward {
        case .im2col: return .im2col
        case .implicit:
            let shape = GemmTuner.Shape(kernel: "gemm", transA: false, transB: false, m: m, n: n, k: k)
            return .implicit(gemmTuner?.choice(for: shape) ?? heuristic)
        case .automatic:
            guard let tuner = gemmTuner, ws.passes.count == 1 else { return .im2col }
            let key = g.description
            if let chosen = tuner.convolutionChoice(for: key) { return chosen }
            guard tuner.isDue(convolution: key) else { return .im2col }
            ws.columnsHoldPatchesOf = nil
            // The patches the timed product reads.
            try im2col(x, geometry: g, images: 0 ..< g.batch, into: try ws.passColumns().columns)
            let chosen = try timeConvolutionPaths(x, weight: weight, bias: bias, into: y, workspace: ws,
                                                  heuristic: heuristic, tuner: tuner)
            tuner.remember(convolution: key, chosen.choice, timed: chosen.timed)
            return chosen.choice
        }
    }

    /// Times, on the device, the launches the im2col path makes after its `im2col` (`gemm` with the tile it uses,
    /// `swap_leading_axes`, `add_bias`; the columns already hold im2col(x)) against `gemm_conv_forward` with each
    /// candidate tile, and returns the implicit GEMM's fastest tile when it beats the im2col path by the tuner's margin.
    /// The timing runs write into `y` (the caller's output, computed again afterwards) and the workspace's scratch. A
    /// path that cannot be built or launched is not a choice; a geometry whose timing would take longer than the
    /// tuner's budget keeps the im2col path untimed.
    private func timeConvolutionPaths(_ x: OpenCLBuffer, weight: OpenCLBuffer, bias: OpenCLBuffer?, into y: OpenCLBuffer,
                                      workspace ws: ConvolutionWorkspace<OpenCLBackend>, heuristic: GemmTiling,
                                      tuner: GemmTuner) throws -> (choice: ConvolutionForwardChoice, timed: Bool) {
        let g = ws.geometry
        let spatial = g.outHeight * g.outWidth
        let (columns, outputColumns) = try ws.passColumns()
        let im2colRest = {
            try self.gemm(weight, aOffset: 0, columns, bOffset: 0, into: outputColumns, cOffset: 0, m: g.outChannels,
                          n: g.batch * spatial, k: g.patchSize, transA: false, transB: false, alpha: 1, beta: 0)
            try self.swapLeadingAxes(outputColumns, xOffset: 0, a: g.outChannels, b: g.batch, k: spatial,
                                     into: y, yOffset: 0)
            if let bias { try self.addBias(y, bias: bias, outer: g.batch, channels: g.outChannels, inner: spatial) }
        }
        guard let once = try? secondsPerLaunch(repeats: 1, im2colRest) else { return (.im2col, false) }
        let repeats = max(1, min(64, Int((GemmTuner.trialSeconds / max(once, 1e-7)).rounded(.up))))
        let candidates = tuner.candidates(m: g.outChannels, n: g.batch * spatial, heuristic: heuristic)
        guard once * Double((candidates.count + 1) * (3 * repeats + 1)) <= tuner.budgetSeconds else {
            return (.im2col, false)
        }
        guard let base = try? secondsPerLaunch(repeats: repeats, im2colRest) else { return (.im2col, false) }
        var fastest: (tiling: GemmTiling, seconds: Double)?
        for candidate in candidates {
            guard let seconds = try? secondsPerLaunch(repeats: repeats, {
                try self.launchImplicitConvolution(x, weight: weight, bias: bias, into: y, geometry: g, tiling: candidate,
                                                   label: "gemm_conv_forward (tuning)")
            }) else { continue }
            if seconds < fastest?.seconds ?? .infinity { fastest = (candidate, seconds) }
        }
        guard let fastest, fastest.seconds < GemmTuner.margin * base else { return (.im2col, true) }
        return (.implicit(fastest.tiling), true)
    }

    /// One launch of `gemm_conv_forward` over the whole batch of `g` with tile `t`.
    func launchImplicitConvolution(_ x: OpenCLBuffer, weight: OpenCLBuffer, bias: OpenCLBuffer?, into y: OpenCLBuffer,
                                   geometry g: Conv2DGeometry, tiling t: GemmTiling, label: String? = nil) throws {
        let m = g.outChannels, n = g.batch * g.outHeight * g.outWidth
        let options = t.options(transA: false, transB: false) + " " + GemmKernels.convolutionOptions(geometrySizes(g))
        let kernel = try kernel("gemm_conv_forward", in: GemmKernels.source, options: options)
        try launch(kernel, [.int(m), .int(n), .int(g.patchSize), .buffer(weight), .buffer(x), .int(0),
                            .buffer(bias ?? weight), .int(bias == nil ? 0 : 1), .buffer(y), .int(0)],
                   global: [(n + t.tileN - 1) / t.tileN * (t.tileN / t.workN),
                            (m + t.tileM - 1) / t.tileM * (t.tileM / t.workM)],
                   local: [t.tileN / t.workN, t.tileM / t.workM], label: label)
    }
}
