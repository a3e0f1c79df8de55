import Backend
import Dataset
import XCTest

/// Reference results written by scikit-learn 1.9.1 / SciPy (`benchmarks/sklearn_fixtures.py`) for
/// 240 float32 points in 4-d: five Gaussian blobs of different spreads and 20 uniform noise points.
enum ClusterFixtures {
    static func path(_ name: String) throws -> String {
        try XCTUnwrap(Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Fixtures"), "missing fixture \(name)")
    }
    static func array(_ name: String) throws -> NPYArray { try NPYArray.read(path(name)) }
    static func points() throws -> (x: [Float], n: Int, d: Int) {
        let a = try array("points.npy")
        return (a.floats, a.shape[0], a.shape[1])
    }
    static func integers(_ name: String) throws -> [Int64] { try XCTUnwrap(array(name).integers) }
    static func doubles(_ name: String) throws -> [Double] {
        guard case .float64(let values) = try array(name).elements else { throw BackendError.invalidArgument("fixture \(name) is not float64") }
        return values
    }

    /// The CPU backend and, where there is one, OpenCL.
    static func backends() -> [any ComputeBackend] {
        var list: [any ComputeBackend] = [CPUBackend()]
        if let openCL = try? OpenCLBackend() {
            list.append(openCL)
            // The other kernel style too (work-group-per-row kernels on a CPU driver, or the reverse).
            if let other = try? OpenCLBackend(deviceIndex: openCL.info.index, kernelStyle: openCL.usesGPUKernels ? .cpu : .gpu) { list.append(other) }
        }
        return list
    }
}
