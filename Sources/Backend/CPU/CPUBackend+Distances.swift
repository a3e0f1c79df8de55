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

    public func oneHot(_ labels: CPUBuffer, count: Int, classes: Int, into out: CPUBuffer) throws {
        precondition(count <= labels.count && classes * count <= out.count, "oneHot: buffers too small for \(classes) x \(count)")
        let o = out.floats
        o.update(repeating: 0, count: classes * count)
        labels.withInts { l in
            for i in 0 ..< count where l[i] >= 0 && Int(l[i]) < classes { o[Int(l[i]) * count + i] = 1 }
        }
    }
}
