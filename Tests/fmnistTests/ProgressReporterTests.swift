import Progress
import XCTest

/// The shared progress reporter, driven by a fake clock.
final class ProgressReporterTests: XCTestCase {
    final class Recorder {
        var now = 0.0
        var text = ""
    }

    func reporter(interactive: Bool, enabled: Bool = true, _ r: Recorder) -> ProgressReporter {
        ProgressReporter(enabled: enabled, interactive: interactive, interval: 5, columns: { 60 }, clock: { r.now }) { r.text += $0 }
    }

    /// On a terminal: one self-overwriting line with bar, count, rate and ETA, redrawn at most
    /// every 0.1 s, cut to the terminal's width; `finish` clears it and prints the summary.
    func testTerminalLine() {
        let r = Recorder(), p = reporter(interactive: true, r)
        p.start("ward linkage", total: 100, unit: "merges")
        r.now = 2
        p.update(40)
        XCTAssertEqual(r.text, "\r\u{1B}[Kward linkage  [========............]  40/100 merges  20.0/s")
        r.now = 2.05
        p.update(41)
        XCTAssertFalse(r.text.contains("41/100"), "redrawn within 0.1 s")
        r.now = 5
        p.update(100)
        p.finish("ward: done")
        XCTAssertTrue(r.text.hasSuffix("\r\u{1B}[Kward: done\n"), r.text)
        XCTAssertEqual(r.text.filter { $0 == "\n" }.count, 1, "only the summary ends a line")
    }

    func testRenderedFields() {
        let line = ProgressReporter.render(phase: "encode", done: 25_000, total: 70_000, unit: "images", elapsed: 10, detail: "x", bar: true)
        XCTAssertEqual(line, "encode  [=======.............]  25000/70000 images  2500/s  ETA 0:18  0:10  x")
        let plain = ProgressReporter.render(phase: "encode", done: 35_000, total: 70_000, unit: "images", elapsed: 7200, detail: "", bar: false)
        XCTAssertEqual(plain, "encode  35000/70000 images (50 %)  4.86/s  ETA 2:00:00  2:00:00")
        XCTAssertEqual(ProgressReporter.render(phase: "p", done: 3, total: nil, unit: "", elapsed: 0, detail: "", bar: true), "p  3  0:00")
    }

    /// Off a terminal: a plain line at most every `interval` seconds, never a carriage return.
    func testLogLinesAreThrottled() {
        let r = Recorder(), p = reporter(interactive: false, r)
        p.start("merges", total: 1000)
        for i in 1 ... 1000 {
            r.now = Double(i) * 0.03 // 30 s in all
            p.update(i)
        }
        p.finish("done")
        let lines = r.text.split(separator: "\n")
        XCTAssertEqual(lines.count, 5 + 1, r.text) // one each 5 s (5.01, 10.02, ..., 25.05 s), and the summary
        XCTAssertFalse(r.text.contains("\r"))
        XCTAssertTrue(lines[0].hasPrefix("merges  167/1000 (16 %)"), String(lines[0]))
    }

    /// Phase-tagged updates start a new line (with its own count and clock) whenever the phase changes.
    func testPhasesSwitch() {
        let r = Recorder(), p = reporter(interactive: false, r)
        for (phase, done) in [("k-NN", 50), ("k-NN", 100), ("optimisation", 1), ("optimisation", 200)] {
            r.now += 6
            p.update(phase: phase, prefix: "UMAP ", done: done, total: phase == "k-NN" ? 100 : 200, unit: "rows")
        }
        let lines = r.text.split(separator: "\n").map(String.init)
        // k-NN prints at 6 s into its phase; the new phase restarts the clock, so its first update
        // (at its own 0 s) is quiet and the next, 6 s later, prints.
        XCTAssertEqual(lines.count, 2, r.text)
        XCTAssertTrue(lines[0].hasPrefix("UMAP k-NN  100/100 rows (100 %)"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("UMAP optimisation  200/200 rows (100 %)"), lines[1])
    }

    /// A phase begun by its first report has already done that report's units before its clock
    /// started: its rate counts only what follows (it showed "8388608/s" after microseconds).
    func testPhaseRateCountsFromItsFirstReport() {
        let r = Recorder(), p = reporter(interactive: true, r)
        r.now = 10
        p.update(phase: "e1", done: 1, total: 3)
        XCTAssertEqual(r.text, "\r\u{1B}[Ke1  [======..............]  1/3  0:00")
        r.now = 12
        p.update(phase: "e1", done: 2, total: 3)
        XCTAssertTrue(r.text.hasSuffix("\r\u{1B}[Ke1  [=============.......]  2/3  0.50/s  ETA 0:02  0:02"), r.text)
    }

    func testDisabledPrintsNothing() {
        let r = Recorder(), p = reporter(interactive: true, enabled: false, r)
        p.start("x", total: 2)
        r.now = 1
        p.update(1)
        p.note("n")
        p.finish("done")
        XCTAssertEqual(r.text, "")
    }
}
