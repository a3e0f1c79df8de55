/// A problem with an input file or a data option, stated in one line that names the file or flag.
public struct DataError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
