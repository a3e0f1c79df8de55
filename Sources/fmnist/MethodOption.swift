import ArgumentParser

/// An option that only some of a command's methods read, and whether the command line typed it
/// (options stay nil until typed, so typing the default value counts too).
struct MethodOption<Method: RawRepresentable & Equatable> where Method.RawValue == String {
    var flag: String
    var typed: Bool
    var methods: [Method]

    /// Throws one line for the first typed option that `method` does not read ("--eps applies to
    /// dbscan, not kmeans"): such an option is never silently ignored.
    static func refuseInapplicable(_ options: [MethodOption], method: Method) throws {
        for option in options where option.typed && !option.methods.contains(method) {
            let names = option.methods.map(\.rawValue)
            let list = names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " and " + names.last!
            throw ValidationError("\(option.flag) applies to \(list), not \(method.rawValue)")
        }
    }
}
