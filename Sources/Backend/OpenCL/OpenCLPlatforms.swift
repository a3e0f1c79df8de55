import COpenCL
import Foundation

/// Enumerates OpenCL platforms and devices through the ICD loader.
public enum OpenCLPlatforms {
    /// One discovered device: its handle and what it reports.
    struct Entry {
        let platform: cl_platform_id
        let device: cl_device_id
        let info: OpenCLDeviceInfo
    }

    /// Every device of every platform, in platform order; empty when there is no platform.
    public static func devices() throws -> [OpenCLDeviceInfo] { try entries().map(\.info) }

    static func entries() throws -> [Entry] {
        preparePoCLCache()
        var platformCount: cl_uint = 0
        let status = clGetPlatformIDs(0, nil, &platformCount)
        if status == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */ || platformCount == 0 { return [] }
        try check(status, "clGetPlatformIDs")
        var platforms = [cl_platform_id?](repeating: nil, count: Int(platformCount))
        try check(clGetPlatformIDs(platformCount, &platforms, nil), "clGetPlatformIDs")
        var result: [Entry] = []
        for case let platform? in platforms {
            var deviceCount: cl_uint = 0
            let s = clGetDeviceIDs(platform, cl_device_type(CL_DEVICE_TYPE_ALL), 0, nil, &deviceCount)
            if s == CL_DEVICE_NOT_FOUND || deviceCount == 0 { continue }
            try check(s, "clGetDeviceIDs")
            var devices = [cl_device_id?](repeating: nil, count: Int(deviceCount))
            try check(clGetDeviceIDs(platform, cl_device_type(CL_DEVICE_TYPE_ALL), deviceCount, &devices, nil), "clGetDeviceIDs")
            for case let device? in devices {
                let info = try describe(device, platform: platform, index: result.count)
                result.append(Entry(platform: platform, device: device, info: info))
            }
        }
        return result
    }

    /// PoCL keeps compiled kernels under `$POCL_CACHE_DIR`, else `$XDG_CACHE_HOME/pocl`, else
    /// `~/.cache/pocl`, and reports no device at all when that directory cannot be created. When
    /// `POCL_CACHE_DIR` is unset and the default is not writable, point it at a private directory
    /// under the system temporary folder so PoCL still works.
    static func preparePoCLCache() {
        let env = ProcessInfo.processInfo.environment
        guard env["POCL_CACHE_DIR"] == nil else { return }
        let base = env["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        if isWritableDirectory(base.appendingPathComponent("pocl")) { return }
        let fallback = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-pocl-\(getuid())")
        if isWritableDirectory(fallback) { setenv("POCL_CACHE_DIR", fallback.path, 1) }
    }

    private static func describe(_ device: cl_device_id, platform: cl_platform_id, index: Int) throws -> OpenCLDeviceInfo {
        let type: cl_device_type = try deviceValue(device, CL_DEVICE_TYPE)
        let typeName: String
        if type & cl_device_type(CL_DEVICE_TYPE_GPU) != 0 { typeName = "gpu" }
        else if type & cl_device_type(CL_DEVICE_TYPE_CPU) != 0 { typeName = "cpu" }
        else if type & cl_device_type(CL_DEVICE_TYPE_ACCELERATOR) != 0 { typeName = "accelerator" }
        else { typeName = "other" }
        let units: cl_uint = try deviceValue(device, CL_DEVICE_MAX_COMPUTE_UNITS)
        let global: cl_ulong = try deviceValue(device, CL_DEVICE_GLOBAL_MEM_SIZE)
        let local: cl_ulong = try deviceValue(device, CL_DEVICE_LOCAL_MEM_SIZE)
        let maxAlloc: cl_ulong = try deviceValue(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE)
        let maxGroup: Int = try deviceValue(device, CL_DEVICE_MAX_WORK_GROUP_SIZE)
        let doubleConfig: cl_ulong = (try? deviceValue(device, CL_DEVICE_DOUBLE_FP_CONFIG)) ?? 0
        return OpenCLDeviceInfo(
            index: index,
            platformName: try platformString(platform, CL_PLATFORM_NAME),
            platformVersion: try platformString(platform, CL_PLATFORM_VERSION),
            name: try deviceString(device, CL_DEVICE_NAME),
            vendor: try deviceString(device, CL_DEVICE_VENDOR),
            type: typeName,
            computeUnits: Int(units),
            globalMemoryBytes: Int(global),
            localMemoryBytes: Int(local),
            maxAllocationBytes: Int(maxAlloc),
            maxWorkGroupSize: maxGroup,
            driverVersion: try deviceString(device, CL_DRIVER_VERSION),
            deviceVersion: try deviceString(device, CL_DEVICE_VERSION),
            openCLCVersion: try deviceString(device, CL_DEVICE_OPENCL_C_VERSION),
            doublePrecision: doubleConfig != 0)
    }

    static func deviceString(_ device: cl_device_id, _ param: Int32) throws -> String {
        var size = 0
        try check(clGetDeviceInfo(device, cl_device_info(param), 0, nil, &size), "clGetDeviceInfo")
        var bytes = [CChar](repeating: 0, count: size + 1)
        try check(clGetDeviceInfo(device, cl_device_info(param), size, &bytes, nil), "clGetDeviceInfo")
        return String(cString: bytes).trimmingCharacters(in: .whitespaces)
    }

    static func deviceValue<T: FixedWidthInteger>(_ device: cl_device_id, _ param: Int32) throws -> T {
        var value: T = 0
        try check(clGetDeviceInfo(device, cl_device_info(param), MemoryLayout<T>.size, &value, nil), "clGetDeviceInfo")
        return value
    }

    static func platformString(_ platform: cl_platform_id, _ param: Int32) throws -> String {
        var size = 0
        try check(clGetPlatformInfo(platform, cl_platform_info(param), 0, nil, &size), "clGetPlatformInfo")
        var bytes = [CChar](repeating: 0, count: size + 1)
        try check(clGetPlatformInfo(platform, cl_platform_info(param), size, &bytes, nil), "clGetPlatformInfo")
        return String(cString: bytes).trimmingCharacters(in: .whitespaces)
    }
}

/// True when `url` exists (or can be created) as a directory this process can write into.
func isWritableDirectory(_ url: URL) -> Bool {
    let fm = FileManager.default
    if !fm.fileExists(atPath: url.path) {
        guard (try? fm.createDirectory(at: url, withIntermediateDirectories: true)) != nil else { return false }
    }
    return fm.isWritableFile(atPath: url.path)
}
