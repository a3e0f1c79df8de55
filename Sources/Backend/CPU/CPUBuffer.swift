/// Host memory for `count` 4-byte elements, 64-byte aligned, freed on deinit.
public final class CPUBuffer: DeviceBuffer {
    public let count: Int
    /// The elements as Float32 (Int32 views use `withInts`).
    let floats: UnsafeMutablePointer<Float>

    init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * 4, alignment: 64)
        floats = raw.bindMemory(to: Float.self, capacity: max(1, count))
    }

    deinit { floats.deallocate() }

    /// Runs `body` with the elements viewed as Int32.
    func withInts<R>(_ body: (UnsafeMutablePointer<Int32>) throws -> R) rethrows -> R {
        try floats.withMemoryRebound(to: Int32.self, capacity: max(1, count), body)
    }
}
