/// A family of OpenCL C kernels, compiled together as one program.
///
/// `source` is portable OpenCL C 1.2. `defines` are the `-D` build options the family needs
/// (tile sizes and the like); the backend adds them to the build and to the program cache key.
public struct KernelSource: Sendable, Hashable {
    public let name: String
    public let source: String

    public init(name: String, source: String) {
        self.name = name
        self.source = source
    }
}
