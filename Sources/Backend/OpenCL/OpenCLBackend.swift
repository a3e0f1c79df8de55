import COpenCL
import Foundation
import Kernels

/// The OpenCL backend: kernels from `Kernels`, compiled at run time for one device, run on one
/// in-order command queue. Ops are queued without waiting; transfers back to the host block.
public final class OpenCLBackend: ComputeBackend {
    public typealias Buffer = OpenCLBuffer

    /// `opencl`, or `opencl[gpu kernels]` / `opencl[cpu kernels]` when a kernel style was forced.
    public let name: String
    public let info: OpenCLDeviceInfo
    /// One large product per pass keeps a GPU busy; PoCL behaves like the CPU backend.
    public var convolutionChunkBytes: Int { usesGPUKernels ? 128 << 20 : 8 << 20 }
    /// 16 batches between loss reads on a GPU (a few tens of milliseconds of work), 4 on a CPU driver,
    /// whose batches are slow enough that a progress bar should move more often (`TrainingBatchGroups`).
    public var trainingBatchesPerRead: Int { TrainingBatchGroups.fromEnvironment ?? (usesGPUKernels ? 16 : 4) }
    /// Which kernel family runs the ops: GPU-style (work-groups, local memory) or CPU-style.
    public let usesGPUKernels: Bool
    /// How matrix products run on this device.
    public let gemmStrategy: GemmStrategy
    /// Work-group size of the row reductions (a power of two within the device's limit).
    let reductionGroupSize: Int
    /// Which GPU kernel selects a row's k smallest entries (default: `FMNIST_TOPK`, else automatic).
    public var topKSelection: TopKSelection = .current
    /// How Borůvka's rounds search on this device (default: `FMNIST_BORUVKA`, else automatic).
    public var boruvkaSearch: BoruvkaSearch = .current
    /// How convolutions run their forward step (default: `FMNIST_CONV_FORWARD`, else automatic).
    public var convolutionForward: ConvolutionForward = .current

    let device: cl_device_id
    let context: OpenCLContext
    let queue: OpenCLQueue
    let programs: OpenCLProgramCache
    /// The queue's profiling events, when opened with `profiling: true`.
    private let profiler: KernelProfiler?
    private var kernels: [String: OpenCLKernel] = [:]
    private var scratch: [ScratchSlot: OpenCLBuffer] = [:]

    /// Per-shape tile choices timed on the device (`GemmTuner`), nil when tuning is off or the products have no tiles.
    public let gemmTuner: GemmTuner?

    /// The compute units split-K aims to fill instead of the device's (tests: many slices on a small device).
    var splitKComputeUnits: Int?

    /// Intermediate results inside one op, one buffer per use so nested uses never collide.
    enum ScratchSlot { case gemmPanels, splitKPartials, columnPartials, lossTerms, clusterWeights, tuningOutput, biasPartials,
                     rowPartials }


    /// A device buffer of at least `count` elements for `slot`, grown on demand and reused across
    /// ops (the in-order queue finishes each op's use before the next op writes it).
    func scratchBuffer(count: Int, slot: ScratchSlot) throws -> OpenCLBuffer {
        if let buffer = scratch[slot], buffer.count >= count { return buffer }
        let buffer = try makeBuffer(count: count)
        scratch[slot] = buffer
        return buffer
    }

    /// Lets go of `slot`'s buffer (one used rarely and large, such as the tuner's output).
    func releaseScratch(_ slot: ScratchSlot) { scratch[slot] = nil }

    public var deviceDescription: String { "\(info.name) (\(info.platformName), \(info.deviceVersion), driver \(info.driverVersion))" }

    /// Kernel families for a device: `automatic` follows the device type; `gpu` and `cpu` force one
    /// (the parity suite uses `gpu` on PoCL so CI also covers the kernels GPUs run).
    /// `FMNIST_KERNEL_STYLE=automatic|gpu|cpu` sets the default, e.g. to run the GPU path of a whole command on PoCL.
    public enum KernelStyle: String, CaseIterable, Sendable {
        case automatic, gpu, cpu

        /// The environment variable that sets the default style.
        public static let variable = "FMNIST_KERNEL_STYLE"
        /// The default, read once per process (an unusable value counts as unset; `checkEnvironment` reports it).
        public static let current: KernelStyle = (try? EnvironmentChoice.read(variable)) ?? .automatic
        /// Throws one line naming `FMNIST_KERNEL_STYLE` and its value when it is set to something else.
        public static func checkEnvironment() throws { _ = try EnvironmentChoice.read(variable, as: KernelStyle.self) }
    }

    /// Opens device `deviceIndex` of `OpenCLPlatforms.devices()`; with nil, the first GPU, else the first device.
    /// `gemmTiling` forces the tiled GEMM kernel with that one tile shape (for tests and tuning; it must fit the device).
    /// `profiling` times every queued command on the device (`kernelProfile()`); it costs one event per command.
    /// `gemmTuning` says whether tile shapes are timed per product shape (`GemmTuner`), `gemmTuningDirectory` where
    /// the choices are kept (nil: in memory only).
    public init(deviceIndex: Int? = nil, kernelStyle: KernelStyle = .current, gemmTiling: GemmTiling? = nil,
                profiling: Bool = false, gemmTuning: GemmTuning = .current,
                gemmTuningDirectory: URL? = GemmTuner.defaultDirectory) throws {
        // The host's own BLAS calls (spectral layouts, eigenproblems, mixtures) run as under the CPU
        // backend, on the calling thread, so they round the same on every backend.
        BLASThreads.useCallingThreadOnly()
        let entries = try OpenCLPlatforms.entries()
        guard !entries.isEmpty else {
            throw BackendError.noOpenCLDevice("no OpenCL platform with a device was found (install an ICD, e.g. "
                + "`apt-get install pocl-opencl-icd` for the CPU or your GPU vendor's OpenCL driver)")
        }
        let entry: OpenCLPlatforms.Entry
        if let deviceIndex {
            guard entries.indices.contains(deviceIndex) else {
                throw BackendError.deviceOutOfRange(requested: deviceIndex, available: entries.map(\.info.summary))
            }
            entry = entries[deviceIndex]
        } else {
            entry = entries.first { $0.info.isGPU } ?? entries[0]
        }
        info = entry.info
        device = entry.device
        switch kernelStyle {
        case .automatic: usesGPUKernels = entry.info.isGPU; name = "opencl"
        case .gpu: usesGPUKernels = true; name = "opencl[gpu kernels]"
        case .cpu: usesGPUKernels = false; name = "opencl[cpu kernels]"
        }
        var status: cl_int = 0
        var dev: cl_device_id? = entry.device
        guard let ctx = clCreateContext(nil, 1, &dev, nil, nil, &status) else {
            try check(status, "clCreateContext"); throw BackendError.noOpenCLDevice("clCreateContext returned no context")
        }
        try check(status, "clCreateContext")
        context = OpenCLContext(ctx)
        let properties = profiling ? cl_command_queue_properties(CL_QUEUE_PROFILING_ENABLE) : 0
        guard let q = clCreateCommandQueue(ctx, entry.device, properties, &status) else {
            try check(status, "clCreateCommandQueue"); throw BackendError.noOpenCLDevice("clCreateCommandQueue returned no queue")
        }
        try check(status, "clCreateCommandQueue")
        queue = OpenCLQueue(q)
        profiler = profiling ? KernelProfiler() : nil
        programs = OpenCLProgramCache(context: context, device: entry.device, info: entry.info)
        let width: cl_uint = (try? OpenCLPlatforms.deviceValue(entry.device, CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT)) ?? 4
        gemmStrategy = try GemmStrategy.choose(for: info, gpuKernels: usesGPUKernels, preferredVectorWidth: Int(width), tiling: gemmTiling)
        let tilingForced = gemmTiling != nil || GemmStrategy.tilingForced()
        if case .tiled = gemmStrategy,
           gemmTuning.offReason(deviceIsGPU: info.isGPU, gpuKernels: usesGPUKernels, tilingForced: tilingForced) == nil {
            gemmTuner = GemmTuner(info: info, directory: gemmTuningDirectory)
        } else {
            gemmTuner = nil
        }
        var group = 1
        while group * 2 <= min(256, info.maxWorkGroupSize) { group *= 2 }
        reductionGroupSize = group
    }

    public func makeBuffer(count: Int) throws -> OpenCLBuffer {
        guard count >= 0 else { throw BackendError.invalidArgument("buffer size \(count) is negative") }
        let bytes = max(1, count) * 4
        if bytes > info.maxAllocationBytes {
            throw BackendError.allocationTooLarge(bytes: bytes, limit: info.maxAllocationBytes, device: info.name)
        }
        var status: cl_int = 0
        let mem = clCreateBuffer(context.handle, cl_mem_flags(CL_MEM_READ_WRITE), bytes, nil, &status)
        if status == CL_MEM_OBJECT_ALLOCATION_FAILURE || status == CL_OUT_OF_RESOURCES || status == CL_INVALID_BUFFER_SIZE {
            throw BackendError.invalidArgument("cannot allocate \(formatBytes(bytes)) on \(info.name) (\(openCLStatusName(status))); "
                + "the device has \(formatBytes(info.globalMemoryBytes)) in all")
        }
        try check(status, "clCreateBuffer(\(bytes) bytes)")
        guard let mem else { throw BackendError.openCL(call: "clCreateBuffer", status: status, name: openCLStatusName(status)) }
        return OpenCLBuffer(mem: mem, count: count)
    }

    public func upload(_ source: UnsafeBufferPointer<Float>, to buffer: OpenCLBuffer, offset: Int) throws {
        try write(UnsafeRawBufferPointer(source), to: buffer, offset: offset)
    }

    public func upload(_ source: UnsafeBufferPointer<Int32>, to buffer: OpenCLBuffer, offset: Int) throws {
        try write(UnsafeRawBufferPointer(source), to: buffer, offset: offset)
    }

    public func download(_ buffer: OpenCLBuffer, offset: Int, into destination: UnsafeMutableBufferPointer<Float>) throws {
        try read(buffer, offset: offset, into: UnsafeMutableRawBufferPointer(destination))
    }

    public func download(_ buffer: OpenCLBuffer, offset: Int, into destination: UnsafeMutableBufferPointer<Int32>) throws {
        try read(buffer, offset: offset, into: UnsafeMutableRawBufferPointer(destination))
    }

    private func write(_ source: UnsafeRawBufferPointer, to buffer: OpenCLBuffer, offset: Int) throws {
        let count = source.count / 4
        precondition(offset >= 0 && offset + count <= buffer.count, "upload: \(count) at \(offset) exceeds \(buffer.count)")
        guard count > 0, let base = source.baseAddress else { return }
        try enqueue("write", shape: "\(count)", call: "clEnqueueWriteBuffer") { event in
            clEnqueueWriteBuffer(queue.handle, buffer.mem, cl_bool(CL_TRUE), offset * 4, source.count, base, 0, nil, event)
        }
    }

    private func read(_ buffer: OpenCLBuffer, offset: Int, into destination: UnsafeMutableRawBufferPointer) throws {
        let count = destination.count / 4
        precondition(offset >= 0 && offset + count <= buffer.count, "download: \(count) at \(offset) exceeds \(buffer.count)")
        guard count > 0, let base = destination.baseAddress else { return }
        try enqueue("read", shape: "\(count)", call: "clEnqueueReadBuffer") { event in
            clEnqueueReadBuffer(queue.handle, buffer.mem, cl_bool(CL_TRUE), offset * 4, destination.count, base, 0, nil, event)
        }
    }

    public func fill(_ buffer: OpenCLBuffer, with value: Float, offset: Int, count: Int) throws {
        precondition(offset >= 0 && offset + count <= buffer.count, "fill: \(count) at \(offset) exceeds \(buffer.count)")
        guard count > 0 else { return }
        var pattern = value
        try enqueue("fill", shape: "\(count)", call: "clEnqueueFillBuffer") { event in
            clEnqueueFillBuffer(queue.handle, buffer.mem, &pattern, 4, offset * 4, count * 4, 0, nil, event)
        }
    }

    public func copy(_ source: OpenCLBuffer, srcOffset: Int, to destination: OpenCLBuffer, dstOffset: Int, count: Int) throws {
        precondition(srcOffset >= 0 && srcOffset + count <= source.count, "copy: source range exceeds \(source.count)")
        precondition(dstOffset >= 0 && dstOffset + count <= destination.count, "copy: destination range exceeds \(destination.count)")
        guard count > 0 else { return }
        try enqueue("copy", shape: "\(count)", call: "clEnqueueCopyBuffer") { event in
            clEnqueueCopyBuffer(queue.handle, source.mem, destination.mem, srcOffset * 4, dstOffset * 4, count * 4, 0, nil, event)
        }
    }

    public func synchronize() throws {
        try check(clFinish(queue.handle), "clFinish")
    }

    public func flush() throws {
        try check(clFlush(queue.handle), "clFlush")
    }

    /// The kernel `name` of `source` built with `options` (`-cl-std=CL1.2` is always added).
    func kernel(_ name: String, in source: KernelSource, options: String = "") throws -> OpenCLKernel {
        let key = "\(source.name)|\(options)|\(name)"
        if let cached = kernels[key] { return cached }
        let program = try programs.program(source, options: ("-cl-std=CL1.2 " + options).trimmingCharacters(in: .whitespaces))
        var status: cl_int = 0
        guard let handle = clCreateKernel(program.handle, name, &status) else {
            try check(status, "clCreateKernel(\(name))")
            throw BackendError.openCL(call: "clCreateKernel(\(name))", status: status, name: openCLStatusName(status))
        }
        try check(status, "clCreateKernel(\(name))")
        let kernel = OpenCLKernel(handle, name: name, program: program)
        kernels[key] = kernel
        return kernel
    }

    /// Queues `kernel` over `global` work-items (rounded up to multiples of `local`, when given).
    /// `label` names the command in a kernel profile instead of the kernel's name.
    func launch(_ kernel: OpenCLKernel, _ arguments: [KernelArgument], global: [Int], local: [Int]? = nil,
                label: String? = nil) throws {
        try kernel.setArguments(arguments)
        var globalSize = global
        if let local {
            for i in globalSize.indices { globalSize[i] = (globalSize[i] + local[i] - 1) / local[i] * local[i] }
        }
        guard globalSize.allSatisfy({ $0 > 0 }) else { return }
        // The shape and the call's name are autoclosures: built only when profiling, or on an error.
        try enqueue(label ?? kernel.name, shape: globalSize.map(String.init).joined(separator: "x"),
                    call: "clEnqueueNDRangeKernel(\(kernel.name))") { event in
            globalSize.withUnsafeBufferPointer { g in
                guard let local else {
                    return clEnqueueNDRangeKernel(queue.handle, kernel.handle, cl_uint(g.count), nil, g.baseAddress, nil, 0, nil, event)
                }
                return local.withUnsafeBufferPointer { l in
                    clEnqueueNDRangeKernel(queue.handle, kernel.handle, cl_uint(g.count), nil, g.baseAddress, l.baseAddress, 0, nil, event)
                }
            }
        }
    }

    /// Queues one command through `body`, handing it an event slot when profiling (the event is then
    /// recorded as command `name` over `shape`), and checks its status.
    private func enqueue(_ name: String, shape: @autoclosure () -> String, call: @autoclosure () -> String,
                         _ body: (UnsafeMutablePointer<cl_event?>?) -> cl_int) throws {
        guard let profiler else { return try check(body(nil), call()) }
        var event: cl_event?
        try check(body(&event), call())
        if let event { try profiler.record(name, shape: shape(), event: event) }
    }

    /// Where the device's time went since the backend was opened: waits for every queued command.
    /// Throws when the backend was not opened with `profiling: true`.
    public func kernelProfile() throws -> KernelProfile {
        guard let profiler else { throw BackendError.invalidArgument("this OpenCL backend was opened without profiling") }
        try synchronize()
        return try profiler.profile(device: deviceDescription)
    }
}
