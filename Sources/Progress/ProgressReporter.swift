import Foundation

/// Renders the progress of long work, one phase at a time, for every command alike.
///
/// On a terminal: one self-overwriting line, `phase [=====.....] done/total unit  rate/s  ETA m:ss
/// detail`, redrawn at most every 0.1 s and cut to the terminal's width. Elsewhere (CI, pipes,
/// files): a plain line at most every `interval` seconds (default 5), so logs stay short. A phase
/// ends with `finish`, which prints its summary as a normal line. Disabled (`--quiet`, `--json`),
/// it prints nothing at all.
///
/// It never writes by itself: `write` receives the text (the CLI passes standard error), and
/// `clock` gives the time in seconds, so tests drive it without sleeping.
public final class ProgressReporter {
    public let enabled: Bool
    public let interactive: Bool
    public let interval: Double
    private let write: (String) -> Void
    private let clock: () -> Double
    private let columns: () -> Int

    private var phase = "", unit = "", total: Int?
    /// Units already done when the phase's clock started (the rate counts only those done since).
    private var baseline = 0
    private var started = 0.0, lastDrawn = -Double.infinity
    private var lineOpen = false

    public init(enabled: Bool, interactive: Bool, interval: Double = 5, columns: @escaping () -> Int = { 100 },
                clock: @escaping () -> Double = { Date().timeIntervalSinceReferenceDate }, write: @escaping (String) -> Void) {
        (self.enabled, self.interactive, self.interval) = (enabled, interactive, interval)
        (self.columns, self.clock, self.write) = (columns, clock, write)
    }

    /// Starts a phase of `total` units (nil: unknown, no bar or ETA).
    public func start(_ phase: String, total: Int?, unit: String = "") {
        (self.phase, self.total, self.unit, baseline) = (phase, total, unit, 0)
        started = clock()
        lastDrawn = interactive ? -Double.infinity : started
    }

    /// `done` units of the current phase are finished; `detail` is shown after the ETA.
    public func update(_ done: Int, detail: String = "") {
        guard enabled else { return }
        let now = clock()
        guard now - lastDrawn >= (interactive ? 0.1 : interval) else { return }
        lastDrawn = now
        let line = Self.render(phase: phase, done: done, total: total, unit: unit, elapsed: now - started, detail: detail,
                               bar: interactive, since: baseline)
        if interactive {
            write("\r\u{1B}[K" + String(line.prefix(max(20, columns() - 1))))
            lineOpen = true
        } else {
            write(line + "\n")
        }
    }

    /// For work reported as `(phase, done, total)` across several phases: a new phase name ends
    /// the current phase and starts the next (named `prefix + phase`), then `done` is shown. The new
    /// phase's clock starts at its first report, when `done` units are already finished: its rate and
    /// ETA count only the units after them (the first report has none, so it shows neither).
    public func update(phase name: String, prefix: String = "", done: Int, total: Int?, unit: String = "") {
        if prefix + name != phase {
            finish()
            start(prefix + name, total: total, unit: unit)
            baseline = done
        }
        update(done)
    }

    /// Ends the phase: clears the bar and prints `summary` (if any) as a normal line.
    public func finish(_ summary: String? = nil) {
        guard enabled else { return }
        if lineOpen { write("\r\u{1B}[K"); lineOpen = false }
        if let summary { write(summary + "\n") }
        lastDrawn = -Double.infinity
    }

    /// A line that is not progress (a note), printed without breaking the bar.
    public func note(_ line: String) {
        guard enabled else { return }
        clear()
        write(line + "\n")
    }

    /// Clears the bar, so that another stream (standard output on the same terminal) can print a
    /// line; the next update redraws it.
    public func clear() {
        if lineOpen { write("\r\u{1B}[K"); lineOpen = false }
    }

    /// `phase [====......] 40/100 unit  12.5/s  ETA 0:05  detail` (without the bar off a terminal,
    /// with a percentage instead); the rate is `(done - since) / elapsed`, units done in `elapsed` seconds.
    public static func render(phase: String, done: Int, total: Int?, unit: String, elapsed: Double, detail: String, bar: Bool,
                              since: Int = 0) -> String {
        var parts = [phase]
        let rate = elapsed > 0 ? Double(max(0, done - since)) / elapsed : 0
        let u = unit.isEmpty ? "" : " " + unit
        if let total, total > 0 {
            let clamped = min(max(done, 0), total)
            if bar {
                let width = 20, filled = clamped * width / total
                parts.append("[" + String(repeating: "=", count: filled) + String(repeating: ".", count: width - filled) + "]")
                parts.append("\(done)/\(total)\(u)")
            } else {
                parts.append("\(done)/\(total)\(u) (\(clamped * 100 / total) %)")
            }
            if rate > 0 { parts.append(formatRate(rate) + "/s") }
            if rate > 0, done < total { parts.append("ETA " + formatDuration(Double(total - clamped) / rate)) }
        } else {
            parts.append("\(done)\(u)")
            if rate > 0 { parts.append(formatRate(rate) + "/s") }
        }
        parts.append(formatDuration(elapsed))
        if !detail.isEmpty { parts.append(detail) }
        return parts.joined(separator: "  ")
    }

    static func formatRate(_ r: Double) -> String {
        r >= 100 ? String(Int(r.rounded())) : r >= 10 ? String(format: "%.1f", r) : String(format: "%.2f", r)
    }

    /// `m:ss`, or `h:mm:ss` from an hour on.
    public static func formatDuration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
