import CBLAS
import CIntrinsics
import Foundation

/// OpenBLAS kernels for CPUs its build does not recognise.
///
/// Debian's OpenBLAS 0.3.21 picks its kernels at load time from the CPU model; for a model newer
/// than the library (e.g. the H100 machine's Xeon) it falls back to the generic `Prescott` kernels
/// (SSE3), which run GEMM at about half the speed of the AVX-512 ones on the same cores
/// (`benchmarks/results/2026-11-22-h100-layers`). The choice can only be changed before the
/// library loads, through `OPENBLAS_CORETYPE`, so the command-line tool restarts itself once with it
/// set when the fallback happened and the CPU has AVX-512 (`SkylakeX`) or AVX2 + FMA (`Haswell`).
/// A user's own `OPENBLAS_CORETYPE` is always left as it is.
public enum BLASCoreChoice {
    /// Set by the restart, so it happens at most once and `fmnist devices` can say so; its value is
    /// the kernel OpenBLAS had picked.
    public static let restartMarker = "FMNIST_OPENBLAS_FALLBACK"

    /// The `OPENBLAS_CORETYPE` to restart with, or nil to keep OpenBLAS's choice: only when the
    /// user set none, no restart happened yet, OpenBLAS fell back to `Prescott`, and the CPU has the
    /// instructions of a better kernel family.
    public static func replacement(loadedCore: String, environment: [String: String], avx512: Bool, avx2FMA: Bool) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil, environment[restartMarker] == nil,
              loadedCore.lowercased() == "prescott" else { return nil }
        if avx512 { return "SkylakeX" }
        if avx2FMA { return "Haswell" }
        return nil
    }

    /// `replacement` for this process, this CPU and the OpenBLAS loaded now.
    public static var replacementForThisProcess: String? {
        replacement(loadedCore: CPUBackend.blasCoreName, environment: ProcessInfo.processInfo.environment,
                    avx512: fmnist_cpu_has_avx512() != 0, avx2FMA: fmnist_cpu_has_avx2_fma() != 0)
    }

    /// Restarts the running program (`/proc/self/exe`, same arguments) with `OPENBLAS_CORETYPE` set
    /// when `replacementForThisProcess` says so; returns (doing nothing else) when it does not, or
    /// when the restart fails.
    public static func restartWithBetterKernelsIfNeeded() {
        guard let core = replacementForThisProcess else { return }
        setenv(restartMarker, CPUBackend.blasCoreName, 1)
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached when the restart failed: carry on with the kernels already loaded.
        unsetenv("OPENBLAS_CORETYPE")
    }
}
