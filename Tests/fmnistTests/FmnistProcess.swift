import Foundation
import XCTest

/// Runs the built `fmnist` executable (next to the test bundle) as a user would.
enum FmnistProcess {
    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The `fmnist` executable next to this test bundle.
    static var binary: URL {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDirectory, Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("fmnist")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return bundleDirectory.appendingPathComponent("fmnist")
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "FMNIST_BACKEND")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self))
    }

}

/// A failed run as the tool promises it: a non-zero exit that is not a crash, and exactly one
/// `Error:` line on standard error containing `fragment` (a command-line mistake is followed by the usage).
func assertOneErrorLine(_ outcome: FmnistProcess.Outcome, containing fragment: String, _ what: String,
                        file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertNotEqual(outcome.status, 0, "\(what) succeeded", file: file, line: line)
    XCTAssertTrue((1 ... 64).contains(outcome.status), "\(what): exit status \(outcome.status) (a crash?)", file: file, line: line)
    let errors = outcome.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
    XCTAssertEqual(errors.count, 1, "\(what): \(outcome.stderr)", file: file, line: line)
    XCTAssertTrue(errors.first?.contains(fragment) == true, "\(what): \(outcome.stderr) lacks \(fragment)", file: file, line: line)
}
