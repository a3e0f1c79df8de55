import ArgumentParser
import Dataset

/// Points to cluster or score: `[rows, dim]` floats, row-major, with true labels when they come
/// from a split.
struct FeatureMatrix {
    var values: [Float]
    var rows: Int
    var dim: Int
    var labels: [Int64]?

    /// A float `.npy` file `[N, D]` (`flag` names the option in error lines); `rows`, when given,
    /// is the number of points the file must hold.
    static func read(_ path: String, flag: String, rows expected: Int? = nil) throws -> FeatureMatrix {
        let array = try NPYArray.read(path)
        guard array.integers == nil else { throw ValidationError("\(flag) \(path): dtype \(array.elements.descr) is not floating point") }
        guard array.shape.count == 2, array.shape[0] >= 1, array.shape[1] >= 1 else {
            let empty = array.shape.count == 2 ? " (\(array.shape[0] == 0 ? "no rows" : "no features"))" : ""
            throw ValidationError("\(flag) \(path): shape \(array.shape) is not [N, D] with N, D >= 1\(empty)")
        }
        if let expected, array.shape[0] != expected {
            throw ValidationError("\(flag) \(path): holds \(array.shape[0]) points, need \(expected)")
        }
        let values = array.floats
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            let (row, column) = bad.quotientAndRemainder(dividingBy: array.shape[1])
            let what = values[bad].isNaN ? "nan" : array.elements.descr == "<f8" ? "inf (or beyond float32's range)" : "inf"
            throw ValidationError("\(flag) \(path): \(what) at row \(row), column \(column); features must be finite")
        }
        return FeatureMatrix(values: values, rows: array.shape[0], dim: array.shape[1], labels: nil)
    }

    /// What `load` needs, checked before any work: exactly one of `--input` and `--split`, and the
    /// validation draw's options only where a draw chooses the images.
    static func checkSource(input: String?, split: ModelInput.Split?, data: DataOptions) throws {
        guard (input == nil) != (split == nil) else { throw ValidationError("give exactly one of --input and --split") }
        try data.refuseDraw(for: split)
    }

    /// `--input FILE`, else the raw pixels (and labels) of `split`.
    static func load(input: String?, split: ModelInput.Split?, data: DataOptions) throws -> FeatureMatrix {
        if let input { return try read(input, flag: "--input") }
        let images = try ModelInput(split: split, input: nil, data: data).load(defaultSplit: .test).images
        return FeatureMatrix(values: images.images, rows: images.count, dim: images.pixelsPerImage, labels: images.labels.map(Int64.init))
    }
}

/// Mean of `(a[i] - b[i])^2` in Double (reconstruction error).
func meanSquaredDifference(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count, "meanSquaredDifference: \(a.count) vs \(b.count) values")
    var sum = 0.0
    for (x, y) in zip(a, b) { sum += Double(x - y) * Double(x - y) }
    return sum / Double(max(1, a.count))
}
