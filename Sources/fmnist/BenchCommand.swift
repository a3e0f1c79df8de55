import ArgumentParser
import Backend
import Bench
import Dataset
import Foundation

/// `fmnist bench`: times each op on each backend at realistic shapes and checks every result
/// against the other backend.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time GEMM, distances, elementwise ops and reductions on each backend (median of several runs).",
        discussion: "Each op is run once to warm up (kernel builds happen there), then timed several times; "
            + "the median is reported with GFLOP/s or GB/s and the speed-up over the CPU backend. Every result is "
            + "compared with another backend's (NMSE); disagreements are flagged MISMATCH and make the exit status 1.")

    @Option(help: "Backends to time: all, auto, cpu or opencl (default: $FMNIST_BACKEND, else all available).")
    var backend: String?

    @Option(help: "OpenCL device index (see `fmnist devices`).")
    var device: Int?

    @Option(help: "Op families, comma-separated: \(BenchSuite.families.joined(separator: ",")).")
    var ops: String = BenchSuite.families.joined(separator: ",")

    @Option(help: "Square GEMM sizes, comma-separated.")
    var sizes: String = defaultSizes

    static let defaultSizes = BenchSuite.defaultGemmSizes.map { String($0) }.joined(separator: ",")

    @Option(help: "Most timed runs per op.")
    var repeats: Int = 10

    @Option(help: "Fewest timed runs per op (unless one run exceeds the budget).")
    var minRepeats: Int = 3

    @Option(help: "Seconds of timed runs to aim for per op and backend.")
    var budget: Double = 3

    @Flag(help: "Skip the cross-backend result check.")
    var noCheck = false

    @Option(help: "Also write the results as JSON to this file (atomically).")
    var out: String?

    @Flag(help: "Print JSON instead of the table.")
    var json = false

    @Flag(help: "No progress lines; only the final table (or JSON).")
    var quiet = false

    /// `--backend`, else `FMNIST_BACKEND`, else `all`.
    private var backendChoice: String {
        backend ?? ProcessInfo.processInfo.environment["FMNIST_BACKEND"].flatMap { $0.isEmpty ? nil : $0.lowercased() } ?? "all"
    }

    func validate() throws {
        guard ["all", "auto", "cpu", "opencl"].contains(backendChoice) else {
            let source = backend == nil ? "FMNIST_BACKEND" : "--backend"
            throw ValidationError("\(source) '\(backendChoice)' is not one of all, auto, cpu, opencl")
        }
        try OutputPath.check(out, flag: "--out", extensions: ["json"])
        let unknown = opsList.filter { !BenchSuite.families.contains($0) }
        guard unknown.isEmpty else {
            throw ValidationError("--ops: unknown op family '\(unknown[0])'; choose from \(BenchSuite.families.joined(separator: ", "))")
        }
        guard let sizes = gemmSizes, sizes.allSatisfy({ $0 >= 1 && $0 <= 16_384 }) else {
            throw ValidationError("--sizes '\(sizes)' must be comma-separated integers between 1 and 16384")
        }
        if !opsList.contains("gemm") && self.sizes != Self.defaultSizes {
            throw ValidationError("--sizes sets the GEMM shapes; --ops \(ops) times no gemm")
        }
        guard repeats >= 1, minRepeats >= 1, minRepeats <= repeats else {
            throw ValidationError("--repeats and --min-repeats must be at least 1, with --min-repeats <= --repeats")
        }
        guard budget > 0 else { throw ValidationError("--budget must be positive") }
    }

    private var opsList: [String] { ops.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    private var gemmSizes: [Int]? {
        let parts = sizes.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        return parts.contains(where: { $0 == nil }) || parts.isEmpty ? nil : parts.compactMap { $0 }
    }

    func run() throws {
        let log: (String) -> Void = quiet || json ? { _ in } : note
        let (timed, checker) = try openBackends(log: log)
        let runner = BenchRunner(backends: timed, checker: noCheck ? nil : checker,
                                 settings: BenchSettings(minRepeats: minRepeats, maxRepeats: repeats, budgetSeconds: budget))
        let workloads = BenchSuite.workloads(families: opsList, gemmSizes: gemmSizes ?? [])
        let table = BenchTable()
        if !(quiet || json) { print(table.header); fflush(stdout) }
        let rows = try runner.run(workloads) { row in
            if !(quiet || json) { print(table.line(row)); fflush(stdout) }
        }
        if quiet && !json { print(table.header); rows.forEach { print(table.line($0)) } }
        let report = BenchReport(date: ISO8601DateFormatter().string(from: Date()),
                                 backends: timed.map { "\($0.name): \($0.deviceDescription)" },
                                 openblasCoretype: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"],
                                 rows: rows)
        let text = try jsonString(report)
        if json { print(text) }
        if let out { try AtomicFile.write(Data((text + "\n").utf8), to: out) }
        let mismatches = rows.filter { $0.check == "MISMATCH" }
        if !mismatches.isEmpty {
            throw ValidationError("\(mismatches.count) result(s) disagree between backends: "
                + mismatches.map { "\($0.op) \($0.shape) on \($0.backend) (NMSE \($0.nmse ?? .nan))" }.joined(separator: "; "))
        }
    }

    /// The backends to time, and one to check against when only one is timed.
    private func openBackends(log: (String) -> Void) throws -> ([any ComputeBackend], (any ComputeBackend)?) {
        let cpu = CPUBackend()
        var openCL: OpenCLBackend?
        var openCLError: Error?
        do { openCL = try OpenCLBackend(deviceIndex: device) } catch { openCLError = error }
        switch backendChoice {
        case "cpu":
            log("timing cpu (\(cpu.deviceDescription))")
            return ([cpu], openCL)
        case "opencl":
            guard let openCL else { throw openCLError! }
            log("timing opencl (\(openCL.deviceDescription))")
            return ([openCL], cpu)
        case "auto":
            let (chosen, reason) = device == nil ? BackendOptions.automatic() : (openCL ?? cpu, "--device \(device!)")
            log("timing \(chosen.name) (auto: \(reason))")
            return ([chosen], chosen.name == "cpu" ? openCL : cpu)
        default:
            if let openCL {
                log("timing cpu (\(cpu.deviceDescription)) and opencl (\(openCL.deviceDescription))")
                return ([cpu, openCL], nil)
            }
            if let error = openCLError as? BackendError, case .deviceOutOfRange = error { throw error }
            log("timing cpu only: \(openCLError.map { "\($0)" } ?? "no OpenCL device")")
            return ([cpu], nil)
        }
    }
}

/// What `--json` and `--out` hold.
struct BenchReport: Codable {
    var date: String
    var backends: [String]
    var openblasCoretype: String?
    var rows: [BenchRow]
}

/// Fixed-width rendering of bench rows.
struct BenchTable {
    var header: String {
        pad("op", 14) + pad("shape", 34) + pad("backend", 8) + padLeft("median ms", 11) + padLeft("rate", 15)
            + padLeft("vs cpu", 9) + "  check"
    }

    func line(_ row: BenchRow) -> String {
        let rate = row.gflops.map { String(format: "%.1f GFLOP/s", $0) } ?? row.gbps.map { String(format: "%.1f GB/s", $0) } ?? "-"
        let speed = row.speedupVsCPU.map { String(format: "%.2fx", $0) } ?? "-"
        let check = row.check == "unchecked" ? "unchecked" : "\(row.check) (\(String(format: "%.1e", row.nmse ?? 0)))"
        return pad(row.op, 14) + pad(row.shape, 34) + pad(row.backend, 8) + padLeft(String(format: "%.3f", row.medianMs), 11)
            + padLeft(rate, 15) + padLeft(speed, 9) + "  " + check
    }

    private func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }
    private func padLeft(_ s: String, _ width: Int) -> String { s.count >= width ? " " + s : String(repeating: " ", count: width - s.count) + s }
}
