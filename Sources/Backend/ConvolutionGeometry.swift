/// Shape of a 2-D convolution over NCHW tensors, with PyTorch's `Conv2d` semantics.
///
/// Input `[batch, inChannels, inHeight, inWidth]`, weight `[outChannels, inChannels, kernelHeight,
/// kernelWidth]`, bias `[outChannels]`, output `[batch, outChannels, outHeight, outWidth]` with
/// `outHeight = (inHeight + 2 padHeight - kernelHeight) / strideHeight + 1` (floor), likewise for width.
/// Padding is zeros.
public struct Conv2DGeometry: Hashable, Sendable, CustomStringConvertible {
    public let batch: Int, inChannels: Int, inHeight: Int, inWidth: Int
    public let outChannels: Int, kernelHeight: Int, kernelWidth: Int
    public let strideHeight: Int, strideWidth: Int, padHeight: Int, padWidth: Int

    /// Validates what a user can get wrong (sizes below 1, a stride of 0, negative padding, a
    /// kernel larger than the padded input) and throws `BackendError.invalidArgument` naming it.
    public init(batch: Int, inChannels: Int, inHeight: Int, inWidth: Int, outChannels: Int,
                kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0)) throws {
        for (name, value) in [("batch", batch), ("input channels", inChannels), ("input height", inHeight),
                              ("input width", inWidth), ("output channels", outChannels),
                              ("kernel height", kernel.0), ("kernel width", kernel.1)] where value < 1 {
            throw BackendError.invalidArgument("convolution: \(name) is \(value), must be at least 1")
        }
        guard stride.0 >= 1, stride.1 >= 1 else {
            throw BackendError.invalidArgument("convolution: stride \(stride.0)x\(stride.1) must be at least 1")
        }
        guard padding.0 >= 0, padding.1 >= 0 else {
            throw BackendError.invalidArgument("convolution: padding \(padding.0)x\(padding.1) must not be negative")
        }
        guard kernel.0 <= inHeight + 2 * padding.0, kernel.1 <= inWidth + 2 * padding.1 else {
            throw BackendError.invalidArgument("convolution: kernel \(kernel.0)x\(kernel.1) is larger than the padded input "
                + "\(inHeight + 2 * padding.0)x\(inWidth + 2 * padding.1)")
        }
        (self.batch, self.inChannels, self.inHeight, self.inWidth, self.outChannels) = (batch, inChannels, inHeight, inWidth, outChannels)
        (kernelHeight, kernelWidth, strideHeight, strideWidth, padHeight, padWidth) = (kernel.0, kernel.1, stride.0, stride.1, padding.0, padding.1)
    }

    public var outHeight: Int { (inHeight + 2 * padHeight - kernelHeight) / strideHeight + 1 }
    public var outWidth: Int { (inWidth + 2 * padWidth - kernelWidth) / strideWidth + 1 }
    public var inputCount: Int { batch * inChannels * inHeight * inWidth }
    public var outputCount: Int { batch * outChannels * outHeight * outWidth }
    public var weightCount: Int { outChannels * inChannels * kernelHeight * kernelWidth }
    /// Rows of the im2col matrix: `inChannels * kernelHeight * kernelWidth`.
    public var patchSize: Int { inChannels * kernelHeight * kernelWidth }
    /// Multiply-adds of the forward pass, times two.
    public var forwardFlops: Double { 2 * Double(outputCount) * Double(patchSize) }

    public var description: String {
        "\(batch)x\(inChannels)x\(inHeight)x\(inWidth) -> \(outChannels) k\(kernelHeight)x\(kernelWidth) "
            + "s\(strideHeight)x\(strideWidth) p\(padHeight)x\(padWidth)"
    }
}

/// Shape of a 2-D transposed convolution ("deconvolution") with PyTorch's `ConvTranspose2d`
/// semantics: input `[batch, inChannels, H, W]`, weight `[inChannels, outChannels, kh, kw]`, bias
/// `[outChannels]`, output `[batch, outChannels, OH, OW]` with
/// `OH = (H - 1) * stride - 2 * pad + kh + outputPadding` (likewise for width).
///
/// It is the adjoint (gradient with respect to the input) of the convolution `adjoint`, which maps
/// `[batch, outChannels, OH, OW]` to `[batch, inChannels, H, W]` with the same weight tensor.
public struct ConvTranspose2DGeometry: Hashable, Sendable, CustomStringConvertible {
    /// The convolution whose input gradient this transposed convolution computes.
    public let adjoint: Conv2DGeometry
    public let outputPaddingHeight: Int, outputPaddingWidth: Int

    public init(batch: Int, inChannels: Int, inHeight: Int, inWidth: Int, outChannels: Int, kernel: (Int, Int),
                stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), outputPadding: (Int, Int) = (0, 0)) throws {
        guard outputPadding.0 >= 0, outputPadding.1 >= 0, outputPadding.0 < max(1, stride.0), outputPadding.1 < max(1, stride.1) else {
            throw BackendError.invalidArgument("transposed convolution: output padding \(outputPadding.0)x\(outputPadding.1) "
                + "must be non-negative and smaller than the stride \(stride.0)x\(stride.1)")
        }
        guard stride.0 >= 1, stride.1 >= 1 else {
            throw BackendError.invalidArgument("transposed convolution: stride \(stride.0)x\(stride.1) must be at least 1")
        }
        let outHeight = (inHeight - 1) * stride.0 - 2 * padding.0 + kernel.0 + outputPadding.0
        let outWidth = (inWidth - 1) * stride.1 - 2 * padding.1 + kernel.1 + outputPadding.1
        guard outHeight >= 1, outWidth >= 1 else {
            throw BackendError.invalidArgument("transposed convolution: output would be \(outHeight)x\(outWidth)")
        }
        adjoint = try Conv2DGeometry(batch: batch, inChannels: outChannels, inHeight: outHeight, inWidth: outWidth,
                                     outChannels: inChannels, kernel: kernel, stride: stride, padding: padding)
        guard adjoint.outHeight == inHeight, adjoint.outWidth == inWidth else {
            throw BackendError.invalidArgument("transposed convolution: input \(inHeight)x\(inWidth) does not fit kernel, stride and padding")
        }
        (outputPaddingHeight, outputPaddingWidth) = outputPadding
    }

    public var batch: Int { adjoint.batch }
    public var inChannels: Int { adjoint.outChannels }
    public var outChannels: Int { adjoint.inChannels }
    public var inHeight: Int { adjoint.outHeight }
    public var inWidth: Int { adjoint.outWidth }
    public var outHeight: Int { adjoint.inHeight }
    public var outWidth: Int { adjoint.inWidth }
    public var inputCount: Int { adjoint.outputCount }
    public var outputCount: Int { adjoint.inputCount }
    public var weightCount: Int { adjoint.weightCount }
    public var forwardFlops: Double { adjoint.forwardFlops }
    public var description: String {
        "\(batch)x\(inChannels)x\(inHeight)x\(inWidth) -> \(outChannels) (transposed, \(adjoint.description))"
    }
}

/// Shape of a 2-D max-pooling over NCHW tensors (PyTorch's `MaxPool2d` without dilation or
/// ceil mode): `outHeight = (inHeight + 2 pad - kernel) / stride + 1`; padding never wins the max.
public struct Pool2DGeometry: Hashable, Sendable {
    public let batch: Int, channels: Int, inHeight: Int, inWidth: Int
    public let kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int, padHeight: Int, padWidth: Int

    public init(batch: Int, channels: Int, inHeight: Int, inWidth: Int, kernel: (Int, Int),
                stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) throws {
        let stride = stride ?? kernel
        guard batch >= 1, channels >= 1, inHeight >= 1, inWidth >= 1, kernel.0 >= 1, kernel.1 >= 1 else {
            throw BackendError.invalidArgument("max-pool: sizes must be at least 1")
        }
        guard stride.0 >= 1, stride.1 >= 1 else { throw BackendError.invalidArgument("max-pool: stride \(stride.0)x\(stride.1) must be at least 1") }
        guard padding.0 >= 0, padding.1 >= 0, padding.0 * 2 <= kernel.0, padding.1 * 2 <= kernel.1 else {
            throw BackendError.invalidArgument("max-pool: padding must be between 0 and half the kernel (PyTorch's rule)")
        }
        guard kernel.0 <= inHeight + 2 * padding.0, kernel.1 <= inWidth + 2 * padding.1 else {
            throw BackendError.invalidArgument("max-pool: kernel \(kernel.0)x\(kernel.1) is larger than the padded input")
        }
        (self.batch, self.channels, self.inHeight, self.inWidth) = (batch, channels, inHeight, inWidth)
        (kernelHeight, kernelWidth, strideHeight, strideWidth, padHeight, padWidth) = (kernel.0, kernel.1, stride.0, stride.1, padding.0, padding.1)
    }

    public var outHeight: Int { (inHeight + 2 * padHeight - kernelHeight) / strideHeight + 1 }
    public var outWidth: Int { (inWidth + 2 * padWidth - kernelWidth) / strideWidth + 1 }
    public var inputCount: Int { batch * channels * inHeight * inWidth }
    public var outputCount: Int { batch * channels * outHeight * outWidth }
}
