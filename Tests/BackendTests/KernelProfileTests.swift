import Backend
import XCTest

/// The OpenCL backend's command profile (`OpenCLBackend(profiling: true)`): every queued command is
/// counted once under its name and shape, the times add up, profiling leaves results unchanged.
final class KernelProfileTests: XCTestCase {
    /// A profiling backend on the shared backend's device, or nil (with a failure under
    /// `FMNIST_REQUIRE_OPENCL=1`) when there is no OpenCL.
    private func profilingBackend() throws -> OpenCLBackend? {
        guard case .success(let shared) = sharedOpenCL else {
            _ = availableBackends()
            return nil
        }
        return try OpenCLBackend(deviceIndex: shared.info.index, profiling: true)
    }

    func testCommandsAreCountedByNameAndShape() throws {
        guard let backend = try profilingBackend() else { return }
        let a = try backend.makeBuffer(randomFloats(6 * 5, seed: 1)), b = try backend.makeBuffer(randomFloats(5 * 7, seed: 2))
        let c = try backend.makeBuffer(count: 6 * 7)
        try backend.fill(c, with: 1, offset: 0, count: 42)
        try backend.fill(c, with: 2, offset: 0, count: 40)
        try backend.gemm(a, aOffset: 0, b, bOffset: 0, into: c, cOffset: 0, m: 6, n: 7, k: 5,
                         transA: false, transB: false, alpha: 1, beta: 0)
        let product = try backend.floats(c)
        let profile = try backend.kernelProfile()

        func row(_ name: String, _ shape: String) -> KernelProfile.Row? { profile.rows.first { $0.name == name && $0.shape == shape } }
        XCTAssertEqual(row("write", "30")?.count, 1, "the upload of a")
        XCTAssertEqual(row("write", "35")?.count, 1, "the upload of b")
        XCTAssertEqual(row("fill", "42")?.count, 1)
        XCTAssertEqual(row("fill", "40")?.count, 1, "a fill of another size is its own row")
        XCTAssertEqual(row("read", "42")?.count, 1)
        let kernels = profile.rows.filter { !["write", "read", "fill", "copy"].contains($0.name) }
        XCTAssertFalse(kernels.isEmpty, "the product's kernels are listed: \(profile.rows.map(\.name))")
        XCTAssertTrue(kernels.allSatisfy { $0.shape.split(separator: "x").allSatisfy { Int($0).map { $0 > 0 } ?? false } },
                      "a kernel's shape is its global work size: \(kernels.map(\.shape))")
        XCTAssertEqual(profile.commands, profile.rows.reduce(0) { $0 + $1.count })
        XCTAssertEqual(profile.commands, 5 + kernels.reduce(0) { $0 + $1.count })
        XCTAssertEqual(profile.busySeconds, profile.rows.reduce(0) { $0 + $1.totalSeconds }, accuracy: 1e-9)
        XCTAssertGreaterThan(profile.busySeconds, 0)
        XCTAssertGreaterThanOrEqual(profile.spanSeconds + 1e-9, profile.busySeconds, "in order, commands do not overlap")
        XCTAssertEqual(profile.idleSeconds, profile.spanSeconds - profile.busySeconds, accuracy: 1e-9)
        XCTAssertLessThanOrEqual(profile.rows.reduce(0) { $0 + $1.idleAfterSeconds }, profile.idleSeconds + 1e-9)
        for r in profile.rows {
            XCTAssertLessThanOrEqual(r.shortestSeconds, r.meanSeconds + 1e-12, r.name)
            XCTAssertLessThanOrEqual(r.meanSeconds, r.longestSeconds + 1e-12, r.name)
        }
        XCTAssertEqual(profile.rows.map(\.totalSeconds), profile.rows.map(\.totalSeconds).sorted(by: >), "longest first")

        // Profiling changes no result: the same product on the unprofiled backend, bit for bit.
        guard case .success(let plain) = sharedOpenCL else { return XCTFail("the shared backend vanished") }
        let a2 = try plain.makeBuffer(randomFloats(6 * 5, seed: 1)), b2 = try plain.makeBuffer(randomFloats(5 * 7, seed: 2))
        let c2 = try plain.makeBuffer(count: 42)
        try plain.gemm(a2, aOffset: 0, b2, bOffset: 0, into: c2, cOffset: 0, m: 6, n: 7, k: 5, transA: false, transB: false, alpha: 1, beta: 0)
        XCTAssertEqual(try plain.floats(c2).map(\.bitPattern), product.map(\.bitPattern))

        // The profile is cumulative: one more fill is a second count in its row.
        try backend.fill(c, with: 3, offset: 0, count: 42)
        let again = try backend.kernelProfile()
        XCTAssertEqual(again.rows.first { $0.name == "fill" && $0.shape == "42" }?.count, 2)
        XCTAssertEqual(again.commands, profile.commands + 1)
    }

    /// More commands than the profiler holds pending: the older half is folded in along the way and
    /// none is lost or counted twice.
    func testLongRunsAreFoldedWithoutLosingCommands() throws {
        guard let backend = try profilingBackend() else { return }
        let buffer = try backend.makeBuffer(count: 4)
        let count = 16_384 + 1_000
        for i in 0 ..< count { try backend.fill(buffer, with: Float(i), offset: i % 4, count: 1) }
        XCTAssertEqual(try backend.floats(buffer), [16_380, 16_381, 16_382, 16_383].map { Float($0 + 1_000) })
        let profile = try backend.kernelProfile()
        XCTAssertEqual(profile.rows.first { $0.name == "fill" && $0.shape == "1" }?.count, count)
        XCTAssertEqual(profile.commands, count + 1, "the fills and the read")
    }

    func testTableListsTheLongestRowsAndSumsTheRest() throws {
        let rows = (1 ... 5).map { i in
            KernelProfile.Row(name: "k\(i)", shape: "\(i)x2", count: i, totalSeconds: Double(6 - i) * 1e-3, shortestSeconds: 1e-4,
                              longestSeconds: 2e-3, idleAfterSeconds: 1e-5)
        }
        let profile = KernelProfile(device: "test device", commands: 15, busySeconds: 15e-3, spanSeconds: 20e-3, rows: rows)
        let table = profile.table(limit: 2)
        XCTAssertTrue(table.contains("commands: 15; span 20.000 ms, device busy 15.000 ms (75.0 %), idle 5.000 ms"), table)
        XCTAssertTrue(table.contains("k1 ") && table.contains("k2 ") && !table.contains("k3 "), table)
        let rest = try XCTUnwrap(table.split(separator: "\n").last)
        XCTAssertTrue(rest.hasPrefix("(3 more)"), table)
        XCTAssertEqual(rest.split(separator: " ").dropFirst(2).prefix(3).map(String.init), ["12", "6.000", "40.0"], table)
    }

    func testUnprofiledBackendRefusesToReport() throws {
        guard case .success(let plain) = sharedOpenCL else { return }
        XCTAssertThrowsError(try plain.kernelProfile()) { XCTAssertTrue("\($0)".contains("without profiling"), "\($0)") }
    }
}
