// Scalars and defaults of the ops that only device backends implement (`umapEpoch`, `opticsOrdering`):
// the CPU backend keeps these defaults and its callers run their host loops.

/// The scalars of one UMAP layout epoch (`ComputeBackend.umapEpoch`).
public struct UMAPEpochStep: Sendable {
    /// The low-dimensional curve `1 / (1 + a d^(2b))`.
    public var a: Float
    public var b: Float
    /// Repulsion strength.
    public var gamma: Float
    /// Learning rate this epoch.
    public var alpha: Float
    /// The epoch, from 0 (the negative-sample hash's counter and the schedule's clock).
    public var epoch: Int
    /// Negative samples per positive sample.
    public var negativeRate: Float
    public var seed: UInt64

    public init(a: Float, b: Float, gamma: Float, alpha: Float, epoch: Int, negativeRate: Float, seed: UInt64) {
        (self.a, self.b, self.gamma, self.alpha, self.epoch, self.negativeRate, self.seed) = (a, b, gamma, alpha, epoch, negativeRate, seed)
    }
}

extension ComputeBackend {
    /// Not a GPU unless the backend says so (OpenCL with GPU kernels).
    public var runsOnGPU: Bool { false }

    /// Backends without a device version of OPTICS's ordering return nil: the caller runs its host
    /// loop (Cluster's `OPTICS.order`).
    public func opticsOrdering(_ points: Buffer, rows: Int, dim: Int, coreDistances: [Double],
                               progress: (Int) -> Void) throws -> (ordering: [Int], reachability: [Double], predecessor: [Int])? {
        nil
    }

    /// Backends without a device version of the epoch do nothing and return false: the caller
    /// runs its host loop (the CPU backend's is Reduce's `UMAPOptimizer`).
    public func umapEpoch(y: Buffer, old: Buffer, rowStart: Buffer, columns: Buffer, every: Buffer, due: Buffer, dueNegative: Buffer,
                          rows: Int, dims: Int, step: UMAPEpochStep) throws -> Bool {
        false
    }

    /// Whether `umapEpoch` runs on this backend for `dims`-dimensional layouts.
    public func hasUMAPEpoch(dims: Int) -> Bool { false }

    /// Backends without the device kernel return false: the caller measures distance blocks.
    public func pointsNearestOtherComponent(_ points: Buffer, rows: Int, dim: Int, components: Buffer, core: Buffer,
                                            into indices: Buffer) throws -> Bool {
        false
    }
}
