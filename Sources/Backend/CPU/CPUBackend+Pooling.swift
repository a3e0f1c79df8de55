extension CPUBackend {
    public func maxPoolForward(_ x: CPUBuffer, geometry g: Pool2DGeometry, into y: CPUBuffer, indices: CPUBuffer) throws {
        precondition(x.count >= g.inputCount && y.count >= g.outputCount && indices.count >= g.outputCount, "maxPoolForward: buffers too small")
        let (oh, ow) = (g.outHeight, g.outWidth)
        let src = x.floats, dst = y.floats
        indices.withInts { idx in
            parallelFor(g.batch * g.channels, grain: 8) { range in
                for p in range {
                    let plane = src + p * g.inHeight * g.inWidth
                    for yo in 0 ..< oh {
                        for xo in 0 ..< ow {
                            var best = -Float.infinity, at = -1
                            for i in 0 ..< g.kernelHeight {
                                let h = yo * g.strideHeight - g.padHeight + i
                                guard h >= 0 && h < g.inHeight else { continue }
                                for j in 0 ..< g.kernelWidth {
                                    let w = xo * g.strideWidth - g.padWidth + j
                                    guard w >= 0 && w < g.inWidth else { continue }
                                    let v = plane[h * g.inWidth + w]
                                    if at < 0 || v > best || v.isNaN { best = v; at = h * g.inWidth + w }
                                }
                            }
                            let o = (p * oh + yo) * ow + xo
                            dst[o] = best
                            idx[o] = Int32(at)
                        }
                    }
                }
            }
        }
    }

    public func maxPoolBackward(_ dy: CPUBuffer, indices: CPUBuffer, geometry g: Pool2DGeometry, into dx: CPUBuffer) throws {
        precondition(dx.count >= g.inputCount && dy.count >= g.outputCount && indices.count >= g.outputCount, "maxPoolBackward: buffers too small")
        let planeIn = g.inHeight * g.inWidth, planeOut = g.outHeight * g.outWidth
        let src = dy.floats, dst = dx.floats
        indices.withInts { idx in
            parallelFor(g.batch * g.channels, grain: 8) { range in
                for p in range {
                    let plane = dst + p * planeIn
                    plane.update(repeating: 0, count: planeIn)
                    for o in 0 ..< planeOut {
                        let at = Int(idx[p * planeOut + o])
                        if at >= 0 { plane[at] += src[p * planeOut + o] }
                    }
                }
            }
        }
    }
}
