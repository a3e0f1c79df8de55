import Foundation

extension SplitMix64 {
    /// A standard normal draw: Box-Muller on two uniforms (53-bit, the first kept away from 0), so
    /// the sequence depends only on the seed.
    public mutating func nextGaussian() -> Double {
        let u1 = (Double(next() >> 11) + 0.5) / Double(1 << 53), u2 = Double(next() >> 11) / Double(1 << 53)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}
