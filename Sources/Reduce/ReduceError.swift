/// Checks shared by every reduction: what a user can get wrong, as one line naming the option.
enum ReduceInput {
    /// Throws unless `x [n, d]` holds only finite values and `1 <= dims <= maxDims`.
    static func validate(_ x: [Float], rows n: Int, dim d: Int, dims: Int, maxDims: Int, method: String) throws {
        precondition(x.count == n * d, "\(method): \(x.count) values for \(n) x \(d)")
        guard n >= 2 else { throw ReduceError("\(method) needs at least 2 points, got \(n)") }
        guard dims >= 1, dims <= maxDims else {
            throw ReduceError("--dims \(dims) must be between 1 and \(maxDims) for \(method) of \(n) x \(d) features")
        }
        if let bad = x.firstIndex(where: { !$0.isFinite }) {
            throw ReduceError("features hold \(x[bad]) at row \(bad / d), column \(bad % d); \(method) needs finite values")
        }
    }
}

/// A reduction the user asked for that cannot run as asked (bad option, bad input).
public struct ReduceError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
