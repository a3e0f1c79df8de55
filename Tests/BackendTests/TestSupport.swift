import Backend
import Dataset
import Foundation
import XCTest

/// The tests' seeded generator: Dataset's SplitMix64, so every test draws the same numbers on every machine.
typealias SeededGenerator = SplitMix64

/// `count` floats uniform in `range`.
func randomFloats(_ count: Int, in range: ClosedRange<Float> = -1 ... 1, seed: UInt64) -> [Float] {
    var g = SeededGenerator(seed: seed)
    return (0 ..< count).map { _ in Float.random(in: range, using: &g) }
}

/// The OpenCL backend shared by every test (one context, programs compiled once), or why there is none.
let sharedOpenCL: Result<OpenCLBackend, Error> = Result { try OpenCLBackend() }

/// The same device with the other kernel family forced (GPU-style kernels on PoCL, CPU-style on a
/// GPU), so one machine exercises both families.
let sharedOpenCLOtherStyle: OpenCLBackend? = {
    guard case .success(let backend) = sharedOpenCL else { return nil }
    return try? OpenCLBackend(deviceIndex: backend.info.index, kernelStyle: backend.usesGPUKernels ? .cpu : .gpu)
}()

/// Every backend the parity suite runs on. The OpenCL one is skipped only when no OpenCL platform
/// exists at all, and then only if `FMNIST_REQUIRE_OPENCL` is not set (CI sets it, so PoCL missing
/// there fails the suite instead of silently testing less).
func availableBackends(file: StaticString = #filePath, line: UInt = #line) -> [any ComputeBackend] {
    var backends: [any ComputeBackend] = [CPUBackend()]
    switch sharedOpenCL {
    case .success(let backend):
        backends.append(backend)
        if let other = sharedOpenCLOtherStyle { backends.append(other) } else { XCTFail("OpenCL backend with the other kernel style failed to open", file: file, line: line) }
    case .failure(let error):
        if ProcessInfo.processInfo.environment["FMNIST_REQUIRE_OPENCL"] == "1" {
            XCTFail("FMNIST_REQUIRE_OPENCL=1 but the OpenCL backend failed to open: \(error)", file: file, line: line)
        } else if case BackendError.noOpenCLDevice = error {
            print("note: OpenCL parity skipped, no OpenCL platform: \(error)")
        } else {
            XCTFail("OpenCL backend failed to open: \(error)", file: file, line: line)
        }
    }
    return backends
}

/// Normalised mean squared error `sum((a-b)^2) / sum(b^2)` against the reference `b`, after checking
/// that `a` holds no NaN or Inf where `b` does not. Returns infinity on a non-finite mismatch.
func nmse(_ a: [Float], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "nmse: \(a.count) vs \(b.count) values")
    var num = 0.0, den = 0.0
    for (x, y) in zip(a, b) {
        if !x.isFinite || !y.isFinite {
            if x.isNaN && y.isNaN { continue }
            if Double(x) == y { continue }
            return .infinity
        }
        let d = Double(x) - y
        num += d * d
        den += y * y
    }
    if den == 0 { return num == 0 ? 0 : .infinity }
    return num / den
}

/// Asserts `nmse(actual, reference) <= tolerance`, naming the backend and case.
func assertClose(_ actual: [Float], _ reference: [Double], tolerance: Double, _ what: @autoclosure () -> String,
                 file: StaticString = #filePath, line: UInt = #line) {
    let error = nmse(actual, reference)
    XCTAssertLessThanOrEqual(error, tolerance, "\(what()): NMSE \(error) > \(tolerance)", file: file, line: line)
}

/// A test case with a fresh directory of its own for each test (tuning files), removed after it.
class TemporaryDirectoryTestCase: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-\(type(of: self))-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }
}
