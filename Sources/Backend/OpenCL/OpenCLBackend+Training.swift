import Kernels

extension OpenCLBackend {
    /// A kernel of `ConvolutionKernels` (one build, with the reduction work-group size defined).
    /// A kernel of `ConvolutionKernels`; with `geometry`, built for that geometry's sizes as constants (`im2col`,
    /// `col2im`: one program per layer geometry).
    private func convolutionKernel(_ name: String, geometry g: Conv2DGeometry? = nil) throws -> OpenCLKernel {
        let fixed = g.map { " " + ConvolutionKernels.geometryOptions(geometrySizes($0)) } ?? ""
        return try kernel(name, in: ConvolutionKernels.source, options: "-DWG=\(reductionGroupSize)" + fixed)
    }

    /// The sizes of `g` in the im2col-family kernels' argument order.
    func geometrySizes(_ g: Conv2DGeometry) -> [Int] {
        [g.inChannels, g.inHeight, g.inWidth, g.kernelHeight, g.kernelWidth, g.strideHeight, g.strideWidth, g.padHeight, g.padWidth,
         g.outHeight, g.outWidth]
    }

    /// The geometry arguments shared by the im2col-family kernels.
    private func convolutionArguments(_ g: Conv2DGeometry) -> [KernelArgument] { geometrySizes(g).map { .int($0) } }

    /// A kernel of `PoolingKernels` built for `g`'s sizes (all but batch x channels) as constants.
    private func poolingKernel(_ name: String, geometry g: Pool2DGeometry) throws -> OpenCLKernel {
        let sizes = [g.inHeight, g.inWidth, g.kernelHeight, g.kernelWidth, g.strideHeight, g.strideWidth, g.padHeight, g.padWidth,
                     g.outHeight, g.outWidth]
        return try kernel(name, in: PoolingKernels.source, options: PoolingKernels.geometryOptions(sizes))
    }

    private func poolArguments(_ g: Pool2DGeometry) -> [KernelArgument] {
        [.int(g.batch * g.channels), .int(g.inHeight), .int(g.inWidth), .int(g.kernelHeight), .int(g.kernelWidth),
         .int(g.strideHeight), .int(g.strideWidth), .int(g.padHeight), .int(g.padWidth), .int(g.outHeight), .int(g.outWidth)]
    }

    public func im2col(_ x: OpenCLBuffer, geometry g: Conv2DGeometry, images: Range<Int>, into col: OpenCLBuffer) throws {
        let columns = images.count * g.outHeight * g.outWidth
        precondition(col.count >= g.patchSize * columns && x.count >= g.inputCount, "im2col: buffers too small for \(g)")
        try launch(try convolutionKernel("im2col", geometry: g),
                   [.buffer(x), .int(images.lowerBound), .int(images.count)] + convolutionArguments(g) + [.buffer(col)],
                   global: [columns, g.patchSize])
    }

    public func col2im(_ col: OpenCLBuffer, geometry g: Conv2DGeometry, images: Range<Int>, into dx: OpenCLBuffer) throws {
        precondition(col.count >= g.patchSize * images.count * g.outHeight * g.outWidth && dx.count >= g.inputCount, "col2im: buffers too small for \(g)")
        try launch(try convolutionKernel("col2im", geometry: g),
                   [.buffer(col), .int(images.lowerBound), .int(images.count)] + convolutionArguments(g) + [.buffer(dx)],
                   global: [images.count * g.inChannels * g.inHeight * g.inWidth])
    }

    public func swapLeadingAxes(_ x: OpenCLBuffer, xOffset: Int, a: Int, b: Int, k: Int, into y: OpenCLBuffer, yOffset: Int) throws {
        precondition(xOffset + a * b * k <= x.count && yOffset + a * b * k <= y.count, "swapLeadingAxes: buffers too small")
        try launch(try convolutionKernel("swap_leading_axes"),
                   [.buffer(x), .int(xOffset), .int(a), .int(b), .int(k), .buffer(y), .int(yOffset)], global: [k, b, a])
    }

    public func addBias(_ x: OpenCLBuffer, bias: OpenCLBuffer, outer: Int, channels: Int, inner: Int) throws {
        precondition(x.count >= outer * channels * inner && bias.count >= channels, "addBias: buffers too small")
        try launch(try convolutionKernel("add_bias"),
                   [.buffer(x), .buffer(bias), .int(outer), .int(channels), .int(inner)], global: [inner, channels, outer])
    }

    /// `db[c] = sum over o, i of dy[o, c, i]`. On the GPU kernels, planes of many positions (convolutions) are summed in
    /// blocks of `biasGradientImagesPerBlock(inner:)` images, one work-group per (channel, block), then each channel's
    /// blocks in order; else (a CPU driver, whose work-groups cost more than its cores gain from them, or a linear
    /// layer's rows, `inner` 1) by one work-group per channel.
    public func biasGradient(_ dy: OpenCLBuffer, outer: Int, channels: Int, inner: Int, into db: OpenCLBuffer) throws {
        precondition(dy.count >= outer * channels * inner && db.count >= channels, "biasGradient: buffers too small")
        let group = reductionGroupSize
        if inner > 1 && usesGPUKernels {
            let perBlock = biasGradientImagesPerBlock(inner: inner)
            let blocks = (outer + perBlock - 1) / perBlock
            let partials = try scratchBuffer(count: channels * blocks, slot: .biasPartials)
            try launch(try convolutionKernel("bias_gradient_blocks"),
                       [.buffer(dy), .int(outer), .int(channels), .int(inner), .int(perBlock), .buffer(partials)],
                       global: [group, channels, blocks], local: [group, 1, 1])
            try launch(try convolutionKernel("bias_gradient_blocks_sum"),
                       [.buffer(partials), .int(blocks), .int(channels), .buffer(db)], global: [channels])
            return
        }
        try launch(try convolutionKernel("bias_gradient"),
                   [.buffer(dy), .int(outer), .int(channels), .int(inner), .buffer(db)], global: [channels * group], local: [group])
    }

    /// Images per block of the two-step bias gradient: enough for about four loads per work-item (fixed by the plane
    /// size and the work-group size alone, so the sums' order does not depend on the batch or the device's size).
    func biasGradientImagesPerBlock(inner: Int) -> Int { max(1, (4 * reductionGroupSize + inner - 1) / inner) }

    public func maxPoolForward(_ x: OpenCLBuffer, geometry g: Pool2DGeometry, into y: OpenCLBuffer, indices: OpenCLBuffer) throws {
        precondition(x.count >= g.inputCount && y.count >= g.outputCount && indices.count >= g.outputCount, "maxPoolForward: buffers too small")
        try launch(try poolingKernel("maxpool_forward", geometry: g),
                   [.buffer(x)] + poolArguments(g) + [.buffer(y), .buffer(indices)], global: [g.outputCount])
    }

    public func maxPoolBackward(_ dy: OpenCLBuffer, indices: OpenCLBuffer, geometry g: Pool2DGeometry, into dx: OpenCLBuffer) throws {
        precondition(dx.count >= g.inputCount && dy.count >= g.outputCount && indices.count >= g.outputCount, "maxPoolBackward: buffers too small")
        try launch(try poolingKernel("maxpool_backward", geometry: g),
                   [.buffer(dy), .buffer(indices)] + poolArguments(g) + [.buffer(dx)], global: [g.inputCount])
    }

    public func softmaxCrossEntropy(logits: OpenCLBuffer, labels: OpenCLBuffer, rows: Int, classes: Int, gradient: OpenCLBuffer?,
                                    loss: OpenCLBuffer) throws {
        precondition(logits.count >= rows * classes && labels.count >= rows && loss.count >= 1, "softmaxCrossEntropy: buffers too small")
        if let gradient { precondition(gradient.count >= rows * classes, "softmaxCrossEntropy: gradient too small") }
        let terms = try scratchBuffer(count: rows, slot: .lossTerms)
        try launch(try kernel("softmax_xent", in: TrainingKernels.source),
                   [.buffer(logits), .buffer(labels), .int(rows), .int(classes), .int(gradient == nil ? 0 : 1),
                    .buffer(gradient ?? terms), .buffer(terms)], global: [rows])
        try reduceRows(opCode: Int(Reduction.mean.rawValue), terms, offset: 0, rows: 1, cols: rows, into: loss, outOffset: 0)
    }

    public func meanSquaredError(prediction: OpenCLBuffer, target: OpenCLBuffer, count: Int, gradient: OpenCLBuffer?, loss: OpenCLBuffer) throws {
        try elementLoss("mse", prediction, target, count: count, gradient: gradient, loss: loss)
    }

    public func binaryCrossEntropy(prediction: OpenCLBuffer, target: OpenCLBuffer, count: Int, gradient: OpenCLBuffer?, loss: OpenCLBuffer) throws {
        try elementLoss("bce", prediction, target, count: count, gradient: gradient, loss: loss)
    }

    private func elementLoss(_ name: String, _ prediction: OpenCLBuffer, _ target: OpenCLBuffer, count: Int, gradient: OpenCLBuffer?,
                             loss: OpenCLBuffer) throws {
        precondition(prediction.count >= count && target.count >= count && loss.count >= 1, "\(name): buffers too small")
        if let gradient { precondition(gradient.count >= count, "\(name): gradient too small") }
        let terms = try scratchBuffer(count: count, slot: .lossTerms)
        try launch(try kernel(name, in: TrainingKernels.source),
                   [.buffer(prediction), .buffer(target), .int(count), .int(gradient == nil ? 0 : 1),
                    .buffer(gradient ?? terms), .buffer(terms)], global: [count])
        try reduceRows(opCode: Int(Reduction.mean.rawValue), terms, offset: 0, rows: 1, cols: count, into: loss, outOffset: 0)
    }

    /// One work-item per row (assignments, loss terms, weights, code gradient), then one per centroid
    /// entry; the loss is the mean of the row terms, reduced on the device.
    public func studentTClustering(codes: OpenCLBuffer, centroids: OpenCLBuffer, rows: Int, dims: Int, clusters: Int, alpha: Float,
                                   assignments: OpenCLBuffer, target: OpenCLBuffer?, loss: OpenCLBuffer?, codesGradient: OpenCLBuffer?,
                                   centroidsGradient: OpenCLBuffer?) throws {
        checkStudentTClustering(codes: codes, centroids: centroids, rows: rows, dims: dims, clusters: clusters, assignments: assignments,
                                target: target, loss: loss, codesGradient: codesGradient, centroidsGradient: centroidsGradient)
        guard rows > 0 else {
            if let loss { try fill(loss, with: .nan, offset: 0, count: 1) }
            if let centroidsGradient { try fill(centroidsGradient, with: 0, offset: 0, count: clusters * dims) }
            return
        }
        let terms = try scratchBuffer(count: rows, slot: .lossTerms)
        let weights = try scratchBuffer(count: rows * clusters, slot: .clusterWeights)
        try launch(try kernel("student_t_rows", in: TrainingKernels.source),
                   [.buffer(codes), .buffer(centroids), .int(rows), .int(dims), .int(clusters), .float(alpha), .buffer(assignments),
                    .buffer(target ?? assignments), .int(target == nil ? 0 : 1), .int(codesGradient == nil ? 0 : 1), .buffer(terms),
                    .buffer(weights), .buffer(codesGradient ?? terms)], global: [rows])
        if let loss { try reduceRows(opCode: Int(Reduction.mean.rawValue), terms, offset: 0, rows: 1, cols: rows, into: loss, outOffset: 0) }
        if let centroidsGradient {
            try launch(try kernel("student_t_centroid_grad", in: TrainingKernels.source),
                       [.buffer(codes), .buffer(centroids), .int(rows), .int(dims), .int(clusters), .buffer(weights),
                        .buffer(centroidsGradient)], global: [clusters * dims])
        }
    }

    public func adamStep(parameters: OpenCLBuffer, gradients: OpenCLBuffer, firstMoment: OpenCLBuffer, secondMoment: OpenCLBuffer,
                         count: Int, settings s: AdamSettings, step: Int) throws {
        precondition([parameters.count, gradients.count, firstMoment.count, secondMoment.count].allSatisfy { $0 >= count }, "adamStep: buffers too small")
        let (stepSize, sqrtBias2) = s.biasCorrections(step: step)
        try launch(try kernel("adam_step", in: TrainingKernels.source),
                   [.buffer(parameters), .buffer(gradients), .buffer(firstMoment), .buffer(secondMoment), .int(count),
                    .float(stepSize), .float(s.beta1), .float(s.beta2), .float(s.epsilon), .float(sqrtBias2), .float(s.weightDecay)],
                   global: [count])
    }

    /// Eight tensors per launch (`adam_steps`): one launch instead of eight for a small network's step.
    public func adamSteps(_ tensors: [AdamTensor<OpenCLBuffer>], settings s: AdamSettings, step: Int) throws {
        let (stepSize, sqrtBias2) = s.biasCorrections(step: step)
        let slots = 8
        for first in stride(from: 0, to: tensors.count, by: slots) {
            let group = tensors[first ..< min(tensors.count, first + slots)]
            var arguments: [KernelArgument] = []
            var end = 0
            for t in group {
                precondition([t.parameters.count, t.gradients.count, t.firstMoment.count, t.secondMoment.count].allSatisfy { $0 >= t.count },
                              "adamSteps: buffers too small")
                precondition(end <= Int(Int32.max) - t.count, "adamSteps: more than 2^31 parameters in one launch")
                end += t.count
                arguments += [.buffer(t.parameters), .buffer(t.gradients), .buffer(t.firstMoment), .buffer(t.secondMoment), .int(end)]
            }
            let unused = group.first!
            for _ in group.count ..< slots {
                arguments += [.buffer(unused.parameters), .buffer(unused.gradients), .buffer(unused.firstMoment),
                              .buffer(unused.secondMoment), .int(end)]
            }
            arguments += [.float(stepSize), .float(s.beta1), .float(s.beta2), .float(s.epsilon), .float(sqrtBias2), .float(s.weightDecay)]
            guard end > 0 else { continue }
            try launch(try kernel("adam_steps", in: TrainingKernels.source), arguments, global: [end])
        }
    }

    public func sgdStep(parameters: OpenCLBuffer, gradients: OpenCLBuffer, momentumBuffer: OpenCLBuffer?, count: Int,
                        settings s: SGDSettings, firstStep: Bool) throws {
        precondition(parameters.count >= count && gradients.count >= count, "sgdStep: buffers too small")
        precondition(s.momentum == 0 || (momentumBuffer?.count ?? 0) >= count, "sgdStep: momentum needs a momentum buffer")
        try launch(try kernel("sgd_step", in: TrainingKernels.source),
                   [.buffer(parameters), .buffer(gradients), .buffer(momentumBuffer ?? gradients), .int(count),
                    .float(s.learningRate), .float(s.momentum), .float(s.dampening), .float(s.weightDecay),
                    .int(s.nesterov ? 1 : 0), .int(firstStep ? 1 : 0)], global: [count])
    }

    public func dropout(_ x: OpenCLBuffer, into y: OpenCLBuffer, mask: OpenCLBuffer, count: Int, probability: Float, seed: UInt64) throws {
        precondition(x.count >= count && y.count >= count && mask.count >= count, "dropout: buffers too small")
        precondition(probability >= 0 && probability < 1, "dropout: probability \(probability) must be in [0, 1)")
        try launch(try kernel("dropout", in: TrainingKernels.source),
                   [.buffer(x), .buffer(y), .buffer(mask), .int(count), .float(probability),
                    .uint(UInt32(truncatingIfNeeded: seed)), .uint(UInt32(truncatingIfNeeded: seed >> 32))], global: [count])
    }
}
