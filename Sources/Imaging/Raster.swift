/// An 8-bit image: `width x height` pixels of `channels` bytes each (1 gray, 3 RGB, 4 RGBA),
/// rows top to bottom, row-major.
public struct Raster: Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition([1, 3, 4].contains(channels), "Raster: \(channels) channels (1, 3 or 4 allowed)")
        precondition(pixels.count == width * height * channels, "Raster: \(pixels.count) bytes for \(width)x\(height)x\(channels)")
        (self.width, self.height, self.channels, self.pixels) = (width, height, channels, pixels)
    }

    /// A blank image filled with `value` in every channel.
    public init(width: Int, height: Int, channels: Int, filledWith value: UInt8 = 0) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [UInt8](repeating: value, count: width * height * channels))
    }

    /// A grayscale image from floats in [0, 1] (clamped; NaN becomes 0).
    public init(gray values: ArraySlice<Float>, width: Int, height: Int) {
        precondition(values.count == width * height, "Raster: \(values.count) values for \(width)x\(height)")
        self.init(width: width, height: height, channels: 1, pixels: values.map(Raster.byte))
    }

    /// `value` in [0, 1] as a byte, rounded; values outside are clamped and NaN is 0.
    @inline(__always)
    public static func byte(_ value: Float) -> UInt8 {
        guard value.isFinite || value.isInfinite else { return 0 }
        return UInt8(max(0, min(255, (value * 255).rounded())))
    }
}
