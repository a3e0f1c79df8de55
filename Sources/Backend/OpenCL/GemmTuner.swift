import Foundation
import Kernels

/// Whether the OpenCL backend times tile shapes per product shape on its device (`GemmTuner`).
///
/// - `automatic` (default): on a GPU, unless a tile shape was forced (`FMNIST_GEMM_TILING`, the tests' `gemmTiling`);
///   never on a CPU driver, whose products run the vector kernels, which have no tiles.
/// - `on`: also with the GPU kernels forced onto a CPU driver (tests); a forced tile shape still wins.
/// - `off`: the size heuristic alone (`GemmStrategy.tiling`), e.g. to time tuned against untuned products side by side.
///
/// `FMNIST_GEMM_TUNE=automatic|on|off` sets it.
public enum GemmTuning: String, CaseIterable, Sendable {
    case automatic, on, off

    /// The environment variable that sets the choice.
    public static let variable = "FMNIST_GEMM_TUNE"

    /// The choice, read once per process; an unusable value counts as unset here (`checkEnvironment` turns it into an
    /// error first in the command-line tool).
    public static let current: GemmTuning = (try? EnvironmentChoice.read(variable)) ?? .automatic

    /// Throws one line naming `FMNIST_GEMM_TUNE` and its value when it is set to something else.
    public static func checkEnvironment() throws { _ = try EnvironmentChoice.read(variable, as: GemmTuning.self) }

    /// Why a device's products are not tuned under this choice, or nil when they are: `deviceIsGPU` is the device's
    /// type, `gpuKernels` the kernel family it runs, `tilingForced` a tile shape given by `FMNIST_GEMM_TILING` (or a
    /// test). The one place that decides, for `OpenCLBackend` and `fmnist devices` alike.
    public func offReason(deviceIsGPU: Bool, gpuKernels: Bool, tilingForced: Bool) -> String? {
        if !GemmStrategy.usesTiles(gpuKernels: gpuKernels, tilingForced: tilingForced) {
            return "the vector kernels have no tiles"
        }
        switch self {
        case .off: return "\(Self.variable)=off"
        case _ where tilingForced: return "FMNIST_GEMM_TILING forces one tile"
        case .automatic where !deviceIsGPU: return "not a GPU; \(Self.variable)=on tunes it"
        case .automatic, .on: return nil
        }
    }

    /// Whether `FMNIST_GEMM_TILING` forces one tile shape in this process.
    public static var tilingForcedByEnvironment: Bool { GemmStrategy.tilingForced() }
}

/// Per-shape tile of the tiled GEMM kernels (`gemm`, `gemm_distance`), chosen by timing the candidates on the device
/// itself, as CLBlast's tuner (Nugteren 2018, "CLBlast: A Tuned OpenCL BLAS Library") and cuBLAS's
/// heuristics-then-benchmark do; one size heuristic cannot fit every GPU and every shape a network uses (the layer
/// table of 2026-11-30 has the CNN's `conv2` forward product, 64 x 50,176 x 288, at 4.5x CUDA's time on an H200).
///
/// A product shape (kernel, transposes, M, N, K) runs with the heuristic tile (`GemmStrategy.tiling`) on its first
/// `callsBeforeTuning - 1` calls; at the `callsBeforeTuning`-th every candidate that fits the device and wastes at
/// most half its tile on the shape's edges is timed on that call's own operands into a scratch output (one warm-up,
/// then the best of three trials of `repeats` launches, `repeats` making a trial last about a millisecond), and the
/// fastest kept when it beats the heuristic's time by 5 %; a shape whose timing would cost more than
/// `budgetSeconds`, or whose output is larger than `scratchLimitBytes`, keeps the heuristic untimed. So products
/// made once or twice (a clustering's odd blocks) never pay for tuning, and a training run's dozen shapes pay once.
///
/// Choices persist in `gemm-tuning-<hash>.json` beside the program binaries (`OpenCLProgramCache`; the hash covers
/// the platform, device, driver, the kernels' source and the candidates), written atomically, so later processes
/// start tuned; an unreadable file is ignored and replaced.
///
/// Numerics do not depend on the choice: every tile shape sums each output's K terms in the same order into one
/// accumulator (the zero padding adds exact zeros), so a tuned product is bit for bit the untuned one. Split-K, whose
/// slices change that order, stays decided by the heuristic tile alone.
public final class GemmTuner {
    /// One product shape as tuned: which kernel, the transposes and the sizes.
    struct Shape: Hashable {
        let kernel: String, transA: Bool, transB: Bool, m: Int, n: Int, k: Int
        var key: String { "\(kernel) \(transA ? "T" : "N")\(transB ? "T" : "N") \(m)x\(n)x\(k)" }
    }

    /// The call of a shape that times the candidates (earlier ones run the heuristic tile).
    static let callsBeforeTuning = 3
    /// A candidate replaces the heuristic tile only when it takes less than this fraction of its time.
    static let margin = 0.95
    /// Device time the timing runs of one shape may take (seconds), compiles excluded.
    var budgetSeconds = 0.5
    /// The largest scratch output (bytes) a shape's timing runs may allocate.
    var scratchLimitBytes = 256 << 20
    /// Launches per trial aim for about this many seconds.
    static let trialSeconds = 0.001

    /// The tile shapes tried, before the device's limits and the shape's edges prune them: the heuristic's square
    /// tiles, 128 x 128 and 64 x 64 in both layouts, rectangular ones for products with few rows or columns (a
    /// convolution's 32 or 64 output channels), and the larger blocked ones again with the prefetching tile loop.
    /// Each is one more program to build per transpose pair on first use.
    static let candidates: [GemmTiling] = [
        GemmTiling(tileM: 128, tileN: 128, tileK: 8, workM: 8, workN: 8),
        GemmTiling(tileM: 128, tileN: 128, tileK: 8, workM: 8, workN: 8, blocked: true),
        GemmTiling(tileM: 128, tileN: 128, tileK: 16, workM: 8, workN: 8, blocked: true),
        GemmTiling(tileM: 64, tileN: 64, tileK: 16, workM: 4, workN: 4),
        GemmTiling(tileM: 64, tileN: 64, tileK: 16, workM: 4, workN: 4, blocked: true),
        GemmTiling(tileM: 64, tileN: 128, tileK: 16, workM: 4, workN: 8, blocked: true),
        GemmTiling(tileM: 128, tileN: 64, tileK: 16, workM: 8, workN: 4, blocked: true),
        GemmTiling(tileM: 32, tileN: 128, tileK: 16, workM: 4, workN: 8, blocked: true),
        GemmTiling(tileM: 128, tileN: 32, tileK: 16, workM: 8, workN: 4, blocked: true),
        GemmTiling(tileM: 32, tileN: 32, tileK: 16, workM: 4, workN: 4),
        GemmTiling(tileM: 16, tileN: 16, tileK: 16, workM: 2, workN: 2),
        GemmTiling(tileM: 128, tileN: 128, tileK: 8, workM: 8, workN: 8, blocked: true, prefetch: true),
        GemmTiling(tileM: 128, tileN: 128, tileK: 16, workM: 8, workN: 8, blocked: true, prefetch: true),
        GemmTiling(tileM: 64, tileN: 64, tileK: 16, workM: 4, workN: 4, blocked: true, prefetch: true),
        GemmTiling(tileM: 64, tileN: 128, tileK: 16, workM: 4, workN: 8, blocked: true, prefetch: true),
        GemmTiling(tileM: 128, tileN: 64, tileK: 16, workM: 8, workN: 4, blocked: true, prefetch: true),
    ]

    /// Where the choices of the default backends are kept: the program binaries' directory (nil when disk caching is
    /// off or impossible: then choices live as long as the backend).
    public static var defaultDirectory: URL? { OpenCLProgramCache.cacheDirectory() }

    private let file: URL?
    private let fits: (GemmTiling) -> Bool
    private var choices: [String: GemmTiling] = [:]
    private var calls: [Shape: Int] = [:]
    /// Shapes this tuner timed (not loaded), in order: for tests and reports.
    private(set) var timedShapes: [String] = []
    /// Per convolution geometry (`Conv2DGeometry.description`): implicit GEMM with a tile, or the im2col path
    /// (`ConvolutionForward`).
    private var convolutionChoices: [String: ConvolutionForwardChoice] = [:]
    private var convolutionCalls: [String: Int] = [:]
    /// Convolution geometries this tuner timed (not loaded), in order.
    private(set) var timedConvolutions: [String] = []

    init(info: OpenCLDeviceInfo, directory: URL?) {
        fits = { $0.fits(maxThreads: info.maxWorkGroupSize, localBytes: info.localMemoryBytes) }
        file = directory.map { Self.file(for: info, in: $0) }
        if let file, let data = try? Data(contentsOf: file),
           let stored = try? JSONDecoder().decode(Stored.self, from: data) {
            for (key, text) in stored.choices {
                if let tiling = GemmTiling(parsing: text), fits(tiling) { choices[key] = tiling }
            }
            for (key, text) in stored.convolutions ?? [:] {
                switch ConvolutionForwardChoice(parsing: text) {
                case .im2col?: convolutionChoices[key] = .im2col
                case .implicit(let tiling)? where fits(tiling): convolutionChoices[key] = .implicit(tiling)
                default: break
                }
            }
        }
    }

    /// The file that keeps `info`'s choices in `directory`: its name hashes the platform, device, driver, the kernels'
    /// source and the candidates, so a new driver or kernel starts afresh.
    static func file(for info: OpenCLDeviceInfo, in directory: URL) -> URL {
        let identity = [info.platformName, info.platformVersion, info.name, info.driverVersion, info.deviceVersion,
                        GemmKernels.source.source, candidates.map(\.parseable).joined(separator: " ")]
            .joined(separator: "\u{1}")
        return directory.appendingPathComponent("gemm-tuning-\(fnv1a64Hex(identity)).json")
    }

    /// How many product shapes have a tile and how many convolution geometries a forward path kept for `info` in the
    /// default directory, and the file (`fmnist devices`); nil when there is no such file.
    public static func cachedChoices(for info: OpenCLDeviceInfo) -> (count: Int, convolutions: Int, file: String)? {
        guard let directory = defaultDirectory else { return nil }
        let file = file(for: info, in: directory)
        guard let data = try? Data(contentsOf: file),
              let stored = try? JSONDecoder().decode(Stored.self, from: data) else { return nil }
        return (stored.choices.count, stored.convolutions?.count ?? 0, file.path)
    }

    /// The tile chosen for `shape`, when it was tuned (here or by an earlier process).
    func choice(for shape: Shape) -> GemmTiling? { choices[shape.key] }

    /// Counts one call of `shape`; true on the call that should time the candidates.
    func isDue(_ shape: Shape) -> Bool {
        let count = calls[shape, default: 0] + 1
        calls[shape] = count
        return count == Self.callsBeforeTuning
    }

    /// The candidates worth timing for an `m x n` output: those that fit the device and fill at least half of the
    /// tiles they cover; `heuristic` first.
    func candidates(m: Int, n: Int, heuristic: GemmTiling) -> [GemmTiling] {
        let useful = Self.candidates.filter { t in
            guard t != heuristic, fits(t) else { return false }
            let covered = Double((m + t.tileM - 1) / t.tileM * t.tileM) * Double((n + t.tileN - 1) / t.tileN * t.tileN)
            return Double(m) * Double(n) >= 0.5 * covered
        }
        return [heuristic] + useful
    }

    /// Keeps `tiling` for `shape` and writes every choice to the file (atomically); a write that fails is not an error
    /// (the choice then lasts as long as this backend).
    func remember(_ shape: Shape, _ tiling: GemmTiling, timed: Bool) {
        choices[shape.key] = tiling
        if timed { timedShapes.append(shape.key) }
        save()
    }

    /// The forward path chosen for a convolution geometry, when it was timed (here or by an earlier process).
    func convolutionChoice(for geometry: String) -> ConvolutionForwardChoice? { convolutionChoices[geometry] }

    /// Counts one forward step of a convolution geometry; true on the call that should time the paths.
    func isDue(convolution geometry: String) -> Bool {
        let count = convolutionCalls[geometry, default: 0] + 1
        convolutionCalls[geometry] = count
        return count == Self.callsBeforeTuning
    }

    /// Keeps `choice` for a convolution geometry and writes every choice to the file, as `remember(_:_:timed:)`.
    func remember(convolution geometry: String, _ choice: ConvolutionForwardChoice, timed: Bool) {
        convolutionChoices[geometry] = choice
        if timed { timedConvolutions.append(geometry) }
        save()
    }

    private func save() {
        guard let file else { return }
        let stored = Stored(choices: choices.mapValues(\.parseable),
                            convolutions: convolutionChoices.isEmpty ? nil : convolutionChoices.mapValues(\.parseable))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        if let data = try? encoder.encode(stored) { try? data.write(to: file, options: .atomic) }
    }

    private struct Stored: Codable {
        var choices: [String: String]
        /// Convolution geometry -> `im2col` or the implicit GEMM's tile (absent in files written before it existed).
        var convolutions: [String: String]?
    }
}
