import ArgumentParser
import Backend
import Dataset
import Foundation

/// The `--profile-kernels FILE` request of the running command: the profiling backend it opened,
/// whose `KernelProfile` `FMNIST.main` writes to the file (atomically) once the command returns.
enum KernelProfileOutput {
    nonisolated(unsafe) private static var requested: (backend: OpenCLBackend, path: String, log: (String) -> Void)?
    /// The path the flag named, set when the command line is validated, whether or not a backend opens.
    nonisolated(unsafe) private static var flagged: String?

    /// Notes that `--profile-kernels path` was given (`BackendOptions.validate`).
    static func expect(_ path: String) { flagged = path }

    /// Remembers the request; `log` is the command's note channel (silent under `--quiet` / `--json`).
    static func request(_ backend: OpenCLBackend, path: String, log: @escaping (String) -> Void) {
        requested = (backend, path, log)
    }

    /// Writes the profile, if one was requested: JSON when the path ends in `.json`, else the table;
    /// says where on the command's log.
    /// A command that ran no OpenCL work (e.g. `evaluate` without `--features`) writes nothing and says so.
    static func writeIfRequested() throws {
        guard let (backend, path, log) = requested else {
            if let flagged { note("note: --profile-kernels \(flagged): this command ran nothing on a device; no profile written") }
            return
        }
        requested = nil
        let profile = try backend.kernelProfile()
        let data: Data
        if path.lowercased().hasSuffix(".json") {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            data = try encoder.encode(profile)
        } else {
            data = Data(profile.table().utf8)
        }
        do { try AtomicFile.write(data, to: path) } catch { throw ValidationError("--profile-kernels \(error)") }
        log(String(format: "kernel profile: %@ (%d commands; device busy %.3f s of %.3f s from first to last)",
                   path, profile.commands, profile.busySeconds, profile.spanSeconds))
    }
}
