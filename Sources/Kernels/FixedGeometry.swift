/// Kernel sizes that can be compile-time constants: a kernel source starts with `preamble(names)` and its kernels
/// take each size as the argument `NAME_` and open with `GEOMETRY_SIZES;`, which declares `const int NAME` — the
/// build option `F_NAME` when the program was built with `options(names, sizes)`, else the argument. With constants
/// the compiler turns divisions and remainders by the sizes into multiplications and shifts and knows the loops'
/// bounds (one program per geometry); the values computed are the same.
enum FixedGeometry {
    /// `#define`s for a source whose fixed sizes are `names` (unset: every `F_NAME` 0 and the arguments used).
    static func preamble(_ names: [String]) -> String {
        let unset = names.map { "#define F_\($0) 0" }.joined(separator: "\n")
        let sizes = names.map { "const int \($0) = FIXED_GEOMETRY ? F_\($0) : \($0)_;" }.joined(separator: " ")
        return "#ifndef FIXED_GEOMETRY\n#define FIXED_GEOMETRY 0\n\(unset)\n#endif\n"
            + "// Inside a kernel: the geometry's sizes as compile-time constants when fixed, else the arguments.\n"
            + "#define GEOMETRY_SIZES \(sizes) (void)0\n"
    }

    /// Build options fixing `names` to `sizes`.
    static func options(_ names: [String], _ sizes: [Int]) -> String {
        precondition(sizes.count == names.count, "\(names.count) geometry sizes expected, got \(sizes.count)")
        return "-DFIXED_GEOMETRY=1 " + zip(names, sizes).map { "-DF_\($0)=\($1)" }.joined(separator: " ")
    }
}
