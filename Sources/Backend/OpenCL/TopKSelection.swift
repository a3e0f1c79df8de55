import Foundation

/// Which OpenCL GPU kernel selects each row's k smallest distances (`rowTopK`): the k-NN graph,
/// HDBSCAN's core distances, t-SNE's and UMAP's neighbours. CPU drivers always take the serial
/// kernel; the choice here is between the two work-group kernels of `NeighbourKernels`.
///
/// - `insertion` (`row_topk`): tiles below the running k-th value are inserted by one work-item
///   into a sorted list, about `(k / 2) k ln(n / k)` serial moves a row — cheap for small k.
/// - `gather` (`row_topk_gather`): a bound from the work-items' strided minima, then a parallel
///   gather and bitonic sort of the few columns under it — constant serial work whatever k is.
/// - `automatic` (default): `gather` from `k >= 64` (k-NN candidates stay on `insertion`, HDBSCAN's
///   core distances at min-samples in the tens and hundreds move to `gather`), while `2 k` fits one
///   work-group.
///
/// `FMNIST_TOPK=insertion|gather|automatic` sets it, to time the two side by side on a device; the
/// results are identical either way (both keep the k smallest by value, then column).
public enum TopKSelection: String, CaseIterable, Sendable {
    case automatic, insertion, gather

    /// The environment variable that sets the choice.
    public static let variable = "FMNIST_TOPK"

    /// From `k` on, `automatic` takes the gather kernel.
    public static let gatherFromK = 64

    /// The choice, read once per process; an unusable value counts as unset here (`checkEnvironment`
    /// turns it into an error first in the command-line tool).
    public static let current: TopKSelection = (try? fromEnvironment()) ?? .automatic

    /// Throws one line naming `FMNIST_TOPK` and its value when it is set to something else.
    public static func checkEnvironment() throws { _ = try fromEnvironment() }

    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TopKSelection? {
        try EnvironmentChoice.read(variable, environment: environment)
    }

    /// Whether a row selection of `k` takes the gather kernel, given the largest usable work-group
    /// (`2 k` work-items at least, rounded up to a power of two, must fit in it).
    func usesGather(k: Int, maxGroup: Int) -> Bool {
        guard Self.gatherGroup(k: k, reductionGroup: 1) <= maxGroup else { return false }
        switch self {
        case .automatic: return k >= Self.gatherFromK
        case .insertion: return false
        case .gather: return true
        }
    }

    /// The gather kernel's work-group: a power of two, at least `2 k` and `reductionGroup`.
    static func gatherGroup(k: Int, reductionGroup: Int) -> Int {
        var group = max(1, reductionGroup)
        while group < 2 * k { group *= 2 }
        return group
    }
}
