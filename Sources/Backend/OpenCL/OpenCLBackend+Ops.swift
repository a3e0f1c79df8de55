import Kernels

extension OpenCLBackend {
    public func gemm(_ a: OpenCLBuffer, aOffset: Int, _ b: OpenCLBuffer, bOffset: Int, into c: OpenCLBuffer, cOffset: Int,
                     m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float) throws {
        checkGemmShapes(a: a.count - aOffset, b: b.count - bOffset, c: c.count - cOffset, m: m, n: n, k: k)
        guard m > 0, n > 0 else { return }
        let t = gemmTiling
        let kernel = try kernel("gemm", in: GemmKernels.source, options: t.options(transA: transA, transB: transB))
        try launch(kernel, [.int(m), .int(n), .int(k), .float(alpha), .float(beta),
                            .buffer(a), .int(aOffset), .buffer(b), .int(bOffset), .buffer(c), .int(cOffset)],
                   global: [(n + t.tileN - 1) / t.tileN * (t.tileN / t.workN), (m + t.tileM - 1) / t.tileM * (t.tileM / t.workM)],
                   local: [t.tileN / t.workN, t.tileM / t.workM])
    }

    public func rowSquaredNorms(_ x: OpenCLBuffer, offset: Int, rows: Int, cols: Int, into out: OpenCLBuffer, outOffset: Int) throws {
        precondition(offset + rows * cols <= x.count && outOffset + rows <= out.count, "rowSquaredNorms: buffers too small")
        try reduceRows(opCode: 4, x, offset: offset, rows: rows, cols: cols, into: out, outOffset: outOffset)
    }

    public func squaredDistances(x: OpenCLBuffer, xOffset: Int, xNorms: OpenCLBuffer, xNormsOffset: Int, rows: Int,
                                 y: OpenCLBuffer, yNorms: OpenCLBuffer, yRows: Int, dim: Int, into out: OpenCLBuffer) throws {
        precondition(xOffset + rows * dim <= x.count && yRows * dim <= y.count, "squaredDistances: x or y too small")
        precondition(xNormsOffset + rows <= xNorms.count && yRows <= yNorms.count, "squaredDistances: norms too small")
        precondition(out.count >= rows * yRows, "squaredDistances: out holds \(out.count), needs \(rows * yRows)")
        guard rows > 0, yRows > 0 else { return }
        let t = gemmTiling
        let kernel = try kernel("gemm_distance", in: GemmKernels.source, options: t.options(transA: false, transB: true))
        try launch(kernel, [.int(rows), .int(yRows), .int(dim), .float(-2), .buffer(x), .int(xOffset), .buffer(y),
                            .buffer(xNorms), .int(xNormsOffset), .buffer(yNorms), .buffer(out)],
                   global: [(yRows + t.tileN - 1) / t.tileN * (t.tileN / t.workN), (rows + t.tileM - 1) / t.tileM * (t.tileM / t.workM)],
                   local: [t.tileN / t.workN, t.tileM / t.workM])
    }

    public func rowArgmin(_ d: OpenCLBuffer, rows: Int, cols: Int, indices: OpenCLBuffer, indicesOffset: Int,
                          minima: OpenCLBuffer, minimaOffset: Int) throws {
        precondition(cols >= 1 && d.count >= rows * cols, "rowArgmin: d holds \(d.count), needs \(rows * cols)")
        precondition(indicesOffset + rows <= indices.count && minimaOffset + rows <= minima.count, "rowArgmin: outputs too small")
        let group = reductionGroupSize
        let kernel = try kernel("row_argmin", in: ReductionKernels.source, options: "-DWG=\(group)")
        try launch(kernel, [.int(rows), .int(cols), .buffer(d), .buffer(indices), .int(indicesOffset),
                            .buffer(minima), .int(minimaOffset)],
                   global: [rows * group], local: [group])
    }

    public func map(_ f: UnaryFunction, _ x: OpenCLBuffer, into y: OpenCLBuffer, count: Int) throws {
        precondition(count <= x.count && count <= y.count, "map: count \(count) exceeds a buffer")
        let kernel = try kernel("map_unary", in: ElementwiseKernels.source)
        try launch(kernel, [.int(Int(f.rawValue)), .int(count), .buffer(x), .buffer(y)], global: [count])
    }

    public func combine(_ f: BinaryFunction, _ a: OpenCLBuffer, _ b: OpenCLBuffer, into c: OpenCLBuffer, count: Int) throws {
        precondition(count <= a.count && count <= b.count && count <= c.count, "combine: count \(count) exceeds a buffer")
        let kernel = try kernel("map_binary", in: ElementwiseKernels.source)
        try launch(kernel, [.int(Int(f.rawValue)), .int(count), .buffer(a), .buffer(b), .buffer(c)], global: [count])
    }

    public func scale(_ x: OpenCLBuffer, by alpha: Float, into y: OpenCLBuffer, count: Int) throws {
        precondition(count <= x.count && count <= y.count, "scale: count \(count) exceeds a buffer")
        let kernel = try kernel("scale", in: ElementwiseKernels.source)
        try launch(kernel, [.int(count), .float(alpha), .buffer(x), .buffer(y)], global: [count])
    }

    public func axpy(alpha: Float, x: OpenCLBuffer, y: OpenCLBuffer, count: Int) throws {
        precondition(count <= x.count && count <= y.count, "axpy: count \(count) exceeds a buffer")
        let kernel = try kernel("axpy", in: ElementwiseKernels.source)
        try launch(kernel, [.int(count), .float(alpha), .buffer(x), .buffer(y)], global: [count])
    }

    public func activationGradient(_ f: Activation, output y: OpenCLBuffer, gradient dy: OpenCLBuffer, into dx: OpenCLBuffer,
                                   count: Int) throws {
        precondition(count <= y.count && count <= dy.count && count <= dx.count, "activationGradient: count \(count) exceeds a buffer")
        let kernel = try kernel("activation_gradient", in: ElementwiseKernels.source)
        try launch(kernel, [.int(Int(f.rawValue)), .int(count), .buffer(y), .buffer(dy), .buffer(dx)], global: [count])
    }

    public func reduce(_ op: Reduction, _ x: OpenCLBuffer, rows: Int, cols: Int, along axis: ReductionAxis,
                       into out: OpenCLBuffer) throws {
        precondition(rows >= 1 && cols >= 1 && x.count >= rows * cols, "reduce: x holds \(x.count), needs \(rows)x\(cols)")
        switch axis {
        case .eachRow:
            precondition(out.count >= rows, "reduce: out holds \(out.count), needs \(rows)")
            try reduceRows(opCode: Int(op.rawValue), x, offset: 0, rows: rows, cols: cols, into: out, outOffset: 0)
        case .eachColumn:
            precondition(out.count >= cols, "reduce: out holds \(out.count), needs \(cols)")
            let kernel = try kernel("reduce_columns", in: ReductionKernels.source, options: "-DWG=\(reductionGroupSize)")
            try launch(kernel, [.int(Int(op.rawValue)), .int(rows), .int(cols), .buffer(x), .buffer(out)], global: [cols])
        }
    }

    /// One work-group per row; `opCode` as in `ReductionKernels` (4 is the sum of squares).
    private func reduceRows(opCode: Int, _ x: OpenCLBuffer, offset: Int, rows: Int, cols: Int,
                            into out: OpenCLBuffer, outOffset: Int) throws {
        guard rows > 0 else { return }
        let group = reductionGroupSize
        let kernel = try kernel("reduce_rows", in: ReductionKernels.source, options: "-DWG=\(group)")
        try launch(kernel, [.int(opCode), .int(rows), .int(cols), .buffer(x), .int(offset), .buffer(out), .int(outOffset)],
                   global: [rows * group], local: [group])
    }
}
