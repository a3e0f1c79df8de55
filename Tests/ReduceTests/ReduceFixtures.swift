import Backend
import Dataset
import Foundation
import XCTest

/// Reference results written by scikit-learn 1.9.1 and umap-learn 0.5.12 (`benchmarks/reduce_fixtures.py`)
/// for 300 float32 points in 20-d (four anisotropic Gaussian blobs).
enum ReduceFixtures {
    static func array(_ name: String) throws -> NPYArray {
        try NPYArray.read(try XCTUnwrap(Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Fixtures"), "missing fixture \(name)"))
    }
    static func points() throws -> (x: [Float], n: Int, d: Int) {
        let a = try array("points.npy")
        return (a.floats, a.shape[0], a.shape[1])
    }
    static func doubles(_ name: String) throws -> [Double] {
        guard case .float64(let values) = try array(name).elements else { throw BackendError.invalidArgument("fixture \(name) is not float64") }
        return values
    }

    /// The CPU backend and OpenCL; OpenCL is left out only when no platform exists and
    /// `FMNIST_REQUIRE_OPENCL` is unset.
    static func backends(file: StaticString = #filePath, line: UInt = #line) -> [any ComputeBackend] {
        var list: [any ComputeBackend] = [CPUBackend()]
        do { list.append(try OpenCLBackend()) } catch {
            if ProcessInfo.processInfo.environment["FMNIST_REQUIRE_OPENCL"] == "1" {
                XCTFail("FMNIST_REQUIRE_OPENCL=1 but OpenCL failed to open: \(error)", file: file, line: line)
            }
        }
        return list
    }
}
