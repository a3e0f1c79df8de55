import Foundation

/// How the OpenCL backend runs matrix products on its device, chosen once at start-up.
///
/// - GPUs use the tiled, register-blocked kernel (`GemmKernels`), with a smaller tile when the
///   product has too few large tiles to fill the compute units.
/// - CPU drivers (PoCL) use the vector kernels (`GemmVectorKernels`): dot-product blocks for
///   `A Bt`, packed column panels for the three other transpose combinations.
/// `FMNIST_GEMM_KERNEL=tiled|vector` forces the family and `FMNIST_GEMM_TILING=M,N,K,WM,WN[,blocked][,prefetch]`
/// the tile shape (and the work-items' blocked layout, the prefetching tile loop), `FMNIST_GEMM_VECTOR=VW,RM,DM,DN`
/// the vector kernels' blocking (all for tuning and benchmarking).
public enum GemmStrategy: Sendable, Equatable, CustomStringConvertible {
    case tiled(small: GemmTiling, large: GemmTiling)
    case vector(VectorBlocking)

    /// Blocking of the vector kernels: `width`-wide vectors, `rows` rows per work-item of
    /// `gemm_rows`, `dotRows x dotColumns` dot products per work-item of `gemm_dots`.
    public struct VectorBlocking: Sendable, Equatable {
        public var width: Int, rows: Int, dotRows: Int, dotColumns: Int

        /// Build options for `GemmVectorKernels`.
        func options(transA: Bool, transB: Bool) -> String {
            "-DVW=\(width) -DRM=\(rows) -DDM=\(dotRows) -DDN=\(dotColumns) -DTRANS_A=\(transA ? 1 : 0) -DTRANS_B=\(transB ? 1 : 0)"
        }
    }

    public var description: String {
        switch self {
        case .tiled(let small, let large): return small == large ? "tiled \(small)" : "tiled \(small) | \(large)"
        case .vector(let v): return "vector float\(v.width), \(v.rows) rows, \(v.dotRows)x\(v.dotColumns) dots"
        }
    }

    /// `tiling`, when given, is the tiled strategy's one tile shape (as `FMNIST_GEMM_TILING`, which it outranks); it
    /// must fit the device.
    static func choose(for info: OpenCLDeviceInfo, gpuKernels: Bool, preferredVectorWidth: Int,
                       tiling: GemmTiling? = nil) throws -> GemmStrategy {
        let env = ProcessInfo.processInfo.environment
        let fits = { (t: GemmTiling) in t.fits(maxThreads: info.maxWorkGroupSize, localBytes: info.localMemoryBytes) }
        func checked(_ t: GemmTiling, _ name: String) throws -> GemmTiling {
            guard fits(t) else {
                throw BackendError.invalidArgument("\(name) does not fit \(info.name) (work-group of at most \(info.maxWorkGroupSize) "
                    + "items, \(info.localMemoryBytes) bytes of local memory; blocked needs WM, WN multiples of 4)")
            }
            return t
        }
        if let tiling {
            let t = try checked(tiling, "GEMM tiling \(tiling)")
            return .tiled(small: t, large: t)
        }
        var forced: GemmTiling?
        if let text = env["FMNIST_GEMM_TILING"] {
            guard let parsed = GemmTiling(parsing: text) else {
                throw BackendError.invalidArgument(
                    "FMNIST_GEMM_TILING '\(text)' is not M,N,K,WM,WN followed by the flags blocked or prefetch")
            }
            forced = try checked(parsed, "FMNIST_GEMM_TILING '\(text)'")
        }
        let candidates = gpuKernels ? GemmTiling.gpuCandidates : GemmTiling.cpuCandidates
        let small = forced ?? candidates.first { fits($0) && $0.tileM <= 64 } ?? candidates.last!
        let large = forced ?? candidates.first(where: fits) ?? small
        if !usesTiles(gpuKernels: gpuKernels, tilingForced: forced != nil, environment: env) {
            let width = preferredVectorWidth >= 16 ? 16 : 8
            let override = env["FMNIST_GEMM_VECTOR"].map { $0.split(separator: ",").compactMap { Int($0) } }
            if let o = override, o.count == 4, [8, 16].contains(o[0]), o[1...].allSatisfy({ $0 >= 1 && $0 <= 32 }) {
                return .vector(VectorBlocking(width: o[0], rows: o[1], dotRows: o[2], dotColumns: o[3]))
            }
            return .vector(VectorBlocking(width: width, rows: width == 16 ? 8 : 4, dotRows: width == 16 ? 4 : 2, dotColumns: 4))
        }
        return .tiled(small: small, large: large)
    }

    /// Whether `FMNIST_GEMM_TILING` forces one tile shape.
    static func tilingForced(environment env: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        env["FMNIST_GEMM_TILING"] != nil
    }

    /// Whether products run the tiled kernels: as `FMNIST_GEMM_KERNEL` says, else on the GPU kernel family or with a
    /// forced tile shape (the vector kernels otherwise).
    static func usesTiles(gpuKernels: Bool, tilingForced: Bool,
                          environment env: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        env["FMNIST_GEMM_KERNEL"].map { $0 != "vector" } ?? (gpuKernels || tilingForced)
    }

    /// The tile shape for an `m x n` output on a device with `computeUnits`: the large tile when it
    /// still gives every compute unit about four work-groups, else the small one. Only the tiled
    /// strategy has tiles.
    func tiling(m: Int, n: Int, computeUnits: Int) -> GemmTiling {
        switch self {
        case .vector: preconditionFailure("the vector GEMM strategy has no tile shape")
        case .tiled(let small, let large):
            let largeTiles = ((m + large.tileM - 1) / large.tileM) * ((n + large.tileN - 1) / large.tileN)
            return largeTiles >= 4 * computeUnits ? large : small
        }
    }
}
