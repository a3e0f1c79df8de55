import Foundation

/// Where an OpenCL backend's device time went, from the queue's profiling events
/// (`OpenCLBackend(profiling: true)`, `fmnist ... --profile-kernels FILE`).
///
/// Each queued command — a kernel launch, or a transfer, fill or copy — is one event with device
/// timestamps `START` and `END` (nanoseconds). Commands are grouped by `name` and `shape` (a kernel's
/// global work size, a transfer's element count), so one layer's product is told from another's:
///
/// - `busy = sum over commands of (END - START)`: the device's working time (the queue is in order,
///   so commands never overlap);
/// - `span = last END - first START`: from the first command to the last;
/// - `idle = span - busy`, and per group `idleAfter = sum of (START_next - END)` over its commands:
///   the device waiting for the host — to queue the next launch, or to take a blocking transfer's
///   bytes and go on. A large `idle` share means launch and synchronisation overhead, not kernels.
public struct KernelProfile: Codable, Sendable, Equatable {
    /// One group of commands with the same name and shape.
    public struct Row: Codable, Sendable, Equatable {
        /// The kernel's name, or `write`, `read`, `fill`, `copy`.
        public var name: String
        /// A kernel's global work size (`"256x64"`), a transfer's, fill's or copy's element count.
        public var shape: String
        public var count: Int
        public var totalSeconds: Double
        public var shortestSeconds: Double
        public var longestSeconds: Double
        /// Device idle time right after these commands, before the next one started.
        public var idleAfterSeconds: Double

        public var meanSeconds: Double { count > 0 ? totalSeconds / Double(count) : 0 }

        public init(name: String, shape: String, count: Int, totalSeconds: Double, shortestSeconds: Double, longestSeconds: Double,
                    idleAfterSeconds: Double) {
            self.name = name; self.shape = shape; self.count = count; self.totalSeconds = totalSeconds
            self.shortestSeconds = shortestSeconds; self.longestSeconds = longestSeconds; self.idleAfterSeconds = idleAfterSeconds
        }
    }

    /// The device, as `OpenCLBackend.deviceDescription` names it.
    public var device: String
    public var commands: Int
    public var busySeconds: Double
    public var spanSeconds: Double
    /// Rows by total time, longest first.
    public var rows: [Row]

    public var idleSeconds: Double { max(0, spanSeconds - busySeconds) }

    public init(device: String, commands: Int, busySeconds: Double, spanSeconds: Double, rows: [Row]) {
        self.device = device; self.commands = commands; self.busySeconds = busySeconds; self.spanSeconds = spanSeconds
        self.rows = rows
    }

    /// A plain-text table: the totals, then up to `limit` rows (the rest summed in one line).
    public func table(limit: Int = 40) -> String {
        func ms(_ s: Double) -> String { String(format: "%.3f", s * 1e3) }
        func us(_ s: Double) -> String { String(format: "%.1f", s * 1e6) }
        func share(_ s: Double) -> String { busySeconds > 0 ? String(format: "%.1f", 100 * s / busySeconds) : "-" }
        /// The cells left-aligned (the first two) or right-aligned (the rest) in fixed columns.
        func line(_ cells: [String]) -> String {
            let widths = [28, 20, 8, 11, 7, 10, 10, 10, 14]
            return zip(cells, widths).enumerated().map { i, cell in
                let (text, width) = cell
                let pad = String(repeating: " ", count: max(0, width - text.count))
                return i < 2 ? text + pad : pad + text
            }.joined(separator: " ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        let busyShare = spanSeconds > 0 ? String(format: "%.1f %%", 100 * busySeconds / spanSeconds) : "-"
        var lines = [
            "device: \(device)",
            "commands: \(commands); span \(ms(spanSeconds)) ms, device busy \(ms(busySeconds)) ms (\(busyShare)), "
                + "idle \(ms(idleSeconds)) ms",
            "",
            line(["command", "shape", "count", "total ms", "% busy", "mean us", "min us", "max us", "idle after ms"]),
        ]
        for row in rows.prefix(limit) {
            lines.append(line([row.name, row.shape, "\(row.count)", ms(row.totalSeconds), share(row.totalSeconds),
                               us(row.meanSeconds), us(row.shortestSeconds), us(row.longestSeconds), ms(row.idleAfterSeconds)]))
        }
        if rows.count > limit {
            let rest = rows.dropFirst(limit)
            let total = rest.reduce(0) { $0 + $1.totalSeconds }, idle = rest.reduce(0) { $0 + $1.idleAfterSeconds }
            lines.append(line(["(\(rest.count) more)", "", "\(rest.reduce(0) { $0 + $1.count })", ms(total), share(total),
                               "", "", "", ms(idle)]))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
