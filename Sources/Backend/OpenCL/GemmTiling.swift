import Foundation

/// Tile shape of the OpenCL GEMM kernel: each work-group computes a `tileM x tileN` block of C
/// stepping `tileK` along the inner dimension; each work-item computes `workM x workN` outputs.
public struct GemmTiling: Sendable, Equatable, CustomStringConvertible {
    public var tileM: Int, tileN: Int, tileK: Int, workM: Int, workN: Int

    public init(tileM: Int, tileN: Int, tileK: Int, workM: Int, workN: Int) {
        (self.tileM, self.tileN, self.tileK, self.workM, self.workN) = (tileM, tileN, tileK, workM, workN)
    }

    /// Work-items per work-group.
    public var threads: Int { (tileM / workM) * (tileN / workN) }
    /// Local memory the kernel declares: two padded tiles.
    public var localBytes: Int { 4 * tileK * ((tileM + 1) + (tileN + 1)) }
    public var description: String { "\(tileM)x\(tileN)x\(tileK)/\(workM)x\(workN)" }

    /// Fits a device whose work-groups hold `maxThreads` items and `localBytes` of local memory.
    public func fits(maxThreads: Int, localBytes limit: Int) -> Bool {
        tileM % workM == 0 && tileN % workN == 0 && threads <= maxThreads && localBytes <= limit
    }

    /// Build options for `GemmKernels`.
    func options(transA: Bool, transB: Bool) -> String {
        "-DTRANS_A=\(transA ? 1 : 0) -DTRANS_B=\(transB ? 1 : 0) -DTS_M=\(tileM) -DTS_N=\(tileN) -DTS_K=\(tileK) "
            + "-DWPT_M=\(workM) -DWPT_N=\(workN)"
    }

    /// Parses `M,N,K,WM,WN` (the `FMNIST_GEMM_TILING` override used for tuning).
    public init?(parsing text: String) {
        let parts = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 5, parts.allSatisfy({ $0 > 0 }) else { return nil }
        self.init(tileM: parts[0], tileN: parts[1], tileK: parts[2], workM: parts[3], workN: parts[4])
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
