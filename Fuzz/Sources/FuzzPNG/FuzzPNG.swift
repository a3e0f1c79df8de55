import FuzzSupport
import Imaging

/// libFuzzer entry: any bytes must decode as PNG or throw.
@main
enum Main {
    static func main() { runFuzzer(fuzzPNG) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let raster = try? PNGFile.decode(bytes, name: "fuzz") {
        precondition(raster.pixels.count == raster.width * raster.height * raster.channels)
    }
    return 0
}
