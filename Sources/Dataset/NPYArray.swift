import Foundation

/// An n-dimensional array in NumPy's `.npy` format (versions 1.0, 2.0, 3.0), C order, little-endian.
///
/// Supported element types: float32 `<f4`, float64 `<f8`, int32 `<i4`, int64 `<i8`, uint8 `|u1`.
/// `shape` may be empty (a 0-d array holding one element).
public struct NPYArray: Equatable {
    public enum Elements: Equatable {
        case float32([Float])
        case float64([Double])
        case int32([Int32])
        case int64([Int64])
        case uint8([UInt8])

        public var count: Int {
            switch self {
            case .float32(let v): return v.count
            case .float64(let v): return v.count
            case .int32(let v): return v.count
            case .int64(let v): return v.count
            case .uint8(let v): return v.count
            }
        }

        /// NumPy's dtype string.
        public var descr: String {
            switch self {
            case .float32: return "<f4"
            case .float64: return "<f8"
            case .int32: return "<i4"
            case .int64: return "<i8"
            case .uint8: return "|u1"
            }
        }
    }

    public var shape: [Int]
    public var elements: Elements

    public init(shape: [Int], elements: Elements) {
        precondition(shape.reduce(1, *) == elements.count, "NPYArray: shape \(shape) holds \(shape.reduce(1, *)) elements, got \(elements.count)")
        (self.shape, self.elements) = (shape, elements)
    }

    /// The elements as Float32 (exact for float32, uint8 and small integers; rounded for the rest).
    public var floats: [Float] {
        switch elements {
        case .float32(let v): return v
        case .float64(let v): return v.map { Float($0) }
        case .int32(let v): return v.map { Float($0) }
        case .int64(let v): return v.map { Float($0) }
        case .uint8(let v): return v.map { Float($0) }
        }
    }

    /// The elements as Int64 when the array holds integers; nil for floating-point arrays.
    public var integers: [Int64]? {
        switch elements {
        case .int32(let v): return v.map { Int64($0) }
        case .int64(let v): return v
        case .uint8(let v): return v.map { Int64($0) }
        case .float32, .float64: return nil
        }
    }
}
