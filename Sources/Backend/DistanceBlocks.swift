import Foundation

/// How much of a `[rows, n]` float32 squared-distance block the exact neighbour searches compute
/// at once: the k-NN graph (`kNearestNeighbours`, UMAP, t-SNE, trustworthiness), `nearestRows`
/// (K-means' assignment), HDBSCAN's core distances and its device Borůvka rounds. Each block is one
/// GEMM and one row-wise reduction, so the block's rows are the work-groups a GPU has to fill.
///
/// Default 64 MiB (239 rows of a 70,000-point block); `FMNIST_DISTANCE_BLOCK_MB=N` (1 to 4,096)
/// sets another size, e.g. to time larger blocks on a GPU. Results never depend on it: every row's
/// answer comes from its own row of the block.
public enum DistanceBlocks {
    /// The environment variable that sets the size, in MiB.
    public static let variable = "FMNIST_DISTANCE_BLOCK_MB"
    public static let defaultBytes = 64 << 20

    /// The size in bytes, read once per process; an unusable value counts as unset here
    /// (`checkEnvironment` turns it into an error first in the command-line tool).
    public static let bytes: Int = (try? fromEnvironment()) ?? defaultBytes

    /// Throws one line naming `FMNIST_DISTANCE_BLOCK_MB` and its value when it is set but not a
    /// whole number from 1 to 4,096 (a block is allocated whole: 4 GiB of host or device memory at most).
    public static func checkEnvironment() throws { _ = try fromEnvironment() }

    static func fromEnvironment() throws -> Int? {
        try EnvironmentNumber.read(variable, in: 1 ... 4096, of: "MiB").map { $0 << 20 }
    }
}
