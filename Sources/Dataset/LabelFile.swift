import Foundation

/// Cluster or class labels on disk, one integer per point, `-1` for noise. The format follows the
/// file name's extension:
/// - `.npy`: a 1-d integer array (written as int64, NumPy's `np.load`);
/// - `.csv`: a header line `label`, then one integer per line (pandas' `read_csv`, spreadsheets).
///   Reading accepts the file with or without a one-field header line, LF or CRLF line ends.
///
/// Any other extension is an error naming the file, so `--out labels.csv` never holds `.npy` bytes.
public enum LabelFile {
    public enum Format: String { case npy, csv }

    /// The extensions a label file may have, as a flag's help and errors say them.
    public static let extensions = ".npy or .csv"

    /// The format `path` names by its extension.
    public static func format(of path: String) throws -> Format {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "npy": return .npy
        case "csv": return .csv
        default: throw DataError("\(path): a label file must end in \(extensions)")
        }
    }

    /// Writes `labels` atomically (temporary file, then rename) in the format `path` names.
    public static func write(_ labels: [Int64], to path: String) throws {
        switch try format(of: path) {
        case .npy: try NPYArray(shape: [labels.count], elements: .int64(labels)).write(to: path)
        case .csv: try AtomicFile.write(Data(csvText(labels).utf8), to: path)
        }
    }

    /// The CSV form: the header line `label`, then one label per line.
    public static func csvText(_ labels: [Int64]) -> String {
        var text = "label\n"
        text.reserveCapacity(6 + labels.count * 3)
        for label in labels { text += "\(label)\n" }
        return text
    }

    /// Reads the labels of `path`; errors name the file and, for CSV, the line.
    public static func read(_ path: String) throws -> [Int64] {
        switch try format(of: path) {
        case .npy:
            let array = try NPYArray.read(path)
            guard let values = array.integers else { throw DataError("\(path): dtype \(array.elements.descr) is not an integer type") }
            guard array.shape.count == 1 else { throw DataError("\(path): shape \(array.shape) is not [N]") }
            return values
        case .csv:
            guard let data = FileManager.default.contents(atPath: path) else { throw DataError("\(path): cannot read the file") }
            guard let text = String(data: data, encoding: .utf8) else { throw DataError("\(path): not UTF-8 text") }
            return try parseCSV(text, path: path)
        }
    }

    /// One integer per line after an optional one-field header; blank lines only at the end.
    public static func parseCSV(_ text: String, path: String) throws -> [Int64] {
        // `Character.isNewline` takes "\r\n" (one grapheme cluster in Swift) as one line end.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        while let last = lines.last, last.allSatisfy(\.isWhitespace) { lines.removeLast() }
        var labels = [Int64]()
        labels.reserveCapacity(lines.count)
        for (index, raw) in lines.enumerated() {
            let field = raw.trimmingCharacters(in: .whitespaces)
            guard !field.contains(",") else {
                throw DataError("\(path): line \(index + 1) has more than one field; a label file has one column")
            }
            if let value = Int64(field) { labels.append(value); continue }
            if index == 0, !field.isEmpty { continue }  // the header
            throw DataError("\(path): line \(index + 1) ('\(field.prefix(40))') is not an integer label")
        }
        guard !labels.isEmpty else { throw DataError("\(path): holds no labels") }
        return labels
    }
}
