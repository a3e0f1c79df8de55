import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The process's peak resident memory (Linux `VmHWM`), with a reset so one step's peak can be
/// measured: writing `5` to `/proc/self/clear_refs` sets the high-water mark back to the current
/// resident size (Linux >= 4.0). Where either file is missing the values are nil.
public enum PeakMemory {
    /// Starts a measurement: first hands memory the allocator holds but no longer uses back to the
    /// system (`malloc_trim`), so that memory a step reuses counts as growth; returns whether the
    /// reset worked.
    @discardableResult
    public static func reset() -> Bool {
        trimAllocator()
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Data("5".utf8)) } catch { return false }
        return true
    }

    /// glibc's `malloc_trim(0)`, looked up at run time (it is not in Swift's Glibc module).
    private static func trimAllocator() {
        #if canImport(Glibc)
        typealias Trim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
            _ = unsafeBitCast(symbol, to: Trim.self)(0)
        }
        #endif
    }

    /// Peak resident set size since the last reset (or the process start), in bytes.
    public static func peakBytes() -> Int? { statusField("VmHWM:") }

    /// Current resident set size in bytes.
    public static func residentBytes() -> Int? { statusField("VmRSS:") }

    private static func statusField(_ name: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kb = Int(fields[1]) { return kb * 1024 }
        }
        return nil
    }
}
