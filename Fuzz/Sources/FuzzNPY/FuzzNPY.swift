import FuzzSupport
import Dataset

/// libFuzzer entry: any bytes must parse as .npy or throw; what parses must re-encode and parse
/// back to the same array.
@main
enum Main {
    static func main() { runFuzzer(fuzzNPY) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let array = try? NPYArray(parsing: bytes, name: "fuzz") {
        let again = try? NPYArray(parsing: array.encoded(), name: "re-encoded")
        precondition(again?.shape == array.shape && again?.elements.count == array.elements.count, "NPY: round trip changed the array")
    }
    return 0
}
