import ArgumentParser

/// `fmnist`: the Fashion-MNIST deep-clustering study from one command line.
@main
struct FMNIST: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fmnist",
        abstract: "Fashion-MNIST deep clustering on OpenCL or BLAS.",
        subcommands: [DevicesCommand.self, BenchCommand.self, DataCommand.self, TrainCommand.self, EncodeCommand.self, ReconstructCommand.self, TestCommand.self, ClusterCommand.self, EvaluateCommand.self, ElbowCommand.self])
}
