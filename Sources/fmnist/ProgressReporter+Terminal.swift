import Foundation
import Progress

extension ProgressReporter {
    /// The reporter every command uses: standard error, a bar when it is a terminal, a line every
    /// few seconds otherwise, nothing with `--quiet` or `--json` (`silent`).
    static func standardError(silent: Bool) -> ProgressReporter {
        ProgressReporter(enabled: !silent, interactive: isatty(2) != 0, columns: terminalColumns) {
            FileHandle.standardError.write(Data($0.utf8))
        }
    }

    /// The terminal's width in characters (80 when it cannot be read).
    static func terminalColumns() -> Int {
        var size = winsize()
        return ioctl(2, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
    }
}
