import Foundation

/// Tile shape of the OpenCL GEMM kernel: each work-group computes a `tileM x tileN` block of C
/// stepping `tileK` along the inner dimension; each work-item computes `workM x workN` outputs, strided
/// across the tile or, with `blocked`, as one contiguous block read from local memory in `float4`s
/// (`GemmKernels`' `BLOCKED`; `workM` and `workN` multiples of 4). With `prefetch`, each work-item reads the next
/// tile step into registers while it multiplies the current one (`GemmKernels`' `PREFETCH`).
public struct GemmTiling: Sendable, Equatable, CustomStringConvertible {
    public var tileM: Int, tileN: Int, tileK: Int, workM: Int, workN: Int
    public var blocked: Bool
    public var prefetch: Bool

    public init(tileM: Int, tileN: Int, tileK: Int, workM: Int, workN: Int, blocked: Bool = false, prefetch: Bool = false) {
        (self.tileM, self.tileN, self.tileK, self.workM, self.workN) = (tileM, tileN, tileK, workM, workN)
        (self.blocked, self.prefetch) = (blocked, prefetch)
    }

    /// Work-items per work-group.
    public var threads: Int { (tileM / workM) * (tileN / workN) }
    /// Words each local tile row is padded by (the kernel's `PAD`).
    var padding: Int { blocked ? 4 : 1 }
    /// Local memory the kernel declares: two padded tiles.
    public var localBytes: Int { 4 * tileK * ((tileM + padding) + (tileN + padding)) }
    public var description: String {
        "\(tileM)x\(tileN)x\(tileK)/\(workM)x\(workN)\(blocked ? " blocked" : "")\(prefetch ? " prefetch" : "")"
    }
    /// `M,N,K,WM,WN` then `,blocked` and `,prefetch` when set: what `init(parsing:)` reads.
    public var parseable: String {
        "\(tileM),\(tileN),\(tileK),\(workM),\(workN)\(blocked ? ",blocked" : "")\(prefetch ? ",prefetch" : "")"
    }

    /// Fits a device whose work-groups hold `maxThreads` items and `localBytes` of local memory.
    public func fits(maxThreads: Int, localBytes limit: Int) -> Bool {
        tileM % workM == 0 && tileN % workN == 0 && threads <= maxThreads && localBytes <= limit
            && (!blocked || (workM % 4 == 0 && workN % 4 == 0))
    }

    /// Build options for `GemmKernels`.
    func options(transA: Bool, transB: Bool) -> String {
        "-DTRANS_A=\(transA ? 1 : 0) -DTRANS_B=\(transB ? 1 : 0) -DTS_M=\(tileM) -DTS_N=\(tileN) -DTS_K=\(tileK) "
            + "-DWPT_M=\(workM) -DWPT_N=\(workN) -DBLOCKED=\(blocked ? 1 : 0)" + (prefetch ? " -DPREFETCH=1" : "")
    }

    /// Parses `M,N,K,WM,WN` followed by none, one or both of the flags `blocked` and `prefetch`, each at most once (the
    /// `FMNIST_GEMM_TILING` override used for tuning).
    public init?(parsing text: String) {
        let fields = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard fields.count >= 5 else { return nil }
        let parts = fields.prefix(5).compactMap { Int($0) }
        let flags = Array(fields.dropFirst(5))
        guard parts.count == 5, parts.allSatisfy({ $0 > 0 }), Set(flags).count == flags.count,
              flags.allSatisfy({ $0 == "blocked" || $0 == "prefetch" }) else { return nil }
        self.init(tileM: parts[0], tileN: parts[1], tileK: parts[2], workM: parts[3], workN: parts[4],
                  blocked: flags.contains("blocked"), prefetch: flags.contains("prefetch"))
    }

    /// Candidates, largest first, for GPUs and for CPU drivers (measured on an H100, see
    /// benchmarks/results/2026-11-22-h100/tilings.txt: 128x128x8/8x8 is fastest from 2048^2 up,
    /// 64x64x16/4x4 below that).
    static let gpuCandidates = [
        GemmTiling(tileM: 128, tileN: 128, tileK: 8, workM: 8, workN: 8),
        GemmTiling(tileM: 64, tileN: 64, tileK: 16, workM: 4, workN: 4),
        GemmTiling(tileM: 32, tileN: 32, tileK: 16, workM: 4, workN: 4),
        GemmTiling(tileM: 16, tileN: 16, tileK: 16, workM: 2, workN: 2),
        GemmTiling(tileM: 8, tileN: 8, tileK: 8, workM: 1, workN: 1),
    ]
    static let cpuCandidates = [
        GemmTiling(tileM: 64, tileN: 64, tileK: 16, workM: 4, workN: 4),
    ] + gpuCandidates.suffix(3)
}
