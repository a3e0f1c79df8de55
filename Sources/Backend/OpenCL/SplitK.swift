import Foundation

/// The split-K GEMM's limit (`OpenCLBackend.splitKSlices`): at most how many K slices a thin product with a long K
/// (a convolution's weight gradient: 32 x 9 outputs over 200,704 terms for the CNN's first layer at batch 256) is
/// cut into, one work-group per slice and output tile.
///
/// Default 1,024 — in effect no cap: the slices are then set by the device (about two work-groups per compute unit)
/// and the 256-term minimum per slice. The cap was 64 before, which left more than half of a 132-unit GPU idle on
/// such products, each work-group running a 3,136-term loop. `FMNIST_SPLIT_K=N` (0 to 4,096) sets another cap, 0
/// turns split-K off, e.g. to time the old cap beside the new one. The sums are the same up to rounding (the slices
/// are added in a fixed order).
public enum SplitK {
    /// The environment variable that sets the cap.
    public static let variable = "FMNIST_SPLIT_K"
    public static let defaultMaximumSlices = 1_024

    /// The cap, read once per process; an unusable value counts as unset here (`checkEnvironment` turns it into an
    /// error first in the command-line tool).
    public static let maximumSlices: Int = (try? read()) ?? defaultMaximumSlices

    /// Throws one line naming `FMNIST_SPLIT_K` and its value when it is set but not a whole number from 0 to 4,096.
    public static func checkEnvironment() throws { _ = try read() }

    static func read() throws -> Int? { try EnvironmentNumber.read(variable, in: 0 ... 4096, of: "slices") }
}
