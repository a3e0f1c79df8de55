import FuzzSupport
import Dataset

/// libFuzzer entry: any bytes, gzip-compressed or not, must parse or throw, never crash or hang.
@main
enum Main {
    static func main() { runFuzzer(fuzzIDX) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let plain = (try? Gzip.inflate(bytes, name: "fuzz")) ?? bytes
    if let file = try? IDXFile(parsing: plain, name: "fuzz") {
        precondition(file.bytes.count == file.dimensions.reduce(1, *), "IDX: data size disagrees with dimensions")
    }
    return 0
}
