import CIntrinsics

extension CPUBackend {
    public func im2col(_ x: CPUBuffer, geometry g: Conv2DGeometry, images: Range<Int>, into col: CPUBuffer) throws {
        let (oh, ow) = (g.outHeight, g.outWidth)
        let columns = images.count * oh * ow
        precondition(col.count >= g.patchSize * columns && x.count >= g.inputCount, "im2col: buffers too small for \(g)")
        let src = x.floats, dst = col.floats
        // One task per (patch row, image): a contiguous run of OH*OW outputs.
        parallelFor(g.patchSize * images.count, grain: max(1, 4096 / (oh * ow))) { range in
            for task in range {
                let row = task / images.count, nl = task % images.count
                Self.im2colRun(src, geometry: g, image: images.lowerBound + nl, row: row, into: dst + row * columns + nl * oh * ow)
            }
        }
    }

    /// All `patchSize` rows of image `image`'s columns, `[patchSize, OH*OW]` from `out`, on the calling thread.
    /// AVX-512F or AVX2 where the CPU has them (`convolution_rows.c`: the same words).
    static func im2colImage(_ src: UnsafeMutablePointer<Float>, geometry g: Conv2DGeometry, image: Int, into out: UnsafeMutablePointer<Float>) {
        var rows = g.patchRows
        if fmnist_im2col_image(src + image * g.inChannels * g.inHeight * g.inWidth, &rows, out) == 1 { return }
        let spatial = g.outHeight * g.outWidth
        for row in 0 ..< g.patchSize { im2colRun(src, geometry: g, image: image, row: row, into: out + row * spatial) }
    }

    /// Patch row `row` of image `image` of `src`: the OH*OW entries `out[oh*OW + ow] =
    /// x[image, c, oh*SH - PH + i, ow*SW - PW + j]` (0 in the padding), `row = (c*KH + i)*KW + j`.
    @inline(__always)
    static func im2colRun(_ src: UnsafeMutablePointer<Float>, geometry g: Conv2DGeometry, image: Int, row: Int,
                          into out: UnsafeMutablePointer<Float>) {
        let (oh, ow) = (g.outHeight, g.outWidth)
        let j = row % g.kernelWidth, i = (row / g.kernelWidth) % g.kernelHeight, c = row / (g.kernelWidth * g.kernelHeight)
        let plane = src + (image * g.inChannels + c) * g.inHeight * g.inWidth
        let (lo, hi) = validOutputRange(offset: j - g.padWidth, stride: g.strideWidth, outputs: ow, inputs: g.inWidth)
        for y in 0 ..< oh {
            let h = y * g.strideHeight - g.padHeight + i
            let outRow = out + y * ow
            guard h >= 0 && h < g.inHeight, lo < hi else { outRow.update(repeating: 0, count: ow); continue }
            let inRow = plane + h * g.inWidth + (j - g.padWidth)
            if lo > 0 { outRow.update(repeating: 0, count: lo) }
            if g.strideWidth == 1 {
                (outRow + lo).update(from: inRow + lo, count: hi - lo)
            } else {
                for xo in lo ..< hi { outRow[xo] = inRow[xo * g.strideWidth] }
            }
            if hi < ow { (outRow + hi).update(repeating: 0, count: ow - hi) }
        }
    }

    public func col2im(_ col: CPUBuffer, geometry g: Conv2DGeometry, images: Range<Int>, into dx: CPUBuffer) throws {
        let columns = images.count * g.outHeight * g.outWidth
        precondition(col.count >= g.patchSize * columns && dx.count >= g.inputCount, "col2im: buffers too small for \(g)")
        let src = col.floats, dst = dx.floats
        // One task per (image, channel) plane: scatter its KH*KW column rows into it (no sharing).
        parallelFor(images.count * g.inChannels, grain: 1) { range in
            for task in range {
                let nl = task / g.inChannels, c = task % g.inChannels
                Self.col2imPlane(src + nl * g.outHeight * g.outWidth, rowStride: columns, geometry: g,
                                 image: images.lowerBound + nl, channel: c, into: dst)
            }
        }
    }

    /// Overwrites plane `channel` of image `image` of `dst` with the sum of the column entries that
    /// came from each of its positions; column row `r` of the image starts at `src + r * rowStride`.
    /// AVX-512 where the CPU has it (`convolution_rows.c`: the same additions in the same order).
    @inline(__always)
    static func col2imPlane(_ src: UnsafeMutablePointer<Float>, rowStride: Int, geometry g: Conv2DGeometry, image: Int,
                            channel c: Int, into dst: UnsafeMutablePointer<Float>) {
        let (oh, ow) = (g.outHeight, g.outWidth)
        let planeSize = g.inHeight * g.inWidth
        let plane = dst + (image * g.inChannels + c) * planeSize
        var rows = g.patchRows
        if fmnist_col2im_plane(src, rowStride, &rows, c, plane) == 1 { return }
        plane.update(repeating: 0, count: planeSize)
        for i in 0 ..< g.kernelHeight {
            for j in 0 ..< g.kernelWidth {
                let source = src + ((c * g.kernelHeight + i) * g.kernelWidth + j) * rowStride
                let (lo, hi) = validOutputRange(offset: j - g.padWidth, stride: g.strideWidth, outputs: ow, inputs: g.inWidth)
                guard lo < hi else { continue }
                for y in 0 ..< oh {
                    let h = y * g.strideHeight - g.padHeight + i
                    guard h >= 0 && h < g.inHeight else { continue }
                    let target = plane + h * g.inWidth + (j - g.padWidth), from = source + y * ow
                    if g.strideWidth == 1 {
                        for xo in lo ..< hi { target[xo] += from[xo] }
                    } else {
                        for xo in lo ..< hi { target[xo * g.strideWidth] += from[xo] }
                    }
                }
            }
        }
    }

    public func swapLeadingAxes(_ x: CPUBuffer, xOffset: Int, a: Int, b: Int, k: Int, into y: CPUBuffer, yOffset: Int) throws {
        precondition(xOffset + a * b * k <= x.count && yOffset + a * b * k <= y.count, "swapLeadingAxes: buffers too small")
        let src = x.floats + xOffset, dst = y.floats + yOffset
        parallelFor(a * b, grain: max(1, 16_384 / max(1, k))) { range in
            for ab in range {
                let (i, j) = (ab / b, ab % b)
                (dst + (j * a + i) * k).update(from: src + ab * k, count: k)
            }
        }
    }

    public func addBias(_ x: CPUBuffer, bias: CPUBuffer, outer: Int, channels: Int, inner: Int) throws {
        precondition(x.count >= outer * channels * inner && bias.count >= channels, "addBias: buffers too small")
        let dst = x.floats, b = bias.floats
        if inner == 1 {
            // Rows of a linear layer's output: the bias vector added to each, eight channels at a time.
            parallelFor(outer, grain: max(1, 16_384 / max(1, channels))) { range in
                for o in range { addVector(b, to: dst + o * channels, count: channels) }
            }
            return
        }
        parallelFor(outer * channels, grain: max(1, 16_384 / max(1, inner))) { range in
            for oc in range {
                let value = b[oc % channels]
                let row = dst + oc * inner
                for i in 0 ..< inner { row[i] += value }
            }
        }
    }

    public func biasGradient(_ dy: CPUBuffer, outer: Int, channels: Int, inner: Int, into db: CPUBuffer) throws {
        precondition(dy.count >= outer * channels * inner && db.count >= channels, "biasGradient: buffers too small")
        let src = dy.floats, dst = db.floats
        if inner == 1 {
            // A linear layer's rows: each channel's sum over the rows in row order (the general loop's
            // additions, so the same bits), eight channels at a time along the contiguous rows.
            parallelFor(channels, grain: max(8, 65_536 / max(1, outer))) { range in
                var c = range.lowerBound
                while c + 8 <= range.upperBound {
                    var sum = SIMD8<Float>(repeating: 0)
                    for o in 0 ..< outer { sum += UnsafeRawPointer(src + o * channels + c).loadUnaligned(as: SIMD8<Float>.self) }
                    UnsafeMutableRawPointer(dst + c).storeBytes(of: sum, as: SIMD8<Float>.self)
                    c += 8
                }
                for c in c ..< range.upperBound {
                    var sum: Float = 0
                    for o in 0 ..< outer { sum += src[o * channels + c] }
                    dst[c] = sum
                }
            }
            return
        }
        parallelFor(channels, grain: max(1, 65_536 / max(1, outer * inner))) { range in
            for c in range {
                var sum: Float = 0
                for o in 0 ..< outer { sum += vectorSum(src + (o * channels + c) * inner, count: inner) }
                dst[c] = sum
            }
        }
    }
}

/// `row[0 ..< count] += bias[0 ..< count]`, eight lanes at a time.
@inline(__always)
private func addVector(_ bias: UnsafeMutablePointer<Float>, to row: UnsafeMutablePointer<Float>, count: Int) {
    var c = 0
    while c + 8 <= count {
        let sum = UnsafeRawPointer(row + c).loadUnaligned(as: SIMD8<Float>.self) + UnsafeRawPointer(bias + c).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(row + c).storeBytes(of: sum, as: SIMD8<Float>.self)
        c += 8
    }
    while c < count { row[c] += bias[c]; c += 1 }
}

extension Conv2DGeometry {
    /// One image's geometry as `convolution_rows.c` takes it.
    var patchRows: fmnist_patch_geometry {
        fmnist_patch_geometry(channels: inChannels, height: inHeight, width: inWidth, kernel_height: kernelHeight,
                              kernel_width: kernelWidth, stride_height: strideHeight, stride_width: strideWidth,
                              pad_height: padHeight, pad_width: padWidth, out_height: outHeight, out_width: outWidth)
    }
}

/// Output columns `lo ..< hi` whose input column `xo * stride + offset` lies in `0 ..< inputs`
/// (`offset` is the kernel column minus the padding).
@inline(__always)
func validOutputRange(offset: Int, stride: Int, outputs: Int, inputs: Int) -> (Int, Int) {
    // xo * stride + offset >= 0  <=>  xo >= ceil(-offset / stride)
    let lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride
    // xo * stride + offset <= inputs - 1  <=>  xo <= floor((inputs - 1 - offset) / stride)
    let last = inputs - 1 - offset
    let hi = last < 0 ? 0 : last / stride + 1
    return (min(lo, outputs), min(max(hi, 0), outputs))
}
