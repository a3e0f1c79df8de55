import Foundation

/// Whole-number settings read from environment variables (`FMNIST_THREADS`,
/// `FMNIST_DISTANCE_BLOCK_MB`): unset or empty is nil; anything but a whole number in `range` is one
/// error line naming the variable, its value and what it must be.
enum EnvironmentNumber {
    static func read(_ variable: String, in range: ClosedRange<Int>, of unit: String,
                     environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int? {
        guard let text = environment[variable], !text.isEmpty else { return nil }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw BackendError.invalidArgument(
                "\(variable)='\(text)' must be a whole number of \(unit) from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}
