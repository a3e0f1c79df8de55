import Foundation

/// Errors a user can cause or meet at run time: a missing device, a failed driver call, a kernel
/// that does not build, memory the device does not have. `description` is one line (a build log,
/// when present, follows on the lines after it).
public enum BackendError: Error, CustomStringConvertible, Equatable {
    /// No OpenCL platform or device is available (with the reason and what to do).
    case noOpenCLDevice(String)
    /// `--device N` is out of range; `available` lists the devices, one per line.
    case deviceOutOfRange(requested: Int, available: [String])
    /// An OpenCL call returned a non-success status.
    case openCL(call: String, status: Int32, name: String)
    /// A kernel program failed to build on a device.
    case buildFailed(program: String, device: String, log: String)
    /// An allocation larger than the device allows.
    case allocationTooLarge(bytes: Int, limit: Int, device: String)
    /// Something else the user must fix, stated in one line.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .noOpenCLDevice(let why):
            return "no OpenCL device: \(why)"
        case .deviceOutOfRange(let requested, let available):
            let list = available.isEmpty ? " (none)" : "\n" + available.joined(separator: "\n")
            return "--device \(requested) is out of range; OpenCL devices:" + list
        case .openCL(let call, let status, let name):
            return "OpenCL call \(call) failed with \(name) (\(status))"
        case .buildFailed(let program, let device, let log):
            return "OpenCL program '\(program)' failed to build on \(device); build log:\n\(log)"
        case .allocationTooLarge(let bytes, let limit, let device):
            return "cannot allocate \(formatBytes(bytes)) on \(device): the device allows at most "
                + "\(formatBytes(limit)) in one buffer"
        case .invalidArgument(let message):
            return message
        }
    }
}

/// `1536` -> `1.5 KiB`; used in messages.
public func formatBytes(_ bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}
