import ArgumentParser
import Backend
import Foundation

/// Which backend to run on: `auto` picks an OpenCL GPU when there is one, else the CPU backend.
enum BackendChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, cpu, opencl
}

/// `--backend auto|cpu|opencl` and `--device N`, shared by every command that computes.
/// Without `--backend`, the environment variable `FMNIST_BACKEND` decides, else `auto`.
struct BackendOptions: ParsableArguments {
    @Option(help: "Compute backend: auto, cpu or opencl (default: $FMNIST_BACKEND, else auto).")
    var backend: BackendChoice?

    @Option(help: "OpenCL device index, as listed by `fmnist devices` (implies --backend opencl under auto).")
    var device: Int?

    @Option(help: ArgumentHelp("Time every OpenCL command on the device and write where the time went to this file (a table; "
        + "JSON when it ends in .json) when the command finishes.", valueName: "file"))
    var profileKernels: String?

    func validate() throws {
        guard let profileKernels else { return }
        try OutputPath.check(profileKernels, flag: "--profile-kernels", extensions: ["txt", "json"])
        KernelProfileOutput.expect(profileKernels)
        if (try? choice()) == .cpu { throw Self.profilingRefused(profileKernels, backend: "cpu") }
    }

    /// The error for `--profile-kernels` on a backend other than OpenCL.
    private static func profilingRefused(_ path: String, backend: String) -> ValidationError {
        ValidationError("--profile-kernels \(path) times OpenCL commands, but the command runs on the \(backend) backend; "
            + "pass --backend opencl")
    }

    /// The choice after the flag and the environment are applied.
    func choice() throws -> BackendChoice {
        if let backend { return backend }
        guard let text = ProcessInfo.processInfo.environment["FMNIST_BACKEND"], !text.isEmpty else { return .auto }
        guard let parsed = BackendChoice(rawValue: text.lowercased()) else {
            throw ValidationError("FMNIST_BACKEND='\(text)' is not a backend; use auto, cpu or opencl")
        }
        return parsed
    }

    /// Opens the chosen backend and says on `log` what it took and why. With `--profile-kernels`, the
    /// backend must be OpenCL; its profile is written when the command returns (`KernelProfileOutput`).
    func open(log: @escaping (String) -> Void) throws -> any ComputeBackend {
        let backend = try openChoice(log: log)
        guard let profileKernels else { return backend }
        guard let openCL = backend as? OpenCLBackend else {
            throw Self.profilingRefused(profileKernels, backend: backend.name)
        }
        KernelProfileOutput.request(openCL, path: profileKernels, log: log)
        return backend
    }

    private func openChoice(log: (String) -> Void) throws -> any ComputeBackend {
        let profiling = profileKernels != nil
        switch try choice() {
        case .cpu:
            if let device {
                throw ValidationError("--device \(device) applies to the OpenCL backend, not "
                    + (backend == nil ? "FMNIST_BACKEND=cpu (from the environment)" : "--backend cpu"))
            }
            let cpu = CPUBackend()
            log("backend: cpu (\(cpu.deviceDescription))")
            return cpu
        case .opencl:
            let backend = try OpenCLBackend(deviceIndex: device, profiling: profiling)
            log("backend: opencl, device \(backend.info.index): \(backend.deviceDescription)")
            return backend
        case .auto:
            if let device {
                let backend = try OpenCLBackend(deviceIndex: device, profiling: profiling)
                log("backend: opencl (auto, --device \(device)): \(backend.deviceDescription)")
                return backend
            }
            let (backend, reason) = Self.automatic(profiling: profiling)
            log("backend: \(backend.name) (auto: \(reason)): \(backend.deviceDescription)")
            return backend
        }
    }

    /// The `auto` rule: the first OpenCL GPU, else the CPU backend; returns the reason in words.
    static func automatic(profiling: Bool = false) -> (any ComputeBackend, String) {
        let devices: [OpenCLDeviceInfo]
        do { devices = try OpenCLPlatforms.devices() } catch {
            return (CPUBackend(), "OpenCL unavailable (\(error)), using BLAS")
        }
        guard let gpu = devices.first(where: \.isGPU) else {
            let why = devices.isEmpty ? "no OpenCL platform" : "no OpenCL GPU (a CPU OpenCL driver is slower than BLAS on the same cores)"
            return (CPUBackend(), why)
        }
        do {
            return (try OpenCLBackend(deviceIndex: gpu.index, profiling: profiling), "OpenCL GPU found")
        } catch {
            return (CPUBackend(), "OpenCL GPU \(gpu.name) failed to open (\(error)), falling back to BLAS")
        }
    }
}

/// Writes a line to standard error (progress and notes; standard output stays clean for `--json`).
func note(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
