import COpenCL
import Foundation
import Kernels

/// Builds OpenCL programs and remembers them: in memory for the life of the backend, and as
/// device binaries on disk under `$XDG_CACHE_HOME/fmnist/opencl` (or `~/.cache/fmnist/opencl`).
///
/// The disk key hashes the platform, device, driver and device versions, the build options and the
/// source, so a new driver or an edited kernel never loads a stale binary. The disk cache is skipped
/// when the directory is not writable or `FMNIST_KERNEL_CACHE=0`; a binary the driver rejects is
/// rebuilt from source and replaced.
final class OpenCLProgramCache {
    private let context: OpenCLContext
    private let device: cl_device_id
    private let info: OpenCLDeviceInfo
    private let directory: URL?
    private var programs: [String: OpenCLProgram] = [:]

    init(context: OpenCLContext, device: cl_device_id, info: OpenCLDeviceInfo) {
        self.context = context
        self.device = device
        self.info = info
        directory = Self.cacheDirectory()
    }

    /// The directory for cached binaries, or nil when caching to disk is off or impossible.
    static func cacheDirectory() -> URL? {
        let env = ProcessInfo.processInfo.environment
        if env["FMNIST_KERNEL_CACHE"] == "0" { return nil }
        let base = env["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        let dir = base.appendingPathComponent("fmnist/opencl")
        return isWritableDirectory(dir) ? dir : nil
    }

    /// The program built from `source` with `options`, from memory, disk, or a fresh build.
    func program(_ source: KernelSource, options: String) throws -> OpenCLProgram {
        let key = [info.platformName, info.platformVersion, info.name, info.driverVersion, info.deviceVersion,
                   options, source.source].joined(separator: "\u{1}")
        if let cached = programs[key] { return cached }
        let file = directory?.appendingPathComponent("\(source.name)-\(fnv1a64Hex(key)).bin")
        if let file, let binary = try? Data(contentsOf: file), let program = try? buildFromBinary(binary, options: options) {
            programs[key] = program
            return program
        }
        let program = try buildFromSource(source, options: options)
        if let file, let binary = try? binaryOf(program) {
            try? binary.write(to: file, options: .atomic)
        }
        programs[key] = program
        return program
    }

    private func buildFromSource(_ source: KernelSource, options: String) throws -> OpenCLProgram {
        var status: cl_int = 0
        let handle: cl_program? = source.source.withCString { text in
            var pointer: UnsafePointer<CChar>? = text
            var length = strlen(text)
            return clCreateProgramWithSource(context.handle, 1, &pointer, &length, &status)
        }
        try check(status, "clCreateProgramWithSource(\(source.name))")
        guard let handle else { throw BackendError.openCL(call: "clCreateProgramWithSource", status: status, name: openCLStatusName(status)) }
        let program = OpenCLProgram(handle)
        var dev: cl_device_id? = device
        let build = clBuildProgram(handle, 1, &dev, options, nil, nil)
        if build != CL_SUCCESS {
            throw BackendError.buildFailed(program: source.name, device: info.name, log: buildLog(handle))
        }
        return program
    }

    private func buildFromBinary(_ binary: Data, options: String) throws -> OpenCLProgram {
        var status: cl_int = 0
        var binaryStatus: cl_int = 0
        var dev: cl_device_id? = device
        let handle: cl_program? = binary.withUnsafeBytes { raw in
            var pointer: UnsafePointer<UInt8>? = raw.bindMemory(to: UInt8.self).baseAddress
            var length = binary.count
            return clCreateProgramWithBinary(context.handle, 1, &dev, &length, &pointer, &binaryStatus, &status)
        }
        try check(status, "clCreateProgramWithBinary")
        try check(binaryStatus, "clCreateProgramWithBinary")
        guard let handle else { throw BackendError.openCL(call: "clCreateProgramWithBinary", status: status, name: openCLStatusName(status)) }
        let program = OpenCLProgram(handle)
        try check(clBuildProgram(handle, 1, &dev, options, nil, nil), "clBuildProgram(binary)")
        return program
    }

    private func binaryOf(_ program: OpenCLProgram) throws -> Data {
        var size = 0
        try check(clGetProgramInfo(program.handle, cl_program_info(CL_PROGRAM_BINARY_SIZES), MemoryLayout<Int>.size, &size, nil),
                  "clGetProgramInfo(CL_PROGRAM_BINARY_SIZES)")
        guard size > 0 else { throw BackendError.invalidArgument("driver returned an empty program binary") }
        var bytes = [UInt8](repeating: 0, count: size)
        try bytes.withUnsafeMutableBufferPointer { buffer in
            var pointer: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            try check(clGetProgramInfo(program.handle, cl_program_info(CL_PROGRAM_BINARIES),
                                       MemoryLayout<UnsafeMutablePointer<UInt8>?>.size, &pointer, nil),
                      "clGetProgramInfo(CL_PROGRAM_BINARIES)")
        }
        return Data(bytes)
    }

    private func buildLog(_ program: cl_program) -> String {
        var size = 0
        clGetProgramBuildInfo(program, device, cl_program_build_info(CL_PROGRAM_BUILD_LOG), 0, nil, &size)
        guard size > 1 else { return "(empty build log)" }
        var bytes = [CChar](repeating: 0, count: size + 1)
        clGetProgramBuildInfo(program, device, cl_program_build_info(CL_PROGRAM_BUILD_LOG), size, &bytes, nil)
        return String(cString: bytes).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// 64-bit FNV-1a of the UTF-8 bytes, as 16 hex digits: a cache key, not a security hash.
func fnv1a64Hex(_ text: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}
