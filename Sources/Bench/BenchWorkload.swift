import Backend

/// One op at one shape, runnable on any backend with the same inputs.
///
/// `prepare` uploads the inputs (untimed) and returns the timed body and a way to read the result
/// back for the cross-backend check. Inputs come from `seed`, so every backend sees the same numbers.
public protocol BenchWorkload {
    /// Op family, e.g. `gemm`, `nearest`, `relu`.
    var op: String { get }
    /// Shape in words, e.g. `1024x1024x1024` or `70000x784 vs 10`.
    var shape: String { get }
    /// Floating-point operations per run (nil when bandwidth is the measure).
    var flops: Double? { get }
    /// Bytes read plus written per run, for GB/s when `flops` is nil.
    var bytes: Double { get }
    /// Largest NMSE between two backends' results that still counts as agreement.
    var tolerance: Double { get }
    func prepare<B: ComputeBackend>(_ backend: B) throws -> PreparedWorkload
}

/// A workload with its inputs on one backend.
public struct PreparedWorkload {
    /// Runs the op once and waits for it to finish.
    public let run: () throws -> Void
    /// The result, for comparing backends (floats; indices are converted exactly).
    public let result: () throws -> [Float]

    public init(run: @escaping () throws -> Void, result: @escaping () throws -> [Float]) {
        self.run = run
        self.result = result
    }
}
