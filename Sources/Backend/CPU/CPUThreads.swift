import Foundation

/// How many threads the CPU backend and the host-side loops (`parallelFor`, `shareOut`) use.
///
/// `FMNIST_THREADS=N` sets it (as `OMP_NUM_THREADS` does for OpenMP programs: a shared machine, a
/// benchmark beside another program); otherwise it is the number of CPUs this process may run on —
/// its affinity mask (`taskset`, `numactl`), capped by a cgroup v2 CPU quota (`docker --cpus`,
/// `/sys/fs/cgroup/cpu.max`) — rather than every CPU of the machine. Results never depend on it:
/// the backend's products are cut the same way whatever the count (`GemmSplit`); the tests compare
/// products on 1 to 64 threads and a train-encode-UMAP-K-means run on 1 and 3, bit for bit.
public enum CPUThreads {
    /// The environment variable that sets the count.
    public static let variable = "FMNIST_THREADS"

    /// The count, read once per process; an unusable `FMNIST_THREADS` counts as unset here
    /// (`checkEnvironment` turns it into an error first in the command-line tool).
    public static let count: Int = (try? fromEnvironment()) ?? available

    /// Throws one line naming `FMNIST_THREADS` and its value when it is set but not a whole number
    /// from 1 to 1024.
    public static func checkEnvironment() throws { _ = try fromEnvironment() }

    static func fromEnvironment() throws -> Int? { try EnvironmentNumber.read(variable, in: 1 ... 1024, of: "threads") }

    /// CPUs in the affinity mask, at most the cgroup quota, at least 1.
    static var available: Int {
        var count = ProcessInfo.processInfo.activeProcessorCount
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8), let allowed = allowedCPUs(status) {
            count = min(count, allowed)
        }
        if let quota = cgroupQuota() { count = min(count, quota) }
        return max(1, count)
    }

    /// The CPUs of `/proc/self/status`'s `Cpus_allowed:` mask (hexadecimal words separated by commas,
    /// the affinity `sched_setaffinity`, `taskset` and `numactl` set).
    static func allowedCPUs(_ status: String) -> Int? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return nil }
        var bits = 0
        for character in line.dropFirst("Cpus_allowed:".count) where character != "," && !character.isWhitespace {
            guard let nibble = character.hexDigitValue else { return nil }
            bits += nibble.nonzeroBitCount
        }
        return bits > 0 ? bits : nil
    }

    /// `ceil(quota / period)` from cgroup v2's `cpu.max` ("max 100000" when unlimited).
    static func cgroupQuota(_ path: String = "/sys/fs/cgroup/cpu.max") -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let quota = Double(fields[0]), let period = Double(fields[1]), quota > 0, period > 0 else { return nil }
        return max(1, Int((quota / period).rounded(.up)))
    }
}
