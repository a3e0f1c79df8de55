import CIntrinsics

extension CPUBackend {
    public func maxPoolForward(_ x: CPUBuffer, geometry g: Pool2DGeometry, into y: CPUBuffer, indices: CPUBuffer) throws {
        precondition(x.count >= g.inputCount && y.count >= g.outputCount && indices.count >= g.outputCount, "maxPoolForward: buffers too small")
        let (oh, ow) = (g.outHeight, g.outWidth)
        let src = x.floats, dst = y.floats
        if g.kernelHeight == 2, g.kernelWidth == 2, g.strideHeight == 2, g.strideWidth == 2, g.padHeight == 0, g.padWidth == 0 {
            maxPool2x2(src, geometry: g, into: dst, indices: indices)
            return
        }
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

    /// The common 2x2, stride 2, unpadded case without per-element bounds checks: the same
    /// maxima and indices as the general loop (first of a tie in row-major order, NaN wins);
    /// AVX-512F or AVX2 where the CPU has them (`convolution_rows.c`).
    private func maxPool2x2(_ src: UnsafeMutablePointer<Float>, geometry g: Pool2DGeometry, into dst: UnsafeMutablePointer<Float>,
                            indices: CPUBuffer) {
        let (oh, ow, w) = (g.outHeight, g.outWidth, g.inWidth)
        indices.withInts { idx in
            parallelFor(g.batch * g.channels, grain: 16) { range in
                for p in range {
                    let plane = src + p * g.inHeight * w
                    let out = dst + p * oh * ow, outIndex = idx + p * oh * ow
                    if fmnist_max_pool_2x2_plane(plane, g.inHeight, w, oh, ow, out, outIndex) == 1 { continue }
                    for yo in 0 ..< oh {
                        let top = plane + 2 * yo * w, bottom = top + w
                        var xo = 0
                        // Four outputs at a time, without branches (random data defeats the predictor).
                        while xo + 4 <= ow {
                            // Even and odd columns of eight inputs: two vector loads and a shuffle each.
                            @inline(__always) func split(_ row: UnsafeMutablePointer<Float>) -> (SIMD4<Float>, SIMD4<Float>) {
                                let a = UnsafeRawPointer(row + 2 * xo).loadUnaligned(as: SIMD4<Float>.self)
                                let b = UnsafeRawPointer(row + 2 * xo + 4).loadUnaligned(as: SIMD4<Float>.self)
                                return (SIMD4(a[0], a[2], b[0], b[2]), SIMD4(a[1], a[3], b[1], b[3]))
                            }
                            let (topEven, topOdd) = split(top), (bottomEven, bottomOdd) = split(bottom)
                            var best = topEven, at = SIMD4<Int32>(repeating: 0)
                            @inline(__always) func consider(_ v: SIMD4<Float>, _ k: Int32) {
                                let take = (v .> best) .| (v .!= v)
                                best.replace(with: v, where: take)
                                at.replace(with: k, where: take)
                            }
                            consider(topOdd, 1)
                            consider(bottomEven, 2)
                            consider(bottomOdd, 3)
                            let column = SIMD4<Int32>(0, 2, 4, 6) &+ Int32(2 * xo)
                            let index = (Int32(2 * yo) &+ (at &>> 1)) &* Int32(w) &+ column &+ (at & 1)
                            UnsafeMutableRawPointer(out + yo * ow + xo).storeBytes(of: best, as: SIMD4<Float>.self)
                            UnsafeMutableRawPointer(outIndex + yo * ow + xo).storeBytes(of: index, as: SIMD4<Int32>.self)
                            xo += 4
                        }
                        while xo < ow {
                            var best = top[2 * xo], at = 0
                            @inline(__always) func consider(_ v: Float, _ k: Int) {
                                let take = v > best || v.isNaN
                                best = take ? v : best
                                at = take ? k : at
                            }
                            consider(top[2 * xo + 1], 1)
                            consider(bottom[2 * xo], 2)
                            consider(bottom[2 * xo + 1], 3)
                            out[yo * ow + xo] = best
                            outIndex[yo * ow + xo] = Int32((2 * yo + (at >> 1)) * w + 2 * xo + (at & 1))
                            xo += 1
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
