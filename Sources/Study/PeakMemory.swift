import Foundation

/// The process's peak resident memory (Linux `VmHWM`), with a reset so one step's peak can be
/// measured: writing `5` to `/proc/self/clear_refs` sets the high-water mark back to the current
/// resident size (Linux >= 4.0). Where either file is missing the values are nil.
public enum PeakMemory {
    /// Starts a measurement; returns whether the reset worked.
    @discardableResult
    public static func reset() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Data("5".utf8)) } catch { return false }
        return true
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
