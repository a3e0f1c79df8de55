import Backend
import XCTest

/// Upload, download, fill and copy with offsets, for floats and Int32, on every backend (exact).
final class TransferTests: XCTestCase {
    func testRoundTripsWithOffsets() throws {
        for backend in availableBackends() { try roundTrips(backend) }
    }

    private func roundTrips<B: ComputeBackend>(_ backend: B) throws {
        let values = randomFloats(257, seed: 1)
        let buffer = try backend.makeBuffer(count: 300)
        try backend.fill(buffer, with: 3.5, offset: 0, count: 300)
        try values.withUnsafeBufferPointer { try backend.upload($0, to: buffer, offset: 10) }
        let all = try backend.floats(buffer)
        XCTAssertEqual(Array(all[10 ..< 267]), values, "\(backend.name) float round trip")
        XCTAssertEqual(Array(all[..<10]), [Float](repeating: 3.5, count: 10), "\(backend.name) fill before")
        XCTAssertEqual(Array(all[267...]), [Float](repeating: 3.5, count: 33), "\(backend.name) fill after")
        XCTAssertEqual(try backend.floats(buffer, offset: 12, count: 3), Array(values[2 ..< 5]), "\(backend.name) partial download")

        let other = try backend.makeBuffer(count: 50)
        try backend.fill(other, with: 0, offset: 0, count: 50)
        try backend.copy(buffer, srcOffset: 10, to: other, dstOffset: 7, count: 33)
        let copied = try backend.floats(other)
        XCTAssertEqual(Array(copied[7 ..< 40]), Array(values[0 ..< 33]), "\(backend.name) copy")
        XCTAssertEqual(copied[6], 0); XCTAssertEqual(copied[40], 0)

        let ints: [Int32] = [Int32.min, -1, 0, 1, 16_777_217, Int32.max]
        let intBuffer = try backend.makeBuffer(ints)
        XCTAssertEqual(try backend.ints(intBuffer), ints, "\(backend.name) Int32 round trip is bit-exact")
        XCTAssertEqual(try backend.ints(intBuffer, offset: 4, count: 2), Array(ints[4...]))
    }

    /// Asking an OpenCL device for more than one buffer may hold throws, naming both sizes.
    func testOversizedAllocationThrowsWithTheLimit() throws {
        guard case .success(let backend) = sharedOpenCL else { return }
        let count = backend.info.maxAllocationBytes / 4 + 1
        XCTAssertThrowsError(try backend.makeBuffer(count: count)) { error in
            guard case BackendError.allocationTooLarge(let bytes, let limit, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(bytes, count * 4)
            XCTAssertEqual(limit, backend.info.maxAllocationBytes)
            XCTAssertTrue("\(error)".contains("cannot allocate") && "\(error)".contains("at most"), "\(error)")
        }
    }

    func testEmptyBufferIsUsable() throws {
        for backend in availableBackends() { try empty(backend) }
    }

    private func empty<B: ComputeBackend>(_ backend: B) throws {
        let buffer = try backend.makeBuffer(count: 0)
        XCTAssertEqual(buffer.count, 0)
        XCTAssertEqual(try backend.floats(buffer), [])
    }
}
