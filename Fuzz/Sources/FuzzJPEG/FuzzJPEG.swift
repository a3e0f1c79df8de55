import FuzzSupport
import Imaging

/// libFuzzer entry: any bytes must decode as JPEG (to RGB of the declared size) or throw.
@main
enum Main {
    static func main() { runFuzzer(fuzzJPEG) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let raster = try? JPEGFile.decode(bytes, name: "fuzz") {
        precondition(raster.channels == 3 && raster.pixels.count == raster.width * raster.height * 3)
    }
    return 0
}
