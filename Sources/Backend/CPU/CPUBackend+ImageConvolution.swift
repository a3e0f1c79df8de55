import CBLAS

/// The CPU backend's convolutions, image by image across the cores.
///
/// The generic path (`ComputeBackend+Convolution.swift`) builds one column matrix for many images,
/// multiplies it into `[O, n*OH*OW]` and reorders that to NCHW. Here each
/// worker takes the batch's next image, builds its `[patchSize, OH*OW]` columns (a few hundred KiB,
/// so they stay in the core's cache) and calls a single-threaded GEMM whose output is the image's
/// `[O, OH*OW]` NCHW block itself, so no reordering pass is needed:
///
/// - forward: `y_n = W [O, P] . cols(x_n) [P, S] + b`,
/// - input gradient: `dx_n = col2im(W^T [P, O] . dy_n [O, S])`,
/// - weight gradient: `dW = sum_n dy_n [O, S] . cols(x_n)^T [S, P]`, `db = sum_n dy_n 1_S`,
///
/// with `P = C*KH*KW` and `S = OH*OW`. The weight gradient is summed over fixed groups of
/// `weightGradientGroup` consecutive images (in image order within a group, then over the groups in
/// order), so it does not depend on the number of cores or on which worker took which group.
extension CPUBackend {
    /// Images whose weight-gradient contributions one worker sums before the groups are added up.
    static let weightGradientGroup = 8

    public func conv2dForward(_ x: CPUBuffer, weight: CPUBuffer, bias: CPUBuffer?, into y: CPUBuffer,
                              workspace ws: ConvolutionWorkspace<CPUBackend>) throws {
        let g = ws.geometry
        checkConvolutionBuffers(g, input: x.count, weight: weight.count, output: y.count, bias: bias?.count)
        let (patch, spatial, out) = (g.patchSize, g.outHeight * g.outWidth, g.outChannels)
        let lanes = Self.workerCount(g.batch)
        let columns = try ws.scratch(count: lanes * patch * spatial).floats
        let (source, w, destination, b) = (x.floats, weight.floats, y.floats, bias?.floats)
        Self.shareOut(g.batch, lanes: lanes) { lane, image in
            let col = columns + lane * patch * spatial
            Self.im2colImage(source, geometry: g, image: image, into: col)
            let output = destination + image * out * spatial
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(out), Int32(spatial), Int32(patch),
                        1, w, Int32(patch), col, Int32(spatial), 0, output, Int32(spatial))
            guard let b else { return }
            for o in 0 ..< out {
                let value = b[o], row = output + o * spatial
                for i in 0 ..< spatial { row[i] += value }
            }
        }
    }

    public func conv2dBackwardData(_ dy: CPUBuffer, weight: CPUBuffer, into dx: CPUBuffer,
                                   workspace ws: ConvolutionWorkspace<CPUBackend>) throws {
        let g = ws.geometry
        checkConvolutionBuffers(g, input: dx.count, weight: weight.count, output: dy.count, bias: nil)
        let (patch, spatial, out) = (g.patchSize, g.outHeight * g.outWidth, g.outChannels)
        let lanes = Self.workerCount(g.batch)
        let columns = try ws.scratch(count: lanes * patch * spatial).floats
        let (gradient, w, destination) = (dy.floats, weight.floats, dx.floats)
        Self.shareOut(g.batch, lanes: lanes) { lane, image in
            let col = columns + lane * patch * spatial
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(patch), Int32(spatial), Int32(out),
                        1, w, Int32(patch), gradient + image * out * spatial, Int32(spatial), 0, col, Int32(spatial))
            for c in 0 ..< g.inChannels {
                Self.col2imPlane(col, rowStride: spatial, geometry: g, image: image, channel: c, into: destination)
            }
        }
    }

    public func conv2dBackwardWeights(_ x: CPUBuffer, _ dy: CPUBuffer, weightGradient dw: CPUBuffer, biasGradient db: CPUBuffer?,
                                      workspace ws: ConvolutionWorkspace<CPUBackend>) throws {
        let g = ws.geometry
        checkConvolutionBuffers(g, input: x.count, weight: dw.count, output: dy.count, bias: db?.count)
        let (patch, spatial, out) = (g.patchSize, g.outHeight * g.outWidth, g.outChannels)
        let groupSize = Self.weightGradientGroup
        let groups = (g.batch + groupSize - 1) / groupSize
        let lanes = Self.workerCount(groups)
        // Per group: its weight-gradient sum [O, P], then its bias-gradient sum [O].
        let partialCount = out * patch + out
        let scratch = try ws.scratch(count: lanes * patch * spatial + groups * partialCount).floats
        let columns = scratch, partials = scratch + lanes * patch * spatial
        let (source, gradient) = (x.floats, dy.floats)
        Self.shareOut(groups, lanes: lanes) { lane, group in
            let col = columns + lane * patch * spatial
            let partial = partials + group * partialCount, biasPartial = partial + out * patch
            let images = group * groupSize ..< min(g.batch, (group + 1) * groupSize)
            for image in images {
                let first = image == images.lowerBound
                Self.im2colImage(source, geometry: g, image: image, into: col)
                let dyImage = gradient + image * out * spatial
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(out), Int32(patch), Int32(spatial),
                            1, dyImage, Int32(spatial), col, Int32(spatial), first ? 0 : 1, partial, Int32(patch))
                for o in 0 ..< out {
                    let sum = vectorSum(dyImage + o * spatial, count: spatial)
                    biasPartial[o] = first ? sum : biasPartial[o] + sum
                }
            }
        }
        let (weights, biases) = (dw.floats, db?.floats)
        parallelFor(partialCount, grain: 4096) { range in
            for e in range {
                var sum = partials[e]
                for group in 1 ..< max(1, groups) { sum += partials[group * partialCount + e] }
                if e < out * patch { weights[e] = sum } else if let biases { biases[e - out * patch] = sum }
            }
        }
    }
}
