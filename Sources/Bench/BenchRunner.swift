import Backend
import Dispatch

/// One line of the bench table.
public struct BenchRow: Codable, Sendable {
    public var op: String
    public var shape: String
    public var backend: String
    public var medianMs: Double
    public var minMs: Double
    public var repeats: Int
    /// GFLOP/s for arithmetic-bound ops, else nil.
    public var gflops: Double?
    /// GB/s (bytes read + written) for bandwidth-bound ops, else nil.
    public var gbps: Double?
    /// CPU backend's median over this backend's median (> 1: faster than the CPU backend).
    public var speedupVsCPU: Double?
    /// `ok`, `MISMATCH` or `unchecked` (no second backend to compare with).
    public var check: String
    /// NMSE against the other backend's result, when checked.
    public var nmse: Double?
}

/// Timing settings: a warm-up run (untimed, includes kernel compilation), then between
/// `minRepeats` and `maxRepeats` timed runs, as many as fit in `budgetSeconds` (at least one).
public struct BenchSettings: Sendable {
    public var minRepeats = 3
    public var maxRepeats = 10
    public var budgetSeconds = 3.0
    public init(minRepeats: Int = 3, maxRepeats: Int = 10, budgetSeconds: Double = 3.0) {
        (self.minRepeats, self.maxRepeats, self.budgetSeconds) = (minRepeats, max(1, maxRepeats), budgetSeconds)
    }
}

/// Times workloads on backends and checks every result against a second backend.
public struct BenchRunner {
    public let backends: [any ComputeBackend]
    /// Backend whose result is the reference when it is not itself being timed (may be nil).
    public let checker: (any ComputeBackend)?
    public let settings: BenchSettings

    public init(backends: [any ComputeBackend], checker: (any ComputeBackend)?, settings: BenchSettings) {
        (self.backends, self.checker, self.settings) = (backends, checker, settings)
    }

    /// Runs every workload on every backend, calling `progress` with each finished row.
    public func run(_ workloads: [any BenchWorkload], progress: (BenchRow) -> Void = { _ in }) throws -> [BenchRow] {
        var rows: [BenchRow] = []
        for workload in workloads {
            var timed: [(backend: any ComputeBackend, median: Double, min: Double, repeats: Int, result: [Float])] = []
            for backend in backends {
                let (median, minimum, repeats, result) = try time(workload, on: backend)
                timed.append((backend, median, minimum, repeats, result))
            }
            let cpuMedian = timed.first { $0.backend.name == "cpu" }?.median
            for entry in timed {
                // The reference: another timed backend's result, else the checker's.
                var reference = timed.first { $0.backend !== entry.backend }?.result
                if reference == nil, let checker, checker !== entry.backend {
                    reference = try resultOnce(workload, on: checker)
                }
                var row = BenchRow(op: workload.op, shape: workload.shape, backend: entry.backend.name,
                                   medianMs: entry.median * 1e3, minMs: entry.min * 1e3, repeats: entry.repeats,
                                   gflops: workload.flops.map { $0 / entry.median / 1e9 },
                                   gbps: workload.flops == nil ? workload.bytes / entry.median / 1e9 : nil,
                                   speedupVsCPU: cpuMedian.map { $0 / entry.median }, check: "unchecked", nmse: nil)
                if let reference {
                    let error = relativeError(entry.result, reference)
                    row.nmse = error
                    row.check = error <= workload.tolerance ? "ok" : "MISMATCH"
                }
                rows.append(row)
                progress(row)
            }
        }
        return rows
    }

    private func time<B: ComputeBackend>(_ workload: any BenchWorkload, on backend: B) throws
        -> (median: Double, min: Double, repeats: Int, result: [Float]) {
        let prepared = try workload.prepare(backend)
        let warm = try seconds(prepared.run)
        let fit = warm > 0 ? Int(settings.budgetSeconds / warm) : settings.maxRepeats
        let repeats = warm > settings.budgetSeconds ? 1 : min(settings.maxRepeats, max(settings.minRepeats, fit))
        var samples: [Double] = []
        for _ in 0 ..< repeats { samples.append(try seconds(prepared.run)) }
        samples.sort()
        let median = samples.count % 2 == 1 ? samples[samples.count / 2]
            : (samples[samples.count / 2 - 1] + samples[samples.count / 2]) / 2
        return (median, samples[0], repeats, try prepared.result())
    }

    private func resultOnce<B: ComputeBackend>(_ workload: any BenchWorkload, on backend: B) throws -> [Float] {
        let prepared = try workload.prepare(backend)
        try prepared.run()
        return try prepared.result()
    }

    private func seconds(_ body: () throws -> Void) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

/// `sum((a-b)^2) / sum(b^2)`; infinity when a value is NaN or infinite in one and not the other.
public func relativeError(_ a: [Float], _ b: [Float]) -> Double {
    guard a.count == b.count else { return .infinity }
    var num = 0.0, den = 0.0
    for (x, y) in zip(a, b) {
        if !x.isFinite || !y.isFinite {
            if x.isNaN && y.isNaN || x == y { continue }
            return .infinity
        }
        let d = Double(x) - Double(y)
        num += d * d
        den += Double(y) * Double(y)
    }
    return den == 0 ? (num == 0 ? 0 : .infinity) : num / den
}
