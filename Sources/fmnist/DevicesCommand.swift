import ArgumentParser
import Backend
import Foundation

/// `fmnist devices`: every OpenCL device, the CPU backend, and what `--backend auto` would take.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices", abstract: "List OpenCL devices and the CPU backend, and say which backend auto picks.")

    @Flag(help: "Print JSON instead of text.")
    var json = false

    struct Report: Codable {
        var openCLDevices: [OpenCLDeviceInfo]
        /// Per OpenCL device, in the same order: which kernels `--backend opencl` runs there.
        var openCLKernels: [Kernels]
        var openCLError: String?
        var cpu: CPUInfo
        var auto: AutoChoice
    }

    struct CPUInfo: Codable {
        var blas: String
        var blasCore: String
        var blasThreads: Int
        var openblasCoretype: String?
        /// The kernel OpenBLAS fell back to when fmnist chose `openblasCoretype` itself (nil: the user's or OpenBLAS's choice).
        var openblasFallback: String?
        var cores: Int
        /// Threads the CPU backend uses (`FMNIST_THREADS`, else the CPUs this process may run on).
        var threads: Int
        /// Whether this CPU's BLAS kernels give the same products on every thread count (`GemmSplit`).
        var productsIgnoreThreadCount: Bool
        /// The vector instructions of the convolutions' data movement: AVX-512F, AVX2 or none (`CPUBackend.convolutionKernels`).
        var convolutionKernels: String
    }

    /// The kernel family a device gets (`gpu`: tiled, local-memory kernels; `cpu`: vector kernels), whether its GEMM
    /// tiles are tuned per product shape (`GemmTuner`), and how many shapes this machine has tuned so far.
    struct Kernels: Codable {
        var family: String
        var forced: Bool
        var gemmTuning: Bool
        /// Why the tiles are not tuned (nil when they are, or when the family has no tiles).
        var tuningOff: String?
        var tunedShapes: Int
        /// Convolution geometries whose forward path (implicit GEMM or im2col) was timed and kept.
        var tunedConvolutions: Int
        /// `FMNIST_CONV_FORWARD`: automatic, implicit or im2col.
        var convolutionForward: String
        var tuningFile: String?

        init(_ d: OpenCLDeviceInfo) {
            let style = OpenCLBackend.KernelStyle.current
            family = style == .automatic ? (d.isGPU ? "gpu" : "cpu") : style.rawValue
            forced = style != .automatic
            let reason = GemmTuning.current.offReason(deviceIsGPU: d.isGPU, gpuKernels: family == "gpu",
                                                      tilingForced: GemmTuning.tilingForcedByEnvironment)
            gemmTuning = reason == nil
            tuningOff = family == "gpu" ? reason : nil
            let cached = GemmTuner.cachedChoices(for: d)
            (tunedShapes, tunedConvolutions, tuningFile) = (cached?.count ?? 0, cached?.convolutions ?? 0, cached?.file)
            convolutionForward = ConvolutionForward.current.rawValue
        }

        /// How convolutions run their forward step on this device (`ConvolutionForward`).
        var convolutionPath: String {
            switch ConvolutionForward(rawValue: convolutionForward) ?? .automatic {
            case .implicit: return "convolutions by implicit GEMM (\(ConvolutionForward.variable))"
            case .im2col: return "convolutions by im2col + GEMM (\(ConvolutionForward.variable))"
            case .automatic:
                return gemmTuning ? "convolutions by implicit GEMM or im2col, timed per layer (\(tunedConvolutions) kept)"
                                  : "convolutions by im2col + GEMM"
            }
        }

        var description: String {
            let source = forced ? " (\(OpenCLBackend.KernelStyle.variable))" : ""
            guard family == "gpu" else { return "cpu family\(source): vector kernels, no local memory" }
            let kept = "\(tunedShapes) shapes kept" + (tuningFile.map { " in \($0)" } ?? "")
            let tuning = gemmTuning
                ? "GEMM tiles tuned per shape on first use (\(kept))"
                : "GEMM tiles not tuned (\(tuningOff ?? "tuning off"))"
            return "gpu family\(source): tiled kernels in local memory; \(tuning); \(convolutionPath)"
        }
    }

    struct AutoChoice: Codable {
        var backend: String
        var device: String
        var reason: String
    }

    func run() throws {
        var devices: [OpenCLDeviceInfo] = []
        var openCLError: String?
        do { devices = try OpenCLPlatforms.devices() } catch { openCLError = "\(error)" }
        let cpu = CPUInfo(blas: CPUBackend.blasDescription, blasCore: CPUBackend.blasCoreName, blasThreads: CPUBackend.blasThreads,
                          openblasCoretype: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"],
                          openblasFallback: ProcessInfo.processInfo.environment[BLASCoreChoice.restartMarker],
                          cores: ProcessInfo.processInfo.activeProcessorCount, threads: CPUThreads.count,
                          productsIgnoreThreadCount: try CPUBackend.productsIgnoreThreadCount(),
                          convolutionKernels: CPUBackend.convolutionKernels)
        let (backend, reason) = BackendOptions.automatic()
        let report = Report(openCLDevices: devices, openCLKernels: devices.map(Kernels.init), openCLError: openCLError,
                            cpu: cpu, auto: AutoChoice(backend: backend.name, device: backend.deviceDescription, reason: reason))
        if json {
            print(try jsonString(report))
            return
        }
        print("OpenCL devices:")
        if devices.isEmpty { print("  none" + (openCLError.map { " (\($0))" } ?? " (no OpenCL platform found)")) }
        for (d, kernels) in zip(devices, report.openCLKernels) {
            print("  [\(d.index)] \(d.name)")
            print("      platform      \(d.platformName) (\(d.platformVersion))")
            print("      type          \(d.type), \(d.computeUnits) compute units")
            print("      memory        \(formatBytes(d.globalMemoryBytes)) global, \(formatBytes(d.localMemoryBytes)) local, "
                + "\(formatBytes(d.maxAllocationBytes)) max buffer")
            print("      work-group    \(d.maxWorkGroupSize) items max")
            print("      versions      driver \(d.driverVersion); \(d.deviceVersion); \(d.openCLCVersion)")
            print("      kernels       \(kernels.description)")
        }
        print("CPU backend:")
        print("  BLAS          \(cpu.blas)")
        print("  kernel        \(cpu.blasCore)\(cpu.openblasCoretype.map { " (OPENBLAS_CORETYPE=\($0))" } ?? "")")
        if let fallback = cpu.openblasFallback {
            print("                OpenBLAS had fallen back to its generic \(fallback) kernels on this CPU; fmnist set the coretype itself")
        }
        print("  convolutions  \(CPUBackend.convolutionKernelsDescription)")
        let source = ProcessInfo.processInfo.environment[CPUThreads.variable].map { "\(CPUThreads.variable)=\($0)" }
            ?? "the CPUs this process may use"
        print("  threads       \(cpu.threads) (\(source)) of \(cpu.cores) cores "
              + "(OpenBLAS's own pool of \(cpu.blasThreads) is switched off: each BLAS call runs on one of these)")
        print(cpu.productsIgnoreThreadCount
              ? "  results       the same on every thread count (products on 2, 3 and 16 threads checked bit for bit)"
              : "  results       may depend on the thread count: this CPU's BLAS kernels round the backend's cut differently; "
                + "set FMNIST_THREADS to compare runs")
        print("--backend auto: \(backend.name) (\(reason)): \(backend.deviceDescription)")
    }
}

/// Pretty, key-sorted JSON text of `value`.
func jsonString<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
