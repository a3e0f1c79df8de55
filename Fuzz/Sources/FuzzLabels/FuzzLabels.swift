import Dataset
import Foundation
import FuzzSupport

/// libFuzzer entry: any bytes, read as `LabelFile.read` reads a `.csv` (UTF-8, else refused), must
/// parse to labels or throw one error naming the file — never crash or hang; labels that parse
/// must write back as CSV and parse again to the same labels.
@main
enum Main {
    static func main() { runFuzzer(fuzzLabels) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLabels(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let text = String(data: Data(UnsafeBufferPointer(start: data, count: size)), encoding: .utf8) else { return 0 }
    do {
        let labels = try LabelFile.parseCSV(text, path: "fuzz.csv")
        precondition(!labels.isEmpty, "labels: parsed an empty file")
        precondition((try? LabelFile.parseCSV(LabelFile.csvText(labels), path: "again.csv")) == labels, "labels: round trip changed them")
    } catch {
        precondition("\(error)".hasPrefix("fuzz.csv: "), "labels: an error that does not name the file: \(error)")
    }
    return 0
}
