import COpenCL

/// What `fmnist devices` shows about one OpenCL device, and what the backend needs to size kernels.
public struct OpenCLDeviceInfo: Sendable, Codable, Equatable {
    /// Position in the flattened list of all platforms' devices: the `N` of `--device N`.
    public var index: Int
    public var platformName: String
    public var platformVersion: String
    public var name: String
    public var vendor: String
    /// `gpu`, `cpu`, `accelerator` or `other`.
    public var type: String
    public var computeUnits: Int
    public var globalMemoryBytes: Int
    public var localMemoryBytes: Int
    public var maxAllocationBytes: Int
    public var maxWorkGroupSize: Int
    public var driverVersion: String
    public var deviceVersion: String
    public var openCLCVersion: String
    /// Whether the device computes in double precision (`CL_DEVICE_DOUBLE_FP_CONFIG` not 0).
    public var doublePrecision: Bool

    public var isGPU: Bool { type == "gpu" }

    /// `NAME (PLATFORM, gpu)`, for messages.
    public var summary: String { "\(index): \(name) (\(platformName), \(type))" }
}
