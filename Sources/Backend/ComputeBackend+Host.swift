/// Array conveniences over the pointer-based transfer ops.
extension ComputeBackend {
    /// A new buffer holding `values`.
    public func makeBuffer(_ values: [Float]) throws -> Buffer {
        let buffer = try makeBuffer(count: values.count)
        try values.withUnsafeBufferPointer { try upload($0, to: buffer, offset: 0) }
        return buffer
    }

    /// A new buffer holding `values` as Int32.
    public func makeBuffer(_ values: [Int32]) throws -> Buffer {
        let buffer = try makeBuffer(count: values.count)
        try values.withUnsafeBufferPointer { try upload($0, to: buffer, offset: 0) }
        return buffer
    }

    /// A new buffer holding `values` as doubles: each value's 64 bits as two Int32 elements, low
    /// half first (what an OpenCL `double*` argument reads on a little-endian device).
    public func makeBuffer(doubles values: [Double]) throws -> Buffer {
        let halves = values.flatMap { value -> [Int32] in
            let bits = value.bitPattern
            return [Int32(truncatingIfNeeded: bits), Int32(truncatingIfNeeded: bits >> 32)]
        }
        return try makeBuffer(halves)
    }

    /// Overwrites the start of `buffer` with `values`.
    public func upload(_ values: [Float], to buffer: Buffer) throws {
        try values.withUnsafeBufferPointer { try upload($0, to: buffer, offset: 0) }
    }

    /// `count` floats from `offset` (default: the whole buffer).
    public func floats(_ buffer: Buffer, offset: Int = 0, count: Int? = nil) throws -> [Float] {
        let n = count ?? buffer.count - offset
        var out = [Float](repeating: 0, count: n)
        try out.withUnsafeMutableBufferPointer { try download(buffer, offset: offset, into: $0) }
        return out
    }

    /// `count` Int32 values from `offset` (default: the whole buffer).
    public func ints(_ buffer: Buffer, offset: Int = 0, count: Int? = nil) throws -> [Int32] {
        let n = count ?? buffer.count - offset
        var out = [Int32](repeating: 0, count: n)
        try out.withUnsafeMutableBufferPointer { try download(buffer, offset: offset, into: $0) }
        return out
    }

    /// `gemm` on whole buffers (all offsets 0).
    public func gemm(_ a: Buffer, _ b: Buffer, into c: Buffer, m: Int, n: Int, k: Int,
                     transA: Bool = false, transB: Bool = false, alpha: Float = 1, beta: Float = 0) throws {
        try gemm(a, aOffset: 0, b, bOffset: 0, into: c, cOffset: 0, m: m, n: n, k: k,
                 transA: transA, transB: transB, alpha: alpha, beta: beta)
    }
}

extension ComputeBackend {
    /// `studentTClustering`'s shape rules, shared by the implementations: every buffer large enough,
    /// and the loss and gradients only with a target.
    func checkStudentTClustering(codes: Buffer, centroids: Buffer, rows: Int, dims: Int, clusters: Int, assignments: Buffer,
                                 target: Buffer?, loss: Buffer?, codesGradient: Buffer?, centroidsGradient: Buffer?) {
        precondition(codes.count >= rows * dims && centroids.count >= clusters * dims && assignments.count >= rows * clusters,
                     "studentTClustering: buffers too small")
        precondition(target != nil || (loss == nil && codesGradient == nil && centroidsGradient == nil),
                     "studentTClustering: the loss and its gradients need a target")
        if let target { precondition(target.count >= rows * clusters, "studentTClustering: target too small") }
        if let codesGradient { precondition(codesGradient.count >= rows * dims, "studentTClustering: codes gradient too small") }
        if let centroidsGradient { precondition(centroidsGradient.count >= clusters * dims, "studentTClustering: centroids gradient too small") }
        if let loss { precondition(loss.count >= 1, "studentTClustering: loss too small") }
    }
}
