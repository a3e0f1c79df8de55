import Foundation

/// How an OpenCL device runs each round of Borůvka's spanning tree (HDBSCAN, single linkage on the
/// device route), i.e. how `nearestOtherComponent` answers:
///
/// - `automatic` (default): from the points themselves (`BoruvkaKernels`), exact in double, when the
///   device has `cl_khr_fp64` and the points at most `BoruvkaKernels.maxDimensions` features; the
///   caller's distance blocks otherwise.
/// - `blocks`: always the distance blocks (`squaredDistances` then `rowNearestOtherComponent`), a
///   GEMM's float32 distances per round.
///
/// `FMNIST_BORUVKA=automatic|blocks` sets it, to time the two side by side on a device.
public enum BoruvkaSearch: String, CaseIterable, Sendable {
    case automatic, blocks

    /// The environment variable that sets the choice.
    public static let variable = "FMNIST_BORUVKA"

    /// The choice, read once per process; an unusable value counts as unset here (`checkEnvironment`
    /// turns it into an error first in the command-line tool).
    public static let current: BoruvkaSearch = (try? EnvironmentChoice.read(variable)) ?? .automatic

    /// Throws one line naming `FMNIST_BORUVKA` and its value when it is set to something else.
    public static func checkEnvironment() throws { _ = try EnvironmentChoice.read(variable, as: BoruvkaSearch.self) }
}
