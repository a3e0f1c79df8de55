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
                let j = row % g.kernelWidth, i = (row / g.kernelWidth) % g.kernelHeight, c = row / (g.kernelWidth * g.kernelHeight)
                let plane = src + ((images.lowerBound + nl) * g.inChannels + c) * g.inHeight * g.inWidth
                let out = dst + row * columns + nl * oh * ow
                for y in 0 ..< oh {
                    let h = y * g.strideHeight - g.padHeight + i
                    let outRow = out + y * ow
                    guard h >= 0 && h < g.inHeight else { outRow.update(repeating: 0, count: ow); continue }
                    let inRow = plane + h * g.inWidth
                    for xo in 0 ..< ow {
                        let w = xo * g.strideWidth - g.padWidth + j
                        outRow[xo] = w >= 0 && w < g.inWidth ? inRow[w] : 0
                    }
                }
            }
        }
    }

    public func col2im(_ col: CPUBuffer, geometry g: Conv2DGeometry, images: Range<Int>, into dx: CPUBuffer) throws {
        let (oh, ow) = (g.outHeight, g.outWidth)
        let columns = images.count * oh * ow
        precondition(col.count >= g.patchSize * columns && dx.count >= g.inputCount, "col2im: buffers too small for \(g)")
        let src = col.floats, dst = dx.floats
        let planeSize = g.inHeight * g.inWidth
        // One task per (image, channel) plane: scatter its KH*KW column rows into it (no sharing).
        parallelFor(images.count * g.inChannels, grain: 1) { range in
            for task in range {
                let nl = task / g.inChannels, c = task % g.inChannels
                let plane = dst + ((images.lowerBound + nl) * g.inChannels + c) * planeSize
                plane.update(repeating: 0, count: planeSize)
                for i in 0 ..< g.kernelHeight {
                    for j in 0 ..< g.kernelWidth {
                        let source = src + ((c * g.kernelHeight + i) * g.kernelWidth + j) * columns + nl * oh * ow
                        for y in 0 ..< oh {
                            let h = y * g.strideHeight - g.padHeight + i
                            guard h >= 0 && h < g.inHeight else { continue }
                            for xo in 0 ..< ow {
                                let w = xo * g.strideWidth - g.padWidth + j
                                if w >= 0 && w < g.inWidth { plane[h * g.inWidth + w] += source[y * ow + xo] }
                            }
                        }
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
        parallelFor(channels, grain: max(1, 65_536 / max(1, outer * inner))) { range in
            for c in range {
                var sum: Float = 0
                for o in 0 ..< outer {
                    let row = src + (o * channels + c) * inner
                    var s: Float = 0
                    for i in 0 ..< inner { s += row[i] }
                    sum += s
                }
                dst[c] = sum
            }
        }
    }
}
