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

    /// The choice after the flag and the environment are applied.
    func choice() throws -> BackendChoice {
        if let backend { return backend }
        guard let text = ProcessInfo.processInfo.environment["FMNIST_BACKEND"], !text.isEmpty else { return .auto }
        guard let parsed = BackendChoice(rawValue: text.lowercased()) else {
            throw ValidationError("FMNIST_BACKEND='\(text)' is not a backend; use auto, cpu or opencl")
        }
        return parsed
    }

    /// Opens the chosen backend and says on `log` what it took and why.
    func open(log: (String) -> Void) throws -> any ComputeBackend {
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
            let backend = try OpenCLBackend(deviceIndex: device)
            log("backend: opencl, device \(backend.info.index): \(backend.deviceDescription)")
            return backend
        case .auto:
            if let device {
                let backend = try OpenCLBackend(deviceIndex: device)
                log("backend: opencl (auto, --device \(device)): \(backend.deviceDescription)")
                return backend
            }
            let (backend, reason) = Self.automatic()
            log("backend: \(backend.name) (auto: \(reason)): \(backend.deviceDescription)")
            return backend
        }
    }

    /// The `auto` rule: the first OpenCL GPU, else the CPU backend; returns the reason in words.
    static func automatic() -> (any ComputeBackend, String) {
        let devices: [OpenCLDeviceInfo]
        do { devices = try OpenCLPlatforms.devices() } catch {
            return (CPUBackend(), "OpenCL unavailable (\(error)), using BLAS")
        }
        guard let gpu = devices.first(where: \.isGPU) else {
            let why = devices.isEmpty ? "no OpenCL platform" : "no OpenCL GPU (a CPU OpenCL driver is slower than BLAS on the same cores)"
            return (CPUBackend(), why)
        }
        do {
            return (try OpenCLBackend(deviceIndex: gpu.index), "OpenCL GPU found")
        } catch {
            return (CPUBackend(), "OpenCL GPU \(gpu.name) failed to open (\(error)), falling back to BLAS")
        }
    }
}

/// Writes a line to standard error (progress and notes; standard output stays clean for `--json`).
func note(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
