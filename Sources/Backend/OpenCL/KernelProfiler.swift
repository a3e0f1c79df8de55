import COpenCL

/// Collects the profiling events of an OpenCL queue made with `CL_QUEUE_PROFILING_ENABLE` and folds
/// them, oldest first, into a `KernelProfile`'s groups. Events are held until folded; past
/// `maximumPending` the older half is waited for and folded (the host then stays at most that many
/// commands ahead of the device, far more than one training step queues).
final class KernelProfiler {
    private struct Group {
        var count = 0
        var total: UInt64 = 0, shortest = UInt64.max, longest: UInt64 = 0, idleAfter: UInt64 = 0
    }
    private struct Key: Hashable { var name: String, shape: String }

    static let maximumPending = 16_384
    private var pending: [(Key, cl_event)] = []
    private var groups: [Key: Group] = [:]
    private var commands = 0
    private var busy: UInt64 = 0
    private var firstStart: UInt64?
    private var previous: (key: Key, end: UInt64)?

    deinit { for (_, event) in pending { clReleaseEvent(event) } }

    /// Takes ownership of `event`, the one of command `name` over `shape`.
    func record(_ name: String, shape: String, event: cl_event) throws {
        pending.append((Key(name: name, shape: shape), event))
        if pending.count >= Self.maximumPending { try fold(count: pending.count / 2) }
    }

    /// Waits for every pending command and returns the profile so far.
    func profile(device: String) throws -> KernelProfile {
        try fold(count: pending.count)
        let rows = groups.map { key, g in
            KernelProfile.Row(name: key.name, shape: key.shape, count: g.count, totalSeconds: seconds(g.total),
                              shortestSeconds: seconds(g.shortest), longestSeconds: seconds(g.longest),
                              idleAfterSeconds: seconds(g.idleAfter))
        }.sorted { ($0.totalSeconds, $1.name, $1.shape) > ($1.totalSeconds, $0.name, $0.shape) }
        let span = previous.map { $0.end - (firstStart ?? $0.end) } ?? 0
        return KernelProfile(device: device, commands: commands, busySeconds: seconds(busy), spanSeconds: seconds(span),
                             rows: rows)
    }

    /// Waits for the oldest `count` pending events, then folds and releases them in queue order.
    private func fold(count: Int) throws {
        guard count > 0 else { return }
        let oldest = Array(pending.prefix(count))
        var handles: [cl_event?] = oldest.map { $0.1 }
        try check(clWaitForEvents(cl_uint(handles.count), &handles), "clWaitForEvents")
        defer {
            for (_, event) in oldest { clReleaseEvent(event) }
            pending.removeFirst(count)
        }
        for (key, event) in oldest {
            let start = try timestamp(event, CL_PROFILING_COMMAND_START), end = try timestamp(event, CL_PROFILING_COMMAND_END)
            let duration = end >= start ? end - start : 0
            if let previous, start > previous.end { groups[previous.key, default: Group()].idleAfter += start - previous.end }
            if firstStart == nil { firstStart = start }
            var g = groups[key, default: Group()]
            g.count += 1
            g.total += duration
            g.shortest = min(g.shortest, duration)
            g.longest = max(g.longest, duration)
            groups[key] = g
            busy += duration
            commands += 1
            previous = (key, max(end, previous?.end ?? 0))
        }
    }

    private func timestamp(_ event: cl_event, _ which: Int32) throws -> UInt64 {
        var value: cl_ulong = 0
        try check(clGetEventProfilingInfo(event, cl_profiling_info(which), MemoryLayout<cl_ulong>.size, &value, nil),
                  "clGetEventProfilingInfo")
        return UInt64(value)
    }

    private func seconds(_ nanoseconds: UInt64) -> Double { Double(nanoseconds) * 1e-9 }
}
