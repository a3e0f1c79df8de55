import COpenCL

/// Owning wrappers for OpenCL handles: each releases its handle exactly once, in `deinit`.

/// A device memory object of `count` 4-byte elements.
public final class OpenCLBuffer: DeviceBuffer {
    public let count: Int
    let mem: cl_mem

    init(mem: cl_mem, count: Int) {
        self.mem = mem
        self.count = count
    }

    deinit { clReleaseMemObject(mem) }
}

final class OpenCLContext {
    let handle: cl_context
    init(_ handle: cl_context) { self.handle = handle }
    deinit { clReleaseContext(handle) }
}

final class OpenCLQueue {
    let handle: cl_command_queue
    init(_ handle: cl_command_queue) { self.handle = handle }
    deinit { clReleaseCommandQueue(handle) }
}

final class OpenCLProgram {
    let handle: cl_program
    init(_ handle: cl_program) { self.handle = handle }
    deinit { clReleaseProgram(handle) }
}

final class OpenCLKernel {
    let handle: cl_kernel
    let name: String
    /// Keeps the program alive as long as the kernel.
    let program: OpenCLProgram
    init(_ handle: cl_kernel, name: String, program: OpenCLProgram) {
        self.handle = handle
        self.name = name
        self.program = program
    }
    deinit { clReleaseKernel(handle) }
}

/// One argument of a kernel launch.
enum KernelArgument {
    case buffer(OpenCLBuffer)
    case int(Int)
    case uint(UInt32)
    case float(Float)
}

extension OpenCLKernel {
    /// Sets the arguments in order.
    func setArguments(_ arguments: [KernelArgument]) throws {
        for (i, argument) in arguments.enumerated() {
            let index = cl_uint(i)
            let status: cl_int
            switch argument {
            case .buffer(let buffer):
                var mem: cl_mem? = buffer.mem
                status = clSetKernelArg(handle, index, MemoryLayout<cl_mem>.size, &mem)
            case .int(let value):
                precondition(value >= Int(Int32.min) && value <= Int(Int32.max), "\(name): argument \(i) = \(value) does not fit a 32-bit int")
                var v = cl_int(value)
                status = clSetKernelArg(handle, index, MemoryLayout<cl_int>.size, &v)
            case .uint(let value):
                var v = cl_uint(value)
                status = clSetKernelArg(handle, index, MemoryLayout<cl_uint>.size, &v)
            case .float(let value):
                var v = cl_float(value)
                status = clSetKernelArg(handle, index, MemoryLayout<cl_float>.size, &v)
            }
            try check(status, "clSetKernelArg(\(name), \(i))")
        }
    }
}
