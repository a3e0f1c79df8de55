import Backend

/// A layer of the models at training shapes: forward, or backward (input and weight gradients).
public struct LayerWorkload: BenchWorkload {
    public enum Kind: String, Sendable { case conv, deconv, pool }
    public let kind: Kind
    public let backward: Bool
    public let label: String
    public let conv: Conv2DGeometry?
    public let transposed: ConvTranspose2DGeometry?
    public let pool: Pool2DGeometry?

    public static func conv(_ label: String, _ g: Conv2DGeometry, backward: Bool) -> LayerWorkload {
        LayerWorkload(kind: .conv, backward: backward, label: label, conv: g, transposed: nil, pool: nil)
    }
    public static func deconv(_ label: String, _ t: ConvTranspose2DGeometry, backward: Bool) -> LayerWorkload {
        LayerWorkload(kind: .deconv, backward: backward, label: label, conv: nil, transposed: t, pool: nil)
    }
    public static func pool(_ label: String, _ g: Pool2DGeometry, backward: Bool) -> LayerWorkload {
        LayerWorkload(kind: .pool, backward: backward, label: label, conv: nil, transposed: nil, pool: g)
    }

    public var op: String { "\(kind.rawValue) \(backward ? "bwd" : "fwd")" }
    public var shape: String { label }
    /// Forward `2 * outputs * patch`; backward twice that (input and weight gradients).
    public var flops: Double? {
        guard kind != .pool else { return nil }
        let forward = conv?.forwardFlops ?? transposed!.forwardFlops
        return backward ? 2 * forward : forward
    }
    public var bytes: Double {
        guard let pool else { return 0 }
        return 4 * Double(pool.inputCount + 2 * pool.outputCount) * (backward ? 1.5 : 1)
    }
    public var tolerance: Double { 1e-5 }

    public func prepare<B: ComputeBackend>(_ backend: B) throws -> PreparedWorkload {
        switch kind {
        case .conv:
            let g = conv!
            let ws = try ConvolutionWorkspace(backend: backend, geometry: g)
            let x = try backend.makeBuffer(benchInputs(g.inputCount, seed: 11, nonNegative: true))
            let w = try backend.makeBuffer(benchInputs(g.weightCount, seed: 12)), b = try backend.makeBuffer(benchInputs(g.outChannels, seed: 13))
            let y = try backend.makeBuffer(count: g.outputCount), dy = try backend.makeBuffer(benchInputs(g.outputCount, seed: 14))
            let dx = try backend.makeBuffer(count: g.inputCount), dw = try backend.makeBuffer(count: g.weightCount), db = try backend.makeBuffer(count: g.outChannels)
            if !backward {
                return PreparedWorkload(run: { try backend.conv2dForward(x, weight: w, bias: b, into: y, workspace: ws); try backend.synchronize() },
                                        result: { try backend.floats(y) })
            }
            return PreparedWorkload(run: {
                try backend.conv2dBackwardData(dy, weight: w, into: dx, workspace: ws)
                try backend.conv2dBackwardWeights(x, dy, weightGradient: dw, biasGradient: db, workspace: ws)
                try backend.synchronize()
            }, result: { try backend.floats(dx) + backend.floats(dw) })
        case .deconv:
            let t = transposed!
            let ws = try ConvolutionWorkspace(backend: backend, geometry: t.adjoint)
            let x = try backend.makeBuffer(benchInputs(t.inputCount, seed: 21, nonNegative: true))
            let w = try backend.makeBuffer(benchInputs(t.weightCount, seed: 22)), b = try backend.makeBuffer(benchInputs(t.outChannels, seed: 23))
            let y = try backend.makeBuffer(count: t.outputCount), dy = try backend.makeBuffer(benchInputs(t.outputCount, seed: 24))
            let dx = try backend.makeBuffer(count: t.inputCount), dw = try backend.makeBuffer(count: t.weightCount), db = try backend.makeBuffer(count: t.outChannels)
            if !backward {
                return PreparedWorkload(run: {
                    try backend.convTranspose2dForward(x, weight: w, bias: b, into: y, geometry: t, workspace: ws); try backend.synchronize()
                }, result: { try backend.floats(y) })
            }
            return PreparedWorkload(run: {
                try backend.convTranspose2dBackwardData(dy, weight: w, into: dx, geometry: t, workspace: ws)
                try backend.convTranspose2dBackwardWeights(x, dy, weightGradient: dw, biasGradient: db, geometry: t, workspace: ws)
                try backend.synchronize()
            }, result: { try backend.floats(dx) + backend.floats(dw) })
        case .pool:
            let g = pool!
            let x = try backend.makeBuffer(benchInputs(g.inputCount, seed: 31))
            let y = try backend.makeBuffer(count: g.outputCount), indices = try backend.makeBuffer(count: g.outputCount)
            let dy = try backend.makeBuffer(benchInputs(g.outputCount, seed: 32)), dx = try backend.makeBuffer(count: g.inputCount)
            try backend.maxPoolForward(x, geometry: g, into: y, indices: indices)
            if !backward {
                return PreparedWorkload(run: { try backend.maxPoolForward(x, geometry: g, into: y, indices: indices); try backend.synchronize() },
                                        result: { try backend.floats(y) })
            }
            return PreparedWorkload(run: { try backend.maxPoolBackward(dy, indices: indices, geometry: g, into: dx); try backend.synchronize() },
                                    result: { try backend.floats(dx) })
        }
    }

    /// The layers of the conv autoencoder and the CNN classifier at batch `batch`, forward and backward.
    public static func trainingLayers(batch n: Int = 256) -> [LayerWorkload] {
        do {
            let layers: [(String, Kind, Any)] = [
                ("ae.conv1 1>32 28 s2", .conv, try Conv2DGeometry(batch: n, inChannels: 1, inHeight: 28, inWidth: 28, outChannels: 32, kernel: (3, 3), stride: (2, 2), padding: (1, 1))),
                ("ae.conv2 32>64 14 s2", .conv, try Conv2DGeometry(batch: n, inChannels: 32, inHeight: 14, inWidth: 14, outChannels: 64, kernel: (3, 3), stride: (2, 2), padding: (1, 1))),
                ("ae.deconv1 64>32 7>14", .deconv, try ConvTranspose2DGeometry(batch: n, inChannels: 64, inHeight: 7, inWidth: 7, outChannels: 32, kernel: (3, 3), stride: (2, 2), padding: (1, 1), outputPadding: (1, 1))),
                ("ae.deconv2 32>1 14>28", .deconv, try ConvTranspose2DGeometry(batch: n, inChannels: 32, inHeight: 14, inWidth: 14, outChannels: 1, kernel: (3, 3), stride: (2, 2), padding: (1, 1), outputPadding: (1, 1))),
                ("cnn.conv1 1>32 28 p1", .conv, try Conv2DGeometry(batch: n, inChannels: 1, inHeight: 28, inWidth: 28, outChannels: 32, kernel: (3, 3), padding: (1, 1))),
                ("cnn.pool1 32x28>14", .pool, try Pool2DGeometry(batch: n, channels: 32, inHeight: 28, inWidth: 28, kernel: (2, 2))),
                ("cnn.conv2 32>64 14 p1", .conv, try Conv2DGeometry(batch: n, inChannels: 32, inHeight: 14, inWidth: 14, outChannels: 64, kernel: (3, 3), padding: (1, 1))),
                ("cnn.pool2 64x14>7", .pool, try Pool2DGeometry(batch: n, channels: 64, inHeight: 14, inWidth: 14, kernel: (2, 2))),
            ]
            return layers.flatMap { label, kind, geometry in
                [false, true].map { backward -> LayerWorkload in
                    switch kind {
                    case .conv: return .conv(label, geometry as! Conv2DGeometry, backward: backward)
                    case .deconv: return .deconv(label, geometry as! ConvTranspose2DGeometry, backward: backward)
                    case .pool: return .pool(label, geometry as! Pool2DGeometry, backward: backward)
                    }
                }
            }
        } catch {
            preconditionFailure("training layer shapes are valid: \(error)")
        }
    }
}

/// SimCLR's NT-Xent loss and its gradient (`ComputeBackend.ntXent`) over `rows` = 2B embeddings of
/// `dims`: what `train contrastive` evaluates on the host every batch (B = 256, 64-d projections by
/// default). Counted as its two double-precision products, `2 * rows^2 * dims` each.
public struct NTXentWorkload: BenchWorkload {
    public let rows: Int, dims: Int
    public init(rows: Int = 512, dims: Int = 64) { (self.rows, self.dims) = (rows, dims) }
    public var op: String { "nt-xent" }
    public var shape: String { "\(rows)x\(dims)" }
    public var flops: Double? { 4 * Double(rows * rows * dims) }
    public var bytes: Double { 0 }
    public var tolerance: Double { 1e-10 }

    public func prepare<B: ComputeBackend>(_ backend: B) throws -> PreparedWorkload {
        let z = try backend.makeBuffer(benchInputs(rows * dims, seed: 41)), gradient = try backend.makeBuffer(count: rows * dims)
        return PreparedWorkload(
            run: { _ = try backend.ntXent(embeddings: z, rows: rows, dims: dims, temperature: 0.5, gradient: gradient) },
            result: { try backend.floats(gradient) })
    }
}
