import Foundation

/// Named settings read from environment variables (`FMNIST_TOPK`, `FMNIST_BORUVKA`): unset or empty
/// is nil; anything but one of the choice's names is one error line naming the variable, its value
/// and the names it may take.
enum EnvironmentChoice {
    static func read<Choice: RawRepresentable & CaseIterable>(_ variable: String, as _: Choice.Type = Choice.self,
                                                            environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> Choice? where Choice.RawValue == String {
        guard let text = environment[variable], !text.isEmpty else { return nil }
        guard let choice = Choice(rawValue: text.trimmingCharacters(in: .whitespaces)) else {
            throw BackendError.invalidArgument(
                "\(variable)='\(text)' must be one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return choice
    }
}
