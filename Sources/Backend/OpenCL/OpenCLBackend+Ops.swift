import Kernels

extension OpenCLBackend {
    public func gemm(_ a: OpenCLBuffer, aOffset: Int, _ b: OpenCLBuffer, bOffset: Int, into c: OpenCLBuffer, cOffset: Int,
                     m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float) throws {
        checkGemmShapes(a: a.count - aOffset, b: b.count - bOffset, c: c.count - cOffset, m: m, n: n, k: k)
        guard m > 0, n > 0 else { return }
        let arguments: [KernelArgument] = [.int(m), .int(n), .int(k), .float(alpha), .float(beta),
                                           .buffer(a), .int(aOffset), .buffer(b), .int(bOffset), .buffer(c), .int(cOffset)]
        if case .vector(let v) = gemmStrategy {
            let options = v.options(transA: transA, transB: transB)
            if transB && !transA {
                try launch(try kernel("gemm_dots", in: GemmVectorKernels.source, options: options), arguments,
                           global: [(n + v.dotColumns - 1) / v.dotColumns, (m + v.dotRows - 1) / v.dotRows])
                return
            }
            let panels = (n + v.width - 1) / v.width
            let packed = try scratchBuffer(count: panels * v.width * k, slot: .gemmPanels)
            try launch(try kernel("pack_panels", in: GemmVectorKernels.source, options: options),
                       [.int(n), .int(k), .buffer(b), .int(bOffset), .buffer(packed)], global: [v.width, k, panels])
            try launch(try kernel("gemm_rows", in: GemmVectorKernels.source, options: options),
                       [.int(m), .int(n), .int(k), .float(alpha), .float(beta), .buffer(a), .int(aOffset), .buffer(packed),
                        .buffer(c), .int(cOffset)],
                       global: [panels, (m + v.rows - 1) / v.rows])
            return
        }
        let heuristic = gemmStrategy.tiling(m: m, n: n, computeUnits: info.computeUnits)
        let slices = splitKSlices(m: m, n: n, k: k, tiling: heuristic)
        if slices > 1 {
            let t = heuristic
            let kSlice = ((k + slices - 1) / slices + t.tileK - 1) / t.tileK * t.tileK
            let used = (k + kSlice - 1) / kSlice
            let partials = try scratchBuffer(count: used * m * n, slot: .splitKPartials)
            let splitKernel = try kernel("gemm_splitk", in: GemmKernels.source, options: t.options(transA: transA, transB: transB))
            try launch(splitKernel, [.int(m), .int(n), .int(k), .int(kSlice), .buffer(a), .int(aOffset), .buffer(b), .int(bOffset), .buffer(partials)],
                       global: [(n + t.tileN - 1) / t.tileN * (t.tileN / t.workN), (m + t.tileM - 1) / t.tileM * (t.tileM / t.workM), used],
                       local: [t.tileN / t.workN, t.tileM / t.workM, 1])
            let lanes = splitKReduceLanes(slices: used)
            try launch(try kernel("splitk_reduce", in: GemmKernels.source,
                                  options: t.options(transA: transA, transB: transB) + " -DLANES=\(lanes)"),
                       [.int(m * n), .int(used), .float(alpha), .float(beta), .buffer(partials), .buffer(c), .int(cOffset)],
                       global: [(m * n * lanes + 63) / 64 * 64], local: [64])
            return
        }
        let shape = GemmTuner.Shape(kernel: "gemm", transA: transA, transB: transB, m: m, n: n, k: k)
        let t = try tunedTiling(shape, heuristic: heuristic) { tiling, scratch in
            var timed = arguments  // beta 0 into the scratch at offset 0: the caller's C is never touched
            (timed[4], timed[9], timed[10]) = (.float(0), .buffer(scratch), .int(0))
            try launchTiled("gemm", tiling: tiling, transA: transA, transB: transB, m: m, n: n, timed, label: "gemm (tuning)")
        }
        try launchTiled("gemm", tiling: t, transA: transA, transB: transB, m: m, n: n, arguments)
    }

    /// Work-items that add up one output's split-K slices (`splitk_reduce`): a power of two from 1 (fewer than eight
    /// slices: a plain loop) to 64, each adding four to eight slices (more past 512 slices). Fixed by the slice count,
    /// so a product's bits are too.
    func splitKReduceLanes(slices: Int) -> Int {
        var lanes = 1
        while lanes < 64 && lanes * 8 <= slices { lanes *= 2 }
        return lanes
    }

    /// K slices for a product whose output has too few tiles to keep the device busy: enough to give
    /// every compute unit about two work-groups, each slice at least 256 deep, at most
    /// `SplitK.maximumSlices` (`FMNIST_SPLIT_K`; 0 turns it off); 1 (no split) otherwise.
    func splitKSlices(m: Int, n: Int, k: Int, tiling t: GemmTiling) -> Int {
        let tiles = ((m + t.tileM - 1) / t.tileM) * ((n + t.tileN - 1) / t.tileN)
        let wanted = (2 * (splitKComputeUnits ?? info.computeUnits) + tiles - 1) / tiles
        return max(1, min(wanted, k / 256, SplitK.maximumSlices))
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
        let arguments: [KernelArgument] = [.int(rows), .int(yRows), .int(dim), .float(-2), .buffer(x), .int(xOffset), .buffer(y),
                                           .buffer(xNorms), .int(xNormsOffset), .buffer(yNorms), .buffer(out)]
        if case .vector(let v) = gemmStrategy {
            try launch(try kernel("gemm_dots_distance", in: GemmVectorKernels.source, options: v.options(transA: false, transB: true)),
                       arguments, global: [(yRows + v.dotColumns - 1) / v.dotColumns, (rows + v.dotRows - 1) / v.dotRows])
            return
        }
        let heuristic = gemmStrategy.tiling(m: rows, n: yRows, computeUnits: info.computeUnits)
        let shape = GemmTuner.Shape(kernel: "gemm_distance", transA: false, transB: true, m: rows, n: yRows, k: dim)
        let t = try tunedTiling(shape, heuristic: heuristic) { tiling, scratch in
            var timed = arguments  // the distances into the scratch
            timed[10] = .buffer(scratch)
            try launchTiled("gemm_distance", tiling: tiling, transA: false, transB: true, m: rows, n: yRows, timed,
                            label: "gemm_distance (tuning)")
        }
        try launchTiled("gemm_distance", tiling: t, transA: false, transB: true, m: rows, n: yRows, arguments)
    }

    /// Launches a kernel of `GemmKernels` over an `m x n` output with tile shape `t`.
    private func launchTiled(_ name: String, tiling t: GemmTiling, transA: Bool, transB: Bool, m: Int, n: Int,
                             _ arguments: [KernelArgument], label: String? = nil) throws {
        let kernel = try kernel(name, in: GemmKernels.source, options: t.options(transA: transA, transB: transB))
        try launch(kernel, arguments,
                   global: [(n + t.tileN - 1) / t.tileN * (t.tileN / t.workN), (m + t.tileM - 1) / t.tileM * (t.tileM / t.workM)],
                   local: [t.tileN / t.workN, t.tileM / t.workM], label: label)
    }

    public func rowArgmin(_ d: OpenCLBuffer, rows: Int, cols: Int, indices: OpenCLBuffer, indicesOffset: Int,
                          minima: OpenCLBuffer, minimaOffset: Int) throws {
        precondition(cols >= 1 && d.count >= rows * cols, "rowArgmin: d holds \(d.count), needs \(rows * cols)")
        precondition(indicesOffset + rows <= indices.count && minimaOffset + rows <= minima.count, "rowArgmin: outputs too small")
        guard rows > 0 else { return }
        let arguments: [KernelArgument] = [.int(rows), .int(cols), .buffer(d), .buffer(indices), .int(indicesOffset),
                                           .buffer(minima), .int(minimaOffset)]
        if prefersSerialRows(cols: cols) {
            try launch(try kernel("row_argmin_serial", in: ReductionKernels.source, options: "-DWG=\(reductionGroupSize)"),
                       arguments, global: [rows])
        } else {
            let group = reductionGroupSize
            try launch(try kernel("row_argmin", in: ReductionKernels.source, options: "-DWG=\(group)"), arguments,
                       global: [rows * group], local: [group])
        }
    }

    public func rowTopK(_ d: OpenCLBuffer, rows: Int, cols: Int, k: Int, columnOffset: Int, indices: OpenCLBuffer, values: OpenCLBuffer,
                        outRow: Int) throws {
        precondition(k >= 1 && d.count >= rows * cols, "rowTopK: d holds \(d.count), needs \(rows * cols)")
        precondition((outRow + rows) * k <= indices.count && (outRow + rows) * k <= values.count, "rowTopK: outputs too small")
        guard rows > 0 else { return }
        let arguments: [KernelArgument] = [.int(rows), .int(cols), .int(columnOffset), .buffer(d), .int(k), .buffer(indices),
                                           .buffer(values), .int(outRow)]
        // The group kernel keeps the list in local memory: K rounded up to a power of two (one
        // program per size class), up to 1,024 entries (8 KiB).
        let gatherLimit = min(1024, info.maxWorkGroupSize)
        if prefersSerialRows(cols: cols) || k > 1024 {
            try launch(try kernel("row_topk_serial", in: NeighbourKernels.source), arguments, global: [rows])
        } else if topKSelection.usesGather(k: k, maxGroup: gatherLimit) {
            // The gathered entries stay in local memory: 2,048 (16 KiB), about 1.4 x the group at most on average.
            let group = TopKSelection.gatherGroup(k: k, reductionGroup: reductionGroupSize)
            try launch(try kernel("row_topk_gather", in: NeighbourKernels.source, options: "-DWG=\(group) -DC=2048"), arguments,
                       global: [rows * group], local: [group])
        } else {
            let group = reductionGroupSize, capacity = max(16, 1 << (Int.bitWidth - (k - 1).leadingZeroBitCount))
            try launch(try kernel("row_topk", in: NeighbourKernels.source, options: "-DWG=\(group) -DK=\(capacity)"), arguments,
                       global: [rows * group], local: [group])
        }
    }

    public func rowCountWithin(_ d: OpenCLBuffer, rows: Int, cols: Int, radius: Float, columnMask: OpenCLBuffer?, columns: NeighbourColumns,
                               rowBase: Int, counts: OpenCLBuffer, countsOffset: Int) throws {
        precondition(d.count >= rows * cols && countsOffset + rows <= counts.count, "rowCountWithin: buffers too small")
        precondition(columnMask.map { $0.count >= cols } ?? true, "rowCountWithin: mask shorter than \(cols)")
        guard rows > 0 else { return }
        try launchRadius("row_count_within", rows: rows, cols: cols, [.int(rows), .int(cols), .buffer(d), .float(radius),
            .buffer(columnMask ?? counts), .int(columnMask == nil ? 0 : 1), .int(Int(columns.rawValue)), .int(rowBase),
            .buffer(counts), .int(countsOffset)])
    }

    public func rowColumnsWithin(_ d: OpenCLBuffer, rows: Int, cols: Int, radius: Float, columnMask: OpenCLBuffer?, columns: NeighbourColumns,
                                 rowBase: Int, offsets: OpenCLBuffer, into out: OpenCLBuffer) throws {
        precondition(d.count >= rows * cols && offsets.count >= rows + 1, "rowColumnsWithin: buffers too small")
        precondition(columnMask.map { $0.count >= cols } ?? true, "rowColumnsWithin: mask shorter than \(cols)")
        guard rows > 0 else { return }
        try launchRadius("row_columns_within", rows: rows, cols: cols, [.int(rows), .int(cols), .buffer(d), .float(radius),
            .buffer(columnMask ?? offsets), .int(columnMask == nil ? 0 : 1), .int(Int(columns.rawValue)), .int(rowBase),
            .buffer(offsets), .buffer(out)])
    }

    public func rowMinLabelWithin(_ d: OpenCLBuffer, rows: Int, cols: Int, radius: Float, labels: OpenCLBuffer, columns: NeighbourColumns,
                                  rowBase: Int, into out: OpenCLBuffer, outOffset: Int) throws {
        precondition(d.count >= rows * cols && labels.count >= cols && outOffset + rows <= out.count, "rowMinLabelWithin: buffers too small")
        guard rows > 0 else { return }
        try launchRadius("row_min_label_within", rows: rows, cols: cols, [.int(rows), .int(cols), .buffer(d), .float(radius),
            .buffer(labels), .int(Int(columns.rawValue)), .int(rowBase), .buffer(out), .int(outOffset)])
    }

    public func rowNearestOtherComponent(_ d: OpenCLBuffer, rows: Int, cols: Int, rowBase: Int, components: OpenCLBuffer, core: OpenCLBuffer,
                                         indices: OpenCLBuffer, values: OpenCLBuffer, outOffset: Int) throws {
        precondition(d.count >= rows * cols && components.count >= cols && core.count >= cols && rowBase + rows <= cols,
                      "rowNearestOtherComponent: d, components or core too small")
        precondition(outOffset + rows <= indices.count && outOffset + rows <= values.count, "rowNearestOtherComponent: outputs too small")
        guard rows > 0 else { return }
        try launchRadius("row_nearest_other_component", rows: rows, cols: cols, [.int(rows), .int(cols), .buffer(d), .int(rowBase),
            .buffer(components), .buffer(core), .buffer(indices), .buffer(values), .int(outOffset)])
    }

    /// A `RadiusKernels` kernel: a work-group per row on GPUs, its `_serial` form otherwise.
    private func launchRadius(_ name: String, rows: Int, cols: Int, _ arguments: [KernelArgument]) throws {
        if prefersSerialRows(cols: cols) {
            try launch(try kernel(name + "_serial", in: RadiusKernels.source), arguments, global: [rows])
        } else {
            let group = reductionGroupSize
            try launch(try kernel(name, in: RadiusKernels.source, options: "-DWG=\(group)"), arguments, global: [rows * group], local: [group])
        }
    }

    public func oneHot(_ labels: OpenCLBuffer, count: Int, classes: Int, into out: OpenCLBuffer) throws {
        precondition(count <= labels.count && classes * count <= out.count, "oneHot: buffers too small for \(classes) x \(count)")
        guard count > 0, classes > 0 else { return }
        try launch(try kernel("one_hot", in: ReductionKernels.source, options: "-DWG=\(reductionGroupSize)"),
                   [.int(count), .int(classes), .buffer(labels), .buffer(out)], global: [count, classes])
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
            let options = "-DWG=\(reductionGroupSize)"
            let rowsPerBlock = 64
            let blocks = (rows + rowsPerBlock - 1) / rowsPerBlock
            if blocks < 4 {
                try launch(try kernel("reduce_columns", in: ReductionKernels.source, options: options),
                           [.int(Int(op.rawValue)), .int(rows), .int(cols), .buffer(x), .buffer(out), .int(rows)], global: [cols])
                return
            }
            let partial = try scratchBuffer(count: blocks * cols, slot: .columnPartials)
            try launch(try kernel("reduce_columns_partial", in: ReductionKernels.source, options: options),
                       [.int(Int(op.rawValue)), .int(rows), .int(cols), .int(rowsPerBlock), .buffer(x), .buffer(partial)],
                       global: [cols, blocks])
            // Means were folded as sums; the second pass sums the blocks and divides by all rows.
            try launch(try kernel("reduce_columns", in: ReductionKernels.source, options: options),
                       [.int(Int(op.rawValue)), .int(blocks), .int(cols), .buffer(partial), .buffer(out), .int(rows)], global: [cols])
        }
    }

    /// Row reductions; `opCode` as in `ReductionKernels` (4 is the sum of squares).
    func reduceRows(opCode: Int, _ x: OpenCLBuffer, offset: Int, rows: Int, cols: Int,
                            into out: OpenCLBuffer, outOffset: Int) throws {
        guard rows > 0 else { return }
        let group = reductionGroupSize
        let arguments: [KernelArgument] = [.int(opCode), .int(rows), .int(cols), .buffer(x), .int(offset), .buffer(out), .int(outOffset)]
        if prefersSerialRows(cols: cols) {
            try launch(try kernel("reduce_rows_serial", in: ReductionKernels.source, options: "-DWG=\(group)"), arguments, global: [rows])
        } else if let perBlock = rowBlockColumns(rows: rows, cols: cols) {
            let blocks = (cols + perBlock - 1) / perBlock
            let partials = try scratchBuffer(count: rows * blocks, slot: .rowPartials)
            try launch(try kernel("reduce_rows_blocks", in: ReductionKernels.source, options: "-DWG=\(group)"),
                       [.int(opCode), .int(cols), .int(perBlock), .buffer(x), .int(offset), .buffer(partials)],
                       global: [blocks * group, rows], local: [group, 1])
            try launch(try kernel("reduce_rows_blocks_finish", in: ReductionKernels.source, options: "-DWG=\(group)"),
                       [.int(opCode), .int(rows), .int(cols), .int(blocks), .buffer(partials), .buffer(out), .int(outOffset)],
                       global: [rows])
        } else {
            try launch(try kernel("reduce_rows", in: ReductionKernels.source, options: "-DWG=\(group)"), arguments,
                       global: [rows * group], local: [group])
        }
    }

    /// Columns per block when a GPU folds rows in blocks (`reduce_rows_blocks`): fewer than 32 rows (too few work-groups
    /// for any GPU), each long enough for two blocks of eight loads a work-item; nil otherwise. Fixed by the sizes and
    /// the work-group size alone, so the order of the sums is too.
    func rowBlockColumns(rows: Int, cols: Int) -> Int? {
        let perBlock = 8 * reductionGroupSize
        return rows < 32 && cols >= 2 * perBlock ? perBlock : nil
    }

    /// One work-item per row on CPU drivers, and on GPUs when rows are too short to feed a work-group.
    private func prefersSerialRows(cols: Int) -> Bool { !usesGPUKernels || cols <= 32 }
}

extension OpenCLBackend {
    public var runsOnGPU: Bool { usesGPUKernels }

    /// Layouts of up to this many dimensions keep each point's position in private memory.
    static let umapEpochMaxDims = 128

    public func hasUMAPEpoch(dims: Int) -> Bool { (1 ... Self.umapEpochMaxDims).contains(dims) }

    public func umapEpoch(y: OpenCLBuffer, old: OpenCLBuffer, rowStart: OpenCLBuffer, columns: OpenCLBuffer, every: OpenCLBuffer,
                          due: OpenCLBuffer, dueNegative: OpenCLBuffer, rows: Int, dims: Int, step: UMAPEpochStep) throws -> Bool {
        guard hasUMAPEpoch(dims: dims) else { return false }
        precondition(y.count >= rows * dims && old.count >= rows * dims && rowStart.count >= rows + 1, "umapEpoch: buffers too small")
        guard rows > 0 else { return true }
        // One program per size class of the private position (8, 16, 32, ... dimensions).
        let capacity = max(8, 1 << (Int.bitWidth - (dims - 1).leadingZeroBitCount))
        try launch(try kernel("umap_epoch", in: UMAPKernels.source, options: "-DD=\(capacity)"),
                   [.int(rows), .int(dims), .buffer(y), .buffer(old), .buffer(rowStart), .buffer(columns), .buffer(every), .buffer(due),
                    .buffer(dueNegative), .float(step.a), .float(step.b), .float(step.gamma), .float(step.alpha), .int(step.epoch),
                    .float(step.negativeRate), .uint(UInt32(truncatingIfNeeded: step.seed)), .uint(UInt32(truncatingIfNeeded: step.seed >> 32))],
                   global: [rows])
        return true
    }
}

extension OpenCLBackend {
    public func opticsOrdering(_ points: OpenCLBuffer, rows n: Int, dim: Int, coreDistances: [Double],
                               progress: (Int) -> Void) throws -> (ordering: [Int], reachability: [Double], predecessor: [Int])? {
        guard info.doublePrecision, n >= 1 else { return nil }
        precondition(points.count >= n * dim && coreDistances.count == n, "opticsOrdering: \(points.count) values, \(coreDistances.count) core distances for \(n) x \(dim)")
        let group = usesGPUKernels ? reductionGroupSize : 64, groups = (n + group - 1) / group
        let core = try makeBuffer(doubles: coreDistances), reach = try makeBuffer(doubles: [Double](repeating: .infinity, count: n))
        let pred = try makeBuffer([Int32](repeating: -1, count: n))
        var visited = [Int32](repeating: 0, count: n)
        visited[0] = 1 // the ordering starts at point 0, as the host's
        let done = try makeBuffer(visited)
        let groupBest = try makeBuffer(count: 2 * groups), groupAt = try makeBuffer(count: groups)
        let next = try makeBuffer([Int32(0)]), order = try makeBuffer([Int32](repeating: 0, count: n))
        let update = try kernel("optics_update", in: OPTICSKernels.source, options: "-DWG=\(group)")
        let pick = try kernel("optics_pick", in: OPTICSKernels.source, options: "-DWG=\(group)")
        // The steps are only enqueued; every 1,000th waits for the device (a read of `next`), so
        // the queue stays short and the progress is what the device has done.
        for step in 1 ..< n {
            try launch(update, [.int(n), .int(dim), .buffer(points), .buffer(next), .buffer(core), .buffer(reach), .buffer(pred),
                                .buffer(done), .buffer(groupBest), .buffer(groupAt)], global: [n], local: [group])
            try launch(pick, [.int(groups), .buffer(groupBest), .buffer(groupAt), .buffer(done), .buffer(next), .buffer(order), .int(step)],
                       global: [group], local: [group])
            if step % 1000 == 0 { _ = try ints(next); progress(step + 1) }
        }
        let ordering = try ints(order).map { Int($0) }
        guard !ordering.contains(-1) else { throw BackendError.invalidArgument("opticsOrdering: a step found no unvisited point") }
        progress(n)
        let reachBits = try ints(reach)
        let reachability = (0 ..< n).map {
            Double(bitPattern: UInt64(UInt32(bitPattern: reachBits[2 * $0])) | UInt64(UInt32(bitPattern: reachBits[2 * $0 + 1])) << 32)
        }
        return (ordering, reachability, try ints(pred).map { Int($0) })
    }
}

extension OpenCLBackend {
    public func pointsNearestOtherComponent(_ points: OpenCLBuffer, rows n: Int, dim: Int, components: OpenCLBuffer, core: OpenCLBuffer,
                                            into indices: OpenCLBuffer) throws -> Bool {
        guard boruvkaSearch == .automatic, info.doublePrecision, (1 ... BoruvkaKernels.maxDimensions).contains(dim) else { return false }
        precondition(points.count >= n * dim && components.count >= n && core.count >= 2 * n && indices.count >= n,
                     "pointsNearestOtherComponent: buffers too small for \(n) x \(dim)")
        guard n > 0 else { return true }
        // A tile of `group` points (coordinates, component, core distance) must fit the local memory.
        var group = usesGPUKernels ? reductionGroupSize : 64
        while group > 1 && group * (4 * dim + 12) > info.localMemoryBytes { group /= 2 }
        try launch(try kernel("points_nearest_other_component", in: BoruvkaKernels.source, options: "-DWG=\(group) -DDIM=\(dim)"),
                   [.int(n), .buffer(points), .buffer(components), .buffer(core), .buffer(indices)],
                   global: [(n + group - 1) / group * group], local: [group])
        return true
    }
}
