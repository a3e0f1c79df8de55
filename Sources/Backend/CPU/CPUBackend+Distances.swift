import CIntrinsics
import CBLAS

extension CPUBackend {
    public func rowSquaredNorms(_ x: CPUBuffer, offset: Int, rows: Int, cols: Int, into out: CPUBuffer, outOffset: Int) throws {
        precondition(offset + rows * cols <= x.count && outOffset + rows <= out.count, "rowSquaredNorms: buffers too small")
        let src = x.floats + offset
        let dst = out.floats + outOffset
        parallelFor(rows, grain: max(1, 16_384 / max(1, cols))) { range in
            for r in range {
                let row = src + r * cols
                dst[r] = cblas_sdot(Int32(cols), row, 1, row, 1)
            }
        }
    }

    public func squaredDistances(x: CPUBuffer, xOffset: Int, xNorms: CPUBuffer, xNormsOffset: Int, rows: Int,
                                 y: CPUBuffer, yNorms: CPUBuffer, yRows: Int, dim: Int, into out: CPUBuffer) throws {
        precondition(xNormsOffset + rows <= xNorms.count && yRows <= yNorms.count, "squaredDistances: norms too small")
        precondition(out.count >= rows * yRows, "squaredDistances: out holds \(out.count), needs \(rows * yRows)")
        try gemm(x, aOffset: xOffset, y, bOffset: 0, into: out, cOffset: 0, m: rows, n: yRows, k: dim,
                 transA: false, transB: true, alpha: -2, beta: 0)
        let d = out.floats
        let xn = xNorms.floats + xNormsOffset
        let yn = yNorms.floats
        parallelFor(rows, grain: max(1, 32_768 / max(1, yRows))) { range in
            for i in range {
                let row = d + i * yRows
                let a = xn[i]
                for j in 0 ..< yRows { row[j] = max(0, row[j] + (a + yn[j])) }
            }
        }
    }

    public func rowArgmin(_ d: CPUBuffer, rows: Int, cols: Int, indices: CPUBuffer, indicesOffset: Int,
                          minima: CPUBuffer, minimaOffset: Int) throws {
        precondition(cols >= 1 && d.count >= rows * cols, "rowArgmin: d holds \(d.count), needs \(rows * cols)")
        precondition(indicesOffset + rows <= indices.count && minimaOffset + rows <= minima.count, "rowArgmin: outputs too small")
        let src = d.floats
        let mins = minima.floats + minimaOffset
        indices.withInts { idx in
            let out = idx + indicesOffset
            parallelFor(rows, grain: max(1, 32_768 / cols)) { range in
                for r in range {
                    let row = src + r * cols
                    var best = Float.infinity
                    var at = -1
                    for c in 0 ..< cols where row[c] < best || (at < 0 && row[c] == best) {
                        best = row[c]; at = c
                    }
                    out[r] = Int32(max(at, 0))
                    mins[r] = at >= 0 ? best : row[0]
                }
            }
        }
    }

    public func rowTopK(_ d: CPUBuffer, rows: Int, cols: Int, k: Int, columnOffset: Int, indices: CPUBuffer, values: CPUBuffer,
                        outRow: Int) throws {
        precondition(k >= 1 && d.count >= rows * cols, "rowTopK: d holds \(d.count), needs \(rows * cols)")
        precondition((outRow + rows) * k <= indices.count && (outRow + rows) * k <= values.count, "rowTopK: outputs too small")
        let src = d.floats
        let outValues = values.floats
        indices.withInts { idx in
            parallelFor(rows, grain: max(1, 65_536 / max(1, cols))) { range in
                for r in range {
                    let row = src + r * cols, bv = outValues + (outRow + r) * k, bi = idx + (outRow + r) * k
                    var filled = 0
                    var threshold = Float.infinity
                    var c = 0
                    while c < cols {
                        // Once k are held, most values lose to the k-th: the scan skips to the next
                        // smaller one (the same values are considered in the same order, so the same result).
                        if filled == k { c = fmnist_first_below(row, c, cols, threshold); if c == cols { break } }
                        let v = row[c]
                        c += 1
                        // One comparison for the common case; NaN fails it and is never taken.
                        guard v < threshold || (filled < k && v == .infinity) else { continue }
                        var p = filled < k ? filled : k - 1
                        while p > 0 && bv[p - 1] > v { bv[p] = bv[p - 1]; bi[p] = bi[p - 1]; p -= 1 }
                        bv[p] = v
                        bi[p] = Int32(c - 1 + columnOffset)
                        if filled < k { filled += 1 }
                        if filled == k { threshold = bv[k - 1] }
                    }
                    for j in filled ..< k { bv[j] = .infinity; bi[j] = -1 }
                }
            }
        }
    }

    public func oneHot(_ labels: CPUBuffer, count: Int, classes: Int, into out: CPUBuffer) throws {
        precondition(count <= labels.count && classes * count <= out.count, "oneHot: buffers too small for \(classes) x \(count)")
        let o = out.floats
        o.update(repeating: 0, count: classes * count)
        labels.withInts { l in
            for i in 0 ..< count where l[i] >= 0 && Int(l[i]) < classes { o[Int(l[i]) * count + i] = 1 }
        }
    }

    public func rowCountWithin(_ d: CPUBuffer, rows: Int, cols: Int, radius: Float, columnMask: CPUBuffer?, columns: NeighbourColumns,
                               rowBase: Int, counts: CPUBuffer, countsOffset: Int) throws {
        precondition(d.count >= rows * cols && countsOffset + rows <= counts.count, "rowCountWithin: buffers too small")
        precondition(columnMask.map { $0.count >= cols } ?? true, "rowCountWithin: mask shorter than \(cols)")
        let src = d.floats
        counts.withInts { out in
            withMask(columnMask) { mask in
                parallelFor(rows, grain: max(1, 65_536 / max(1, cols))) { range in
                    for r in range {
                        let row = src + r * cols
                        var n: Int32 = 0
                        for c in 0 ..< cols where row[c] <= radius && (mask?[c] ?? 1) != 0 && columns.allows(c, point: rowBase + r) { n += 1 }
                        out[countsOffset + r] = n
                    }
                }
            }
        }
    }

    public func rowColumnsWithin(_ d: CPUBuffer, rows: Int, cols: Int, radius: Float, columnMask: CPUBuffer?, columns: NeighbourColumns,
                                 rowBase: Int, offsets: CPUBuffer, into out: CPUBuffer) throws {
        precondition(d.count >= rows * cols && offsets.count >= rows + 1, "rowColumnsWithin: buffers too small")
        precondition(columnMask.map { $0.count >= cols } ?? true, "rowColumnsWithin: mask shorter than \(cols)")
        let src = d.floats
        offsets.withInts { offsets in
            precondition(rows == 0 || Int(offsets[rows]) <= out.count, "rowColumnsWithin: lists end past the output")
            out.withInts { list in
                withMask(columnMask) { mask in
                    parallelFor(rows, grain: max(1, 65_536 / max(1, cols))) { range in
                        for r in range {
                            var at = Int(offsets[r])
                            let end = Int(offsets[r + 1]), row = src + r * cols
                            var c = 0
                            while c < cols && at < end {
                                if row[c] <= radius && (mask?[c] ?? 1) != 0 && columns.allows(c, point: rowBase + r) { list[at] = Int32(c); at += 1 }
                                c += 1
                            }
                        }
                    }
                }
            }
        }
    }

    public func rowMinLabelWithin(_ d: CPUBuffer, rows: Int, cols: Int, radius: Float, labels: CPUBuffer, columns: NeighbourColumns,
                                  rowBase: Int, into out: CPUBuffer, outOffset: Int) throws {
        precondition(d.count >= rows * cols && labels.count >= cols && outOffset + rows <= out.count, "rowMinLabelWithin: buffers too small")
        let src = d.floats
        labels.withInts { labels in
            out.withInts { out in
                parallelFor(rows, grain: max(1, 65_536 / max(1, cols))) { range in
                    for r in range {
                        let row = src + r * cols
                        var best = Int32.max
                        for c in 0 ..< cols where labels[c] >= 0 && labels[c] < best && row[c] <= radius && columns.allows(c, point: rowBase + r) {
                            best = labels[c]
                        }
                        out[outOffset + r] = best == .max ? -1 : best
                    }
                }
            }
        }
    }

    public func rowNearestOtherComponent(_ d: CPUBuffer, rows: Int, cols: Int, rowBase: Int, components: CPUBuffer, core: CPUBuffer,
                                         indices: CPUBuffer, values: CPUBuffer, outOffset: Int) throws {
        precondition(d.count >= rows * cols && components.count >= cols && core.count >= cols && rowBase + rows <= cols,
                      "rowNearestOtherComponent: d, components or core too small")
        precondition(outOffset + rows <= indices.count && outOffset + rows <= values.count, "rowNearestOtherComponent: outputs too small")
        let src = d.floats, cores = core.floats, best = values.floats + outOffset
        components.withInts { components in
            indices.withInts { indices in
                parallelFor(rows, grain: max(1, 65_536 / max(1, cols))) { range in
                    for r in range {
                        let row = src + r * cols, point = rowBase + r, own = components[point], ownCore = cores[point]
                        var value = Float.infinity, at: Int32 = -1
                        for c in 0 ..< cols where components[c] != own {
                            let w = max(max(row[c], 0).squareRoot(), ownCore, cores[c])
                            if w < value || (at < 0 && w == value) { (value, at) = (w, Int32(c)) }
                        }
                        indices[outOffset + r] = at
                        best[r] = value
                    }
                }
            }
        }
    }

    private func withMask<R>(_ mask: CPUBuffer?, _ body: (UnsafeMutablePointer<Int32>?) -> R) -> R {
        if let mask { return mask.withInts { body($0) } }
        return body(nil)
    }
}
