import Foundation

/// How many training batches are queued before their losses are read back (`ComputeBackend.trainingBatchesPerRead`,
/// `Trainer.trainEpoch`): by default 1 on the CPU backend (its ops finish as they are called), 16 on an OpenCL GPU,
/// 4 on a CPU OpenCL driver. `FMNIST_BATCHES_PER_READ=N` (1 to 1,024) sets it on every backend, e.g. to time one
/// read per batch beside the default on a GPU. The weights never depend on it: the same ops run in the same order.
public enum TrainingBatchGroups {
    /// The environment variable that sets the group size.
    public static let variable = "FMNIST_BATCHES_PER_READ"

    /// The size from the environment, read once per process, or nil (the backend's default); an unusable value
    /// counts as unset here (`checkEnvironment` turns it into an error first in the command-line tool).
    public static let fromEnvironment: Int? = try? read()

    /// Throws one line naming `FMNIST_BATCHES_PER_READ` and its value when it is set but not a whole number from 1 to 1,024.
    public static func checkEnvironment() throws { _ = try read() }

    static func read() throws -> Int? { try EnvironmentNumber.read(variable, in: 1 ... 1024, of: "batches") }
}
